"""The Now/Next/Later board and the OKR tree in a real browser (roadmaps issue, acceptance 1).

A planner drags an initiative by its handle from Next into Now and then reorders it within Now
(SortableJS, each drop saved by an htmx POST to ``initiative_move``): the order survives a
reload; the move buttons do the same from the keyboard; a viewer sees no handle. Screenshots
(PMHUB_SCREENSHOT_DIR): docs/screenshots/roadmap-board.png and okr-tree.png.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from pmhub import services
from pmhub.capabilities import Role
from pmhub.models import LifecycleStage, Product
from roadmaps.models import Initiative
from roadmaps.services.health import health_update_post
from roadmaps.services.initiatives import (
    initiative_create,
    initiative_depend,
    initiative_set_objectives,
)
from roadmaps.services.okrs import key_result_create, objective_create
from roadmaps.services.releases import release_create, release_set_initiatives
from roadmaps.services.themes import theme_create
from tests.factories import make_member, make_user

pytestmark = pytest.mark.browser


def month_start(day: date, months: int = 0) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass
class Plan:
    product: Product
    initiatives: dict[str, Initiative]


@pytest.fixture
def plan(transactional_db) -> Plan:
    """Acme (maria plans, li views) and the roadmap of Acme Analytics: themes, objectives with
    key results, initiatives in the three horizons, dependencies and releases, dated around
    today so the default timeline window shows them."""
    maria = make_user("maria")
    acme = services.workspace_create(name="Acme", owner=maria)
    li = make_member(acme, Role.VIEWER, username="li")
    product = services.product_create(
        workspace=acme,
        actor=maria,
        name="Acme Analytics",
        description="Self-serve analytics for growing SaaS teams.",
        stage=LifecycleStage.GROWTH,
    )
    today = date.today()
    this_month, next_month = month_start(today), month_start(today, 1)
    themes = {
        name: theme_create(product=product, actor=maria, name=name, colour=colour)
        for name, colour in (
            ("Activation", "#4f46e5"),
            ("Monetisation", "#d97706"),
            ("Platform", "#0d9488"),
        )
    }
    company = objective_create(
        workspace=acme,
        actor=maria,
        title="Become the default analytics tool of small SaaS teams",
        period="2026 H2",
        starts_on=this_month - timedelta(days=60),
        ends_on=this_month + timedelta(days=120),
        owner=maria,
    )
    activation = objective_create(
        workspace=acme,
        actor=maria,
        product=product,
        parent=company,
        title="New teams see their first insight on day one",
        period="2026 H2",
        starts_on=this_month - timedelta(days=60),
        ends_on=this_month + timedelta(days=120),
        owner=maria,
    )
    revenue = objective_create(
        workspace=acme,
        actor=maria,
        product=product,
        parent=company,
        title="Grow revenue per account",
        period="2026 H2",
        starts_on=this_month - timedelta(days=60),
        ends_on=this_month + timedelta(days=120),
        owner=li,
    )
    for objective, title, start, target, current, unit in (
        (company, "Paying teams", 1200, 2000, 1610, "teams"),
        (company, "Net revenue retention", 98, 110, 101, "%"),
        (activation, "Teams with a dashboard in 24 h", 35, 60, 52, "%"),
        (activation, "Time to first chart", 30, 10, 18, "min"),
        (revenue, "Average revenue per account", 220, 300, 228, "€"),
    ):
        key_result_create(
            objective=objective,
            actor=maria,
            title=title,
            start_value=start,
            target_value=target,
            current_value=current,
            unit=unit,
            direction="increase" if target > start else "decrease",
        )
    health_update_post(subject=revenue, actor=maria, health="at_risk", note="Pricing slips")
    initiatives = {}
    for title, horizon, status, theme, start, days, confidence in (
        ("Onboarding checklist", "now", "in_progress", "Activation", -20, 45, 80),
        ("Team invites", "now", "in_progress", "Activation", 5, 40, 70),
        ("Usage-based billing", "next", "planned", "Monetisation", None, 24, 60),
        ("Single sign-on", "next", "planned", "Platform", 45, 50, 65),
        ("Annual plans", "next", "proposed", "Monetisation", 70, 30, 50),
        ("Data warehouse sync", "later", "proposed", "Platform", 110, 60, 30),
        ("Mobile dashboards", "later", "proposed", None, None, None, None),
    ):
        if start is None and days is not None:  # starts on the first of next month
            starts_on = next_month
        else:
            starts_on = today + timedelta(days=start) if start is not None else None
        initiatives[title] = initiative_create(
            product=product,
            actor=maria,
            title=title,
            horizon=horizon,
            status=status,
            theme=themes[theme] if theme else None,
            starts_on=starts_on,
            ends_on=starts_on + timedelta(days=days) if starts_on else None,
            confidence=confidence,
            owner=maria if horizon == "now" else None,
        )
    for waiting, awaited in (
        ("Team invites", "Onboarding checklist"),
        ("Annual plans", "Usage-based billing"),
        ("Data warehouse sync", "Single sign-on"),
    ):
        initiative_depend(
            initiative=initiatives[waiting], actor=maria, depends_on=initiatives[awaited]
        )
    initiative_set_objectives(
        initiative=initiatives["Onboarding checklist"], actor=maria, objectives=[activation]
    )
    initiative_set_objectives(
        initiative=initiatives["Usage-based billing"], actor=maria, objectives=[revenue]
    )
    health_update_post(
        subject=initiatives["Team invites"], actor=maria, health="at_risk", note="Email vendor"
    )
    health_update_post(
        subject=initiatives["Onboarding checklist"], actor=maria, health="on_track", note="Fine"
    )
    beta = release_create(
        product=product, actor=maria, name="2.4 beta", target_date=today + timedelta(days=25)
    )
    release_set_initiatives(release=beta, actor=maria, initiatives=[initiatives["Team invites"]])
    release_create(
        product=product,
        actor=maria,
        name="Billing launch",
        target_date=next_month + timedelta(days=40),
        is_milestone=True,
    )
    return Plan(product=product, initiatives=initiatives)


def column_titles(page, horizon: str) -> list[str]:
    return [
        text.strip()
        for text in page.get_by_test_id(f"column-{horizon}")
        .get_by_test_id("card-title")
        .all_inner_texts()
    ]


def saved_order(plan: Plan, horizon: str) -> list[str]:
    return list(
        Initiative.objects.filter(product=plan.product, horizon=horizon)
        .order_by("rank")
        .values_list("title", flat=True)
    )


def drag(page, handle, x1: float, y1: float) -> None:
    """Press ``handle``, move like a hand to (x1, y1) and drop, waiting for the move's POST."""
    box = handle.bounding_box()
    x0, y0 = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x0, y0)
    page.mouse.down()
    for step in range(1, 26):  # SortableJS follows the pointer: move as a hand would
        page.mouse.move(x0 + (x1 - x0) * step / 25, y0 + (y1 - y0) * step / 25)
        page.wait_for_timeout(20)
    page.wait_for_timeout(150)
    with page.expect_response(lambda r: r.request.method == "POST" and "/move/" in r.url) as saved:
        page.mouse.up()
    assert saved.value.ok


