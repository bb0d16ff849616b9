"""The backlog's kanban board in a real browser.

A developer drags a card by its handle from Ready into In progress (SortableJS, the drop saved by
an htmx POST through the workflow): it stays there after a reload. A drop the workflow forbids
(New straight to Done) is refused: the board is redrawn as saved, the card is back in New and the
reason is shown. The "Move" menu does the same from the keyboard. In progress is over its WIP
limit and says so. Screenshot (PMHUB_SCREENSHOT_DIR): docs/screenshots/sprint-board.png.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from backlog.models import Item, Sprint
from backlog.services.fields import label_create
from backlog.services.items import item_create, item_update
from backlog.services.scores import settings_update
from backlog.services.sprints import sprint_create, sprint_start
from pmhub import services
from pmhub.capabilities import Role
from pmhub.models import LifecycleStage, Product
from tests.factories import make_member, make_user

pytestmark = pytest.mark.browser

WIDE = {"width": 1440, "height": 900}

# Title, kind, estimate, status, assignee (None, "dana" or "sam"), labels.
CARDS = [
    ("Invite teammates by email", "story", 3, "in_progress", "dana", ["growth"]),
    ("Slack alerts for KPI drops", "feature", 5, "in_progress", "sam", ["growth"]),
    ("Fix the timezone of daily digests", "bug", 2, "in_progress", "dana", []),
    ("Saved filters on the events explorer", "story", 3, "ready", None, []),
    ("CSV export of any chart", "story", 2, "ready", "sam", []),
    ("Onboarding checklist copy", "chore", 1, "in_review", "dana", []),
    ("Spike: warehouse sync options", "spike", 3, "new", None, ["platform"]),
    ("Guided first dashboard", "feature", 5, "done", "sam", ["growth"]),
    ("Dark mode", "story", 3, "wont_do", None, []),
]
PATHS = {
    "in_progress": ["in_progress"],
    "in_review": ["in_progress", "in_review"],
    "done": ["in_progress", "done"],
    "wont_do": ["wont_do"],
}


@dataclass
class Board:
    product: Product
    sprint: Sprint


@pytest.fixture
def board(transactional_db) -> Board:
    """Acme Analytics' active sprint: cards in every column, In progress over its limit of 2."""
    maria = make_user("maria")
    acme = services.workspace_create(name="Acme", owner=maria)
    people = {
        "dana": make_member(acme, Role.CONTRIBUTOR, username="dana"),
        "sam": make_member(acme, Role.CONTRIBUTOR, username="sam"),
    }
    make_member(acme, Role.VIEWER, username="li")
    product = services.product_create(
        workspace=acme,
        actor=maria,
        name="Acme Analytics",
        description="Self-serve analytics for growing SaaS teams.",
        stage=LifecycleStage.GROWTH,
    )
    labels = {
        name: label_create(product=product, actor=maria, name=name, colour=colour)
        for name, colour in (("growth", "#16a34a"), ("platform", "#0d9488"))
    }
    today = timezone.localdate()
    sprint = sprint_create(
        product=product,
        actor=maria,
        name="Sprint 12",
        goal="New teams invite their colleagues in the first week",
        starts_on=today - timedelta(days=4),
        ends_on=today + timedelta(days=9),
        capacity=25,
    )
    for title, kind, estimate, status, who, names in CARDS:
        item = item_create(
            product=product,
            actor=maria,
            title=title,
            kind=kind,
            estimate=estimate,
            status="ready" if status != "new" else "new",
            sprint=sprint,
            assignee=people.get(who),
            labels=[labels[name] for name in names],
        )
        for step in PATHS.get(status, []):
            item_update(item=item, actor=maria, status=step)
    item_create(product=product, actor=maria, title="Audit log export", estimate=5)
    sprint_start(sprint=sprint, actor=maria)
    settings_update(product=product, actor=maria, wip_limits={"in_progress": 2, "in_review": 3})
    return Board(product=product, sprint=sprint)


def column(page, status: str):
    return page.get_by_test_id(f"column-{status}")


def titles(page, status: str) -> list[str]:
    return [t.strip() for t in column(page, status).get_by_test_id("card-title").all_inner_texts()]


def status_of(title: str) -> str:
    return Item.objects.get(title=title).status


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


def card(page, status: str, title: str):
    return column(page, status).get_by_test_id("board-card").filter(has_text=title)


