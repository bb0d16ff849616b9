"""The value vs effort quadrant and an item's page in a real browser.

The quadrant draws every placed item as a point of the Chart.js scatter (read back from the chart
itself, not from a screenshot), a click on a point opens its item, and the lists underneath reach
the same items from the keyboard. On an item's page a contributor ticks an acceptance criterion in
place (htmx) and it stays ticked after a reload; its history reads newest first. On the settings
page a custom formula is checked as it is typed (a caret under the problem, or a preview of the
top items' scores). Screenshots
(PMHUB_SCREENSHOT_DIR): docs/screenshots/backlog-quadrant.png and backlog-item.png.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from backlog.models import Item
from backlog.services.fields import custom_field_create, label_create
from backlog.services.items import item_create, item_update
from backlog.services.sprints import sprint_create, sprint_start
from pmhub import services
from pmhub.capabilities import Role
from pmhub.models import LifecycleStage, Product
from roadmaps.services.initiatives import initiative_create
from tests.factories import make_member, make_user

pytestmark = pytest.mark.browser

SETTLED = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
CHART = "document.querySelector('canvas[data-chart=\"quadrant\"]')"

# Title, kind, value (0-10), effort. With the story below (value 8, effort 2) the median effort
# of the thirteen placed items is 3.
ITEMS = [
    ("Guided first dashboard", "feature", 9, 2),
    ("Slack alerts for KPI drops", "feature", 8, 3),
    ("CSV export of any chart", "story", 7, 1),
    ("Saved filters on the events explorer", "story", 6, 2),
    ("Warehouse sync (Snowflake, BigQuery)", "feature", 9, 13),
    ("Role-based dashboards", "feature", 7, 8),
    ("SAML single sign-on", "feature", 6, 5),
    ("Dark mode", "story", 3, 2),
    ("Keyboard shortcuts cheat sheet", "chore", 2, 1),
    ("Rewrite the legacy PDF renderer", "tech_debt", 2, 8),
    ("Custom fonts on shared reports", "story", 1, 5),
    ("Timezone picker per dashboard", "story", 4, 3),
]
EXPECTED = {"quick_win": 5, "big_bet": 3, "fill_in": 3, "money_pit": 2}


@dataclass
class Backlog:
    product: Product
    story: Item


@pytest.fixture
def backlog(transactional_db) -> Backlog:
    """Acme Analytics' backlog: twelve placed items, two not placed, and a story with a history
    (estimated, re-estimated, planned into a sprint, started by a developer)."""
    maria = make_user("maria")
    acme = services.workspace_create(name="Acme", owner=maria)
    dana = make_member(acme, Role.CONTRIBUTOR, username="dana")
    product = services.product_create(
        workspace=acme,
        actor=maria,
        name="Acme Analytics",
        description="Self-serve analytics for growing SaaS teams.",
        stage=LifecycleStage.GROWTH,
    )
    for title, kind, value, effort in ITEMS:
        item_create(
            product=product, actor=maria, title=title, kind=kind, value=value, effort=effort
        )
    item_create(product=product, actor=maria, title="Usage-based billing", value=8)
    item_create(product=product, actor=maria, title="Audit log export", kind="story")

    growth = label_create(product=product, actor=maria, name="growth", colour="#16a34a")
    custom_field_create(
        product=product,
        actor=maria,
        key="segment",
        name="Segment",
        kind="select",
        options=["SMB", "Mid-market", "Enterprise"],
    )
    epic = Item.objects.get(product=product, title="Guided first dashboard")
    initiative = initiative_create(product=product, actor=maria, title="Onboarding revamp")
    today = timezone.localdate()
    sprint = sprint_create(
        product=product,
        actor=maria,
        name="Sprint 14",
        starts_on=today - timedelta(days=2),
        ends_on=today + timedelta(days=11),
        capacity=24,
    )
    story = item_create(
        product=product,
        actor=maria,
        kind="story",
        title="Template gallery on the empty dashboard",
        description=(
            "As a **new admin** I want to start from a template, so that my first dashboard "
            "shows something useful in minutes.\n\n- Five templates to start\n- Preview first"
        ),
        acceptance=[
            {"text": "The empty dashboard offers five templates", "done": True},
            {"text": "A template can be previewed before it is used", "done": False},
            {"text": "Using a template records a Template Used event", "done": False},
        ],
        parent=epic,
        initiative=initiative,
        labels=[growth],
        reach=1200,
        impact=2,
        confidence=80,
        effort=2,
        value=8,
        custom={"segment": "SMB"},
    )
    item_update(item=story, actor=maria, estimate=3, status="ready")
    item_update(item=story, actor=maria, estimate=5, title=story.title)
    item_update(item=story, actor=maria, sprint=sprint)
    sprint_start(sprint=sprint, actor=maria)
    item_update(item=story, actor=dana, status="in_progress", assignee=dana)
    return Backlog(product=product, story=story)


def test_the_quadrant_draws_every_placed_item(page, backlog, log_in, screenshot_dir):
    log_in(page, "maria")
    page.goto(f"/products/{backlog.product.slug}/backlog/quadrant/")
    page.wait_for_function(f"() => window.Chart && window.Chart.getChart({CHART})")
    counts = page.evaluate(
        f"""() => Object.fromEntries(window.Chart.getChart({CHART}).data.datasets.map(
            (d, i) => [d.label, window.Chart.getChart({CHART}).getDatasetMeta(i).data.length]))"""
    )
    assert counts == {"Quick wins": 5, "Big bets": 3, "Fill-ins": 3, "Money pits": 2}
    # Every point is drawn inside the plot area.
    inside = page.evaluate(
        f"""() => {{
            const chart = window.Chart.getChart({CHART});
            const area = chart.chartArea;
            return chart.data.datasets.flatMap((_, i) => chart.getDatasetMeta(i).data).every(
                (p) => p.x >= area.left && p.x <= area.right
                    && p.y >= area.top && p.y <= area.bottom);
        }}"""
    )
    assert inside
    for key, count in EXPECTED.items():
        expect(page.get_by_test_id(f"quadrant-{key}").get_by_role("link")).to_have_count(count)
    unplaced = page.get_by_test_id("quadrant-unplaced")
    expect(unplaced).to_contain_text("Usage-based billing")
    expect(unplaced).to_contain_text("Audit log export")
    page.screenshot(path=screenshot_dir / "backlog-quadrant.png", full_page=True)

    # A click on a point opens its item.
    box = page.locator("canvas[data-chart='quadrant']").bounding_box()
    point = page.evaluate(
        f"""() => {{
            const chart = window.Chart.getChart({CHART});
            const p = chart.getDatasetMeta(1).data[0];
            return {{x: p.x, y: p.y, title: chart.data.datasets[1].data[0].title}};
        }}"""
    )
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    expect(page.get_by_role("heading", level=1)).to_have_text(point["title"])

    # The lists reach the same items from the keyboard.
    page.go_back()
    link = page.get_by_test_id("quadrant-quick_win").get_by_role("link").first
    link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Guided first dashboard")


def test_a_contributor_ticks_a_criterion_on_the_item_page(
    new_page, backlog, log_in, screenshot_dir
):
    page = new_page()
    log_in(page, "dana")
    page.goto(f"/products/{backlog.product.slug}/backlog/items/{backlog.story.pk}/")
    history = page.get_by_test_id("item-history")
    expect(history).to_contain_text("dana moved from Ready to In progress")
    expect(history).to_contain_text("dana changed assignee — → dana")
    text = history.inner_text()
    newest_first = ["dana moved", "maria added to Sprint 14", "estimate 3 → 5", "created it"]
    assert [text.index(entry) for entry in newest_first] == sorted(
        text.index(entry) for entry in newest_first
    )
    expect(page.get_by_test_id("item-score")).to_contain_text("960")  # 1200 × 2 × 80 % ÷ 2

    criterion = page.get_by_test_id("acceptance-item").nth(1)
    with page.expect_response(lambda r: r.request.method == "POST" and "/acceptance/1/" in r.url):
        criterion.get_by_role("checkbox").check()
    page.wait_for_function(SETTLED)
    expect(page.get_by_test_id("acceptance-item").nth(1)).to_have_class("checklist-item is-done")
    page.reload()
    expect(page.get_by_test_id("acceptance-item").nth(1).get_by_role("checkbox")).to_be_checked()
    page.screenshot(path=screenshot_dir / "backlog-item.png", full_page=True)


def test_the_formula_is_checked_as_it_is_typed(page, backlog, log_in):
    log_in(page, "maria")
    page.goto(f"/products/{backlog.product.slug}/backlog/settings/")
    formula = page.get_by_role("textbox", name="Custom formula")
    with page.expect_response(lambda r: "/settings/formula/" in r.url and "import" in r.url):
        formula.fill("__import__('os')")
    error = page.get_by_test_id("formula-error")
    expect(error).to_contain_text("Unknown name '__import__' at position 0")
    expect(error.locator("code")).to_have_text("__import__('os')\n^")
    with page.expect_response(lambda r: "/settings/formula/" in r.url and "value" in r.url):
        formula.fill("value / effort")
    preview = page.get_by_test_id("formula-preview")
    expect(preview).to_contain_text("The formula is valid")
    expect(preview).to_contain_text("Guided first dashboard: 4.5")  # 9 ÷ 2