def test_an_initiative_dragged_from_next_to_now_and_reordered_keeps_its_place(
    page, plan, log_in, screenshot_dir
):
    log_in(page, "maria")
    page.goto(f"/products/{plan.product.slug}/")
    page.get_by_role("main").get_by_role("link", name="Roadmap").click()
    expect(page.get_by_test_id("column-now")).to_be_visible()
    assert column_titles(page, "now") == ["Onboarding checklist", "Team invites"]
    assert column_titles(page, "next")[0] == "Usage-based billing"

    # Drag "Usage-based billing" from Next onto Now's second card: it joins Now above it.
    card = page.get_by_test_id("column-next").get_by_test_id("initiative-card").first
    target = page.get_by_test_id("column-now").get_by_test_id("initiative-card").nth(1)
    box = target.bounding_box()
    drag(
        page,
        card.locator("[data-drag-handle]"),
        box["x"] + box["width"] / 2,
        box["y"] + box["height"] * 0.3,
    )
    expect(page.get_by_test_id("column-now").get_by_test_id("initiative-card")).to_have_count(3)
    moved = ["Onboarding checklist", "Usage-based billing", "Team invites"]
    assert column_titles(page, "now") == moved  # the server's redrawn board
    assert saved_order(plan, "now") == moved
    assert "Usage-based billing" not in saved_order(plan, "next")

    # Within Now: drag it onto the top half of the first card, to the top.
    card = page.get_by_test_id("column-now").get_by_test_id("initiative-card").nth(1)
    first = page.get_by_test_id("column-now").get_by_test_id("initiative-card").first
    box = first.bounding_box()
    drag(
        page,
        card.locator("[data-drag-handle]"),
        box["x"] + box["width"] / 2,
        box["y"] + box["height"] * 0.2,
    )
    expected = ["Usage-based billing", "Onboarding checklist", "Team invites"]
    expect(page.get_by_test_id("column-now").get_by_test_id("card-title").first).to_have_text(
        "Usage-based billing"
    )
    assert saved_order(plan, "now") == expected

    page.reload()
    assert column_titles(page, "now") == expected
    assert column_titles(page, "next") == ["Single sign-on", "Annual plans"]

    # Without a mouse: the move buttons, and the focus stays on the moved card.
    button = page.get_by_role("button", name="Move Usage-based billing down")
    button.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("column-now").get_by_test_id("card-title").nth(1)).to_have_text(
        "Usage-based billing"
    )
    expect(page.get_by_role("button", name="Move Usage-based billing down")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("column-now").get_by_test_id("card-title").nth(2)).to_have_text(
        "Usage-based billing"
    )
    page.get_by_role("button", name="Move Usage-based billing to next").click()
    expect(page.get_by_test_id("column-next").get_by_test_id("card-title").last).to_have_text(
        "Usage-based billing"
    )
    page.reload()
    assert column_titles(page, "now") == ["Onboarding checklist", "Team invites"]
    assert column_titles(page, "next") == ["Single sign-on", "Annual plans", "Usage-based billing"]
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=screenshot_dir / "roadmap-board.png", full_page=True)