def test_a_card_dragged_from_ready_to_in_progress_stays_there(new_page, board, log_in):
    page = new_page(WIDE)
    log_in(page, "dana")
    page.goto(f"/products/{board.product.slug}/backlog/board/")
    expect(page.get_by_text("Items of Sprint 12 (active).")).to_be_visible()
    assert titles(page, "ready") == [
        "Saved filters on the events explorer",
        "CSV export of any chart",
    ]
    assert "Audit log export" not in page.content()  # in no sprint

    moving = card(page, "ready", "Saved filters on the events explorer")
    target = column(page, "in_progress").get_by_test_id("board-card").first
    box = target.bounding_box()
    drag(
        page,
        moving.locator("[data-drag-handle]"),
        box["x"] + box["width"] / 2,
        box["y"] + box["height"] * 0.3,
    )
    expect(page.get_by_role("alert")).to_contain_text(
        "“Saved filters on the events explorer” moved from Ready to In progress."
    )
    assert titles(page, "in_progress")[0] == "Saved filters on the events explorer"
    assert status_of("Saved filters on the events explorer") == "in_progress"
    expect(column(page, "in_progress").get_by_test_id("wip")).to_have_text("4 / 2")

    page.reload()
    assert titles(page, "in_progress")[0] == "Saved filters on the events explorer"
    assert titles(page, "ready") == ["CSV export of any chart"]


def test_a_drop_the_workflow_forbids_is_refused_and_the_card_goes_back(new_page, board, log_in):
    page = new_page(WIDE)
    log_in(page, "dana")
    page.goto(f"/products/{board.product.slug}/backlog/board/")
    spike = "Spike: warehouse sync options"
    assert titles(page, "new") == [spike]
    done = column(page, "done").locator(".board-cards")
    box = done.bounding_box()
    drag(
        page,
        card(page, "new", spike).locator("[data-drag-handle]"),
        box["x"] + box["width"] / 2,
        box["y"] + box["height"] - 5,
    )
    expect(page.get_by_role("alert")).to_contain_text(
        "An item cannot go from New to Done; from New it may go to Ready, In progress, Won't do."
    )
    assert titles(page, "new") == [spike]  # the board redrawn as saved
    assert spike not in titles(page, "done")
    assert status_of(spike) == "new"


def test_the_move_menu_moves_a_card_from_the_keyboard(new_page, board, log_in):
    page = new_page(WIDE)
    log_in(page, "dana")
    page.goto(f"/products/{board.product.slug}/backlog/board/")
    title = "Onboarding checklist copy"
    menu = page.get_by_role("button", name=f"Move {title}", exact=True)
    menu.focus()
    page.keyboard.press("Enter")
    option = page.get_by_role("button", name=f"Move {title} to Done")
    expect(option).to_be_visible()
    option.focus()
    page.keyboard.press("Enter")
    expect(card(page, "done", title)).to_have_count(1)
    expect(page.get_by_role("button", name=f"Move {title}", exact=True)).to_be_focused()
    assert status_of(title) == "done"


def test_the_board_with_a_column_over_its_wip_limit(new_page, board, log_in, screenshot_dir):
    page = new_page(WIDE)
    log_in(page, "maria")
    page.goto(f"/products/{board.product.slug}/backlog/board/")
    in_progress = column(page, "in_progress")
    expect(in_progress.get_by_test_id("wip")).to_have_text("3 / 2")
    expect(in_progress.get_by_test_id("wip-exceeded")).to_have_text("Over its WIP limit of 2")
    expect(column(page, "in_review").get_by_test_id("wip")).to_have_text("1 / 3")
    expect(column(page, "in_review").get_by_test_id("wip-exceeded")).to_have_count(0)
    expect(page.get_by_test_id("collapsed-wont_do")).to_be_visible()
    # Filtered by assignee, the cards narrow and the WIP count stays the sprint's.
    page.get_by_label("Assignee").select_option(label="dana")
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(in_progress.get_by_test_id("board-card")).to_have_count(2)
    expect(column(page, "in_progress").get_by_test_id("wip")).to_have_text("3 / 2")
    page.goto(f"/products/{board.product.slug}/backlog/board/")
    page.screenshot(path=screenshot_dir / "sprint-board.png", full_page=True)


def test_a_viewer_sees_the_board_without_handles_or_menus(new_page, board, log_in):
    page = new_page(WIDE)
    log_in(page, "li")
    page.goto(f"/products/{board.product.slug}/backlog/board/")
    expect(page.get_by_test_id("board-card")).to_have_count(9)  # Won't do folded, still there
    expect(page.locator("[data-drag-handle]")).to_have_count(0)
    expect(page.locator("[data-move-menu]")).to_have_count(0)
