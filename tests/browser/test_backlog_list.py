"""The backlog list in a real browser: a row dragged by its handle from 10th to 2nd place keeps it
after a reload (SortableJS, the drop saved by an htmx POST to ``item_move``); three rows checked
and moved into a sprint with the bulk bar; the keyboard (j/k, e, Enter, /, ?) edits a row in
place; and the screenshot of a groomed backlog (PMHUB_SCREENSHOT_DIR: docs/screenshots/backlog.png).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from backlog.models import Item, Sprint
from backlog.services.fields import label_create, saved_view_create
from backlog.services.items import item_create, item_update
from backlog.services.sprints import sprint_create, sprint_start
from pmhub import services
from pmhub.capabilities import Role
from pmhub.models import LifecycleStage, Product
from roadmaps.services.initiatives import initiative_create
from roadmaps.services.releases import release_create
from tests.factories import make_member, make_user

pytestmark = pytest.mark.browser

# (kind, title, description, estimate, labels, RICE reach/impact/confidence/effort, status)
ITEMS = [
    (
        "feature",
        "Usage-based billing",
        "Charge teams by tracked events.",
        13,
        ["billing"],
        (4000, 3, 80, 8),
        "ready",
    ),
    (
        "story",
        "As an admin I can invite my team by email",
        "Invitations with roles.",
        5,
        ["onboarding"],
        (2500, 2, 90, 3),
        "in_progress",
    ),
    (
        "bug",
        "CSV export drops rows with commas",
        "Exporting a report loses rows.",
        2,
        ["export", "customer"],
        (900, 2, 100, 1),
        "ready",
    ),
    (
        "story",
        "As a PM I can filter the funnel by plan",
        "Funnel filters.",
        3,
        ["analytics"],
        (1200, 1, 80, 2),
        "new",
    ),
    (
        "tech_debt",
        "Move event ingestion to the new queue",
        "Celery queue split.",
        8,
        ["platform"],
        (5000, 0.5, 50, 5),
        "new",
    ),
    (
        "spike",
        "Spike: warehouse sync with BigQuery",
        "Try the BigQuery API.",
        3,
        ["platform"],
        (300, 1, 50, 2),
        "new",
    ),
    (
        "bug",
        "Dashboard tiles flicker on resize",
        "Seen in Safari.",
        1,
        ["customer"],
        (1500, 0.5, 100, 1),
        "in_review",
    ),
    (
        "feature",
        "Slack digest of KPI changes",
        "Weekly digest to Slack.",
        5,
        ["analytics"],
        (1800, 2, 70, 3),
        "new",
    ),
    ("chore", "Rotate the API signing keys", "Yearly rotation.", 1, ["platform"], None, "new"),
    (
        "story",
        "As a viewer I see the roadmap read-only",
        "Share links.",
        2,
        ["onboarding"],
        (800, 1, 90, 1),
        "new",
    ),
    (
        "feature",
        "SAML single sign-on",
        "Okta and Azure AD.",
        8,
        ["enterprise"],
        (600, 3, 60, 8),
        "new",
    ),
    (
        "bug",
        "Timezone shifts daily totals",
        "Totals move a day for UTC-8.",
        3,
        ["customer"],
        (2000, 2, 80, 2),
        "new",
    ),
    ("story", "As a PM I can compare two releases", "Release diff.", 5, [], None, "new"),
    (
        "tech_debt",
        "Upgrade Chart.js to 4.x",
        "Deprecations.",
        2,
        ["platform"],
        (100, 0.5, 100, 1),
        "new",
    ),
    (
        "feature",
        "Mobile-friendly roadmap",
        "Responsive timeline.",
        8,
        ["onboarding"],
        (1100, 1, 60, 5),
        "new",
    ),
]
LABELS = {
    "billing": "#d97706",
    "onboarding": "#4f46e5",
    "export": "#0891b2",
    "customer": "#dc2626",
    "analytics": "#16a34a",
    "platform": "#64748b",
    "enterprise": "#7c3aed",
}


@dataclass
class Groomed:
    product: Product
    sprint: Sprint
    next_sprint: Sprint

    def url(self) -> str:
        return f"/products/{self.product.slug}/backlog/"

    def ranked(self) -> list[str]:
        return list(
            Item.objects.filter(product=self.product)
            .order_by("rank")
            .values_list("title", flat=True)
        )


@pytest.fixture
def groomed(transactional_db) -> Groomed:
    """Acme (maria owns it, dev contributes, li views) and the groomed backlog of Acme Analytics:
    fifteen items of every type with labels, estimates, RICE inputs, statuses, assignees, an
    initiative, a release, an active and a planned sprint, and a shared saved view."""
    maria = make_user("maria")
    acme = services.workspace_create(name="Acme", owner=maria)
    dev = make_member(acme, Role.CONTRIBUTOR, username="dev")
    make_member(acme, Role.VIEWER, username="li")
    product = services.product_create(
        workspace=acme,
        actor=maria,
        name="Acme Analytics",
        description="Self-serve analytics for growing SaaS teams.",
        stage=LifecycleStage.GROWTH,
    )
    today = date.today()
    labels = {
        name: label_create(product=product, actor=maria, name=name, colour=colour)
        for name, colour in LABELS.items()
    }
    initiative = initiative_create(product=product, actor=maria, title="Self-serve billing")
    release = release_create(
        product=product, actor=maria, name="2.4", target_date=today + timedelta(days=30)
    )
    sprint = sprint_create(
        product=product,
        actor=maria,
        name="Sprint 14",
        starts_on=today - timedelta(days=4),
        ends_on=today + timedelta(days=9),
        capacity=30,
    )
    next_sprint = sprint_create(
        product=product,
        actor=maria,
        name="Sprint 15",
        starts_on=today + timedelta(days=10),
        ends_on=today + timedelta(days=23),
    )
    for n, (kind, title, description, estimate, names, rice, status) in enumerate(ITEMS):
        fields = dict(zip(("reach", "impact", "confidence", "effort"), rice or (), strict=False))
        item = item_create(
            product=product,
            actor=maria,
            kind=kind,
            title=title,
            description=description,
            estimate=estimate,
            labels=[labels[name] for name in names],
            assignee=(maria, dev, None)[n % 3],
            initiative=initiative if "billing" in names else None,
            release=release if n < 4 else None,
            sprint=sprint if n in (1, 2, 6) else None,
            **fields,
        )
        for step in {
            "ready": ["ready"],
            "in_progress": ["in_progress"],
            "in_review": ["in_progress", "in_review"],
        }.get(status, []):
            item_update(item=item, actor=maria, status=step)
    sprint_start(sprint=sprint, actor=maria)
    saved_view_create(
        product=product, actor=maria, name="Customer bugs", query="kind=bug", shared=True
    )
    return Groomed(product=product, sprint=sprint, next_sprint=next_sprint)


def row_titles(page) -> list[str]:
    return page.get_by_test_id("item-title").all_inner_texts()


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


def test_a_row_dragged_from_10th_to_2nd_keeps_its_place(page, groomed, log_in):
    log_in(page, "dev")
    page.goto(groomed.url())
    titles = [title for _kind, title, *_rest in ITEMS]
    expect(page.get_by_test_id("item-title")).to_have_count(15)
    assert row_titles(page) == titles
    rows = page.get_by_test_id("item-row")
    # Rows 2 to 10 in view at once: the hand drags within the window.
    rows.nth(5).evaluate("row => row.scrollIntoView({block: 'center', behavior: 'instant'})")
    target = rows.nth(1).bounding_box()
    drag(
        page,
        rows.nth(9).locator("[data-drag-handle]"),
        target["x"] + 200,
        target["y"] + target["height"] * 0.3,
    )
    expected = [titles[0], titles[9], *titles[1:9], *titles[10:]]
    expect(page.get_by_test_id("item-title").nth(1)).to_have_text(titles[9])
    assert groomed.ranked() == expected
    page.reload()
    assert row_titles(page) == expected
    # Sorted by score the handles are gone, and the page says why.
    page.get_by_label("Sort").select_option("score")
    expect(page.get_by_test_id("rank-off")).to_be_visible()
    expect(page.locator("[data-drag-handle]").first).to_be_hidden()
    assert "sort=score" in page.url


def test_the_top_and_bottom_buttons_rank_a_row_and_keep_the_focus(page, groomed, log_in):
    log_in(page, "dev")
    page.goto(groomed.url())
    titles = [title for _kind, title, *_rest in ITEMS]
    expect(page.get_by_test_id("item-title")).to_have_count(15)
    with page.expect_response(lambda r: r.request.method == "POST" and "/move/" in r.url) as saved:
        page.get_by_label(f"Move {titles[4]} to the top").click()
    assert saved.value.ok
    expect(page.get_by_test_id("item-title").first).to_have_text(titles[4])
    expect(page.get_by_role("alert")).to_contain_text("moved to the top")
    # The keyboard stays on the button it pressed, in the redrawn row.
    expect(page.get_by_label(f"Move {titles[4]} to the top")).to_be_focused()
    with page.expect_response(lambda r: r.request.method == "POST" and "/move/" in r.url):
        page.keyboard.press("Enter")  # again: already first, still first
    expected = [titles[4], *titles[:4], *titles[5:]]
    assert groomed.ranked() == expected
    with page.expect_response(lambda r: r.request.method == "POST" and "/move/" in r.url):
        page.get_by_label(f"Move {titles[0]} to the bottom").click()
    expect(page.get_by_test_id("item-title").last).to_have_text(titles[0])
    assert groomed.ranked() == [*expected[:1], *expected[2:], titles[0]]
    page.reload()
    assert row_titles(page) == groomed.ranked()


def test_the_top_button_works_without_javascript(browser, live_server, groomed, log_in):
    context = browser.new_context(java_script_enabled=False, base_url=live_server.url)
    page = context.new_page()
    try:
        log_in(page, "dev")
        page.goto(groomed.url())
        titles = [title for _kind, title, *_rest in ITEMS]
        with page.expect_navigation():  # a plain form post, answered with a redirect
            page.get_by_label(f"Move {titles[6]} to the top").click()
        assert row_titles(page)[0] == titles[6]
        assert groomed.ranked()[0] == titles[6]
    finally:
        context.close()


def test_three_rows_checked_move_into_a_sprint_with_the_bulk_bar(page, groomed, log_in):
    log_in(page, "dev")
    page.goto(groomed.url())
    picked = ["Usage-based billing", "SAML single sign-on", "Mobile-friendly roadmap"]
    for title in picked:
        page.get_by_label(f"Select {title}", exact=True).check()
    expect(page.get_by_test_id("bulk-bar")).to_contain_text("3 selected")
    page.get_by_label("Sprint for the selected items").select_option(label="Sprint 15")
    with page.expect_response(lambda r: r.request.method == "POST" and "/bulk/" in r.url):
        page.get_by_test_id("bulk-bar").locator("button[value='sprint']").click()
    expect(page.get_by_role("alert")).to_contain_text("3 items sprint set.")
    for title in picked:
        row = page.get_by_test_id("item-row").filter(has_text=title)
        expect(row.get_by_test_id("item-sprint")).to_have_text("Sprint 15")
    page.reload()
    for title in picked:
        row = page.get_by_test_id("item-row").filter(has_text=title)
        expect(row.get_by_test_id("item-sprint")).to_have_text("Sprint 15")
    in_sprint = Item.objects.filter(product=groomed.product, sprint=groomed.next_sprint)
    assert sorted(in_sprint.values_list("title", flat=True)) == sorted(picked)


def test_the_keyboard_edits_the_second_row_and_reaches_the_search(page, groomed, log_in):
    log_in(page, "dev")
    page.goto(groomed.url())
    expect(page.get_by_test_id("item-row")).to_have_count(15)
    page.keyboard.press("j")
    page.keyboard.press("j")
    second = page.get_by_test_id("item-row").nth(1)
    expect(second).to_be_focused()
    expect(second).to_have_class("is-current")
    page.keyboard.press("e")
    editing = page.get_by_test_id("item-edit-row")
    title = editing.get_by_label("Title")
    expect(title).to_be_focused()
    # While typing, shortcuts are text: "j" and "e" land in the field.
    title.fill("")
    page.keyboard.type("Invite the team by email (just email)")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("item-edit-row")).to_have_count(0)
    second = page.get_by_test_id("item-row").nth(1)
    expect(second.get_by_test_id("item-title")).to_have_text(
        "Invite the team by email (just email)"
    )
    expect(second).to_be_focused()
    assert groomed.ranked()[1] == "Invite the team by email (just email)"
    # x selects the focused row; k goes back up.
    page.keyboard.press("x")
    expect(page.get_by_test_id("bulk-bar")).to_contain_text("1 selected")
    page.keyboard.press("k")
    expect(page.get_by_test_id("item-row").first).to_be_focused()
    # / reaches the search; typing there is text, and filters the list.
    page.keyboard.press("/")
    search = page.get_by_role("searchbox", name="Search")
    expect(search).to_be_focused()
    page.keyboard.type("export")
    expect(page.get_by_test_id("item-row")).to_have_count(1)
    expect(page.get_by_test_id("item-title")).to_have_text(["CSV export drops rows with commas"])
    assert "q=export" in page.url
    # ? shows the shortcuts.
    search.blur()
    page.keyboard.press("?")
    expect(page.get_by_test_id("shortcut-help")).to_be_visible()
    expect(page.get_by_test_id("shortcut-help")).to_contain_text("Select or unselect")


def test_escape_cancels_an_inline_edit_and_a_refused_status_is_named(page, groomed, log_in):
    log_in(page, "maria")
    page.goto(groomed.url())
    row = page.get_by_test_id("item-row").filter(has_text="Rotate the API signing keys")
    row.get_by_role("button", name="Edit Rotate the API signing keys").click()
    editing = page.get_by_test_id("item-edit-row")
    expect(editing.get_by_label("Title")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("item-edit-row")).to_have_count(0)
    row.get_by_role("button", name="Edit Rotate the API signing keys").click()
    editing = page.get_by_test_id("item-edit-row")
    editing.get_by_label("Estimate").select_option("2")
    editing.get_by_role("button", name="Save").click()
    expect(row.get_by_test_id("item-estimate")).to_have_text("2")


def test_the_groomed_backlog_screenshot(page, groomed, log_in, screenshot_dir):
    log_in(page, "maria")
    page.goto(groomed.url())
    expect(page.get_by_test_id("item-row")).to_have_count(15)
    page.get_by_label("Select CSV export drops rows with commas").check()
    page.get_by_label("Select Timezone shifts daily totals").check()
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.screenshot(path=screenshot_dir / "backlog.png", full_page=True)


def test_a_viewer_sees_the_list_without_handles_or_forms(new_page, groomed, log_in):
    page = new_page()
    log_in(page, "li")
    page.goto(groomed.url())
    expect(page.get_by_test_id("item-row")).to_have_count(15)
    expect(page.locator("[data-drag-handle]")).to_have_count(0)
    expect(page.get_by_test_id("bulk-bar")).to_have_count(0)
    expect(page.get_by_test_id("quick-add")).to_have_count(0)
    page.keyboard.press("j")
    page.keyboard.press("e")  # nothing to edit for a viewer
    expect(page.get_by_test_id("item-edit-row")).to_have_count(0)