def test_a_viewer_sees_the_board_without_handles_or_buttons(new_page, plan, log_in):
    page = new_page()
    log_in(page, "li")
    page.goto(f"/products/{plan.product.slug}/roadmap/")
    expect(page.get_by_test_id("initiative-card")).to_have_count(7)
    expect(page.locator("[data-drag-handle]")).to_have_count(0)
    expect(page.locator("[data-move]")).to_have_count(0)
    expect(page.get_by_role("button", name="New initiative")).to_have_count(0)


def test_a_new_initiative_from_the_board_and_the_okr_tree(page, plan, log_in, screenshot_dir):
    log_in(page, "maria")
    page.goto(f"/products/{plan.product.slug}/roadmap/")
    page.get_by_role("button", name="New initiative").click()
    form = page.get_by_test_id("initiative-form")
    form.get_by_label("Title").fill("Usage alerts")
    form.get_by_label("Horizon").select_option("now")
    form.get_by_label("Starts").fill("2027-03-01")
    form.get_by_label("Ends").fill("2027-02-01")
    form.get_by_role("button", name="Add initiative").click()
    expect(page.locator('[data-field-error="ends_on"]')).to_have_text(
        "The initiative must end on or after its start."
    )
    assert not Initiative.objects.filter(title="Usage alerts").exists()
    form = page.get_by_test_id("initiative-form")
    form.get_by_label("Ends").fill("2027-03-31")
    form.get_by_role("button", name="Add initiative").click()
    expect(page.get_by_test_id("column-now").get_by_test_id("card-title").last).to_have_text(
        "Usage alerts"
    )

    page.get_by_role("main").get_by_role("link", name="Objectives").click()
    expect(page.get_by_test_id("okr-tree")).to_be_visible()
    expect(page.get_by_test_id("objective")).to_have_count(3)
    expect(page.get_by_test_id("key-result")).to_have_count(5)
    page.goto("/roadmap/objectives/")
    page.screenshot(path=screenshot_dir / "okr-tree.png", full_page=True)


def test_a_card_dropped_into_an_empty_column_lands_there(page, plan, log_in):
    Initiative.objects.filter(product=plan.product, horizon="later").update(horizon="next")
    log_in(page, "maria")
    page.goto(f"/products/{plan.product.slug}/roadmap/")
    later = page.get_by_test_id("column-later")
    expect(later.get_by_test_id("initiative-card")).to_have_count(0)
    card = page.get_by_test_id("column-now").get_by_test_id("initiative-card").first
    box = later.locator(".board-cards").bounding_box()
    drag(page, card.locator("[data-drag-handle]"), box["x"] + box["width"] / 2, box["y"] + 20)
    expect(later.get_by_test_id("card-title")).to_have_text(["Onboarding checklist"])
    assert saved_order(plan, "later") == ["Onboarding checklist"]
