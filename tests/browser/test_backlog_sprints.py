"""Sprint planning and the burndown in a real browser.

A developer plans the next sprint by dragging two items from the backlog list into the sprint
(SortableJS, each drop saved by an htmx POST through ``item_update``): they are in the sprint in
the database and after a reload, and the committed points shown follow each drop until the bar
says the sprint is over capacity; the buttons do the same without a mouse. The active sprint's
page draws its burndown (read back from the Chart.js instance, not from pixels): remaining points
per day from eight days of history, and the ideal line. Screenshot (PMHUB_SCREENSHOT_DIR):
docs/screenshots/burndown.png.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from backlog.models import Item, ItemHistory, Sprint
from backlog.services.items import item_create, item_update
from backlog.services.sprints import sprint_close, sprint_create, sprint_start, sprint_update
from pmhub import services
from pmhub.capabilities import Role
from pmhub.models import LifecycleStage, Product
from tests.factories import make_member, make_user

pytestmark = pytest.mark.browser

VELOCITY = "window.Chart.getChart(document.querySelector('canvas[data-chart=\"velocity\"]'))"
CHART = "window.Chart.getChart(document.querySelector('canvas[data-chart=\"burndown\"]'))"

# The active sprint's items: title, kind, estimate.
SPRINT_ITEMS = [
    ("Invite teammates by email", "story", 5),
    ("Slack alerts for KPI drops", "feature", 8),
    ("Fix the timezone of daily digests", "bug", 2),
    ("Saved filters on the events explorer", "story", 3),
    ("Onboarding checklist copy", "chore", 1),
    ("CSV export of any chart", "story", 3),
    ("Pending invitation reminders", "story", 2),
    ("Audit the invite email deliverability", "spike", 3),
]
# What happened on each day of the sprint (day 0 is its first): (title, status) in order; "+" adds
# an item to the sprint mid-way (scope added).
DAYS = {
    1: [("Invite teammates by email", "in_progress"), ("Onboarding checklist copy", "in_progress")],
    2: [
        ("Onboarding checklist copy", "done"),
        ("Fix the timezone of daily digests", "in_progress"),
    ],
    3: [("Fix the timezone of daily digests", "done"), ("+", "Resend expired invitations")],
    4: [
        ("Invite teammates by email", "in_review"),
        ("Saved filters on the events explorer", "in_progress"),
    ],
    5: [("Invite teammates by email", "done")],
    6: [
        ("Saved filters on the events explorer", "done"),
        ("CSV export of any chart", "in_progress"),
    ],
    7: [("Slack alerts for KPI drops", "in_progress")],
}
# Remaining open points at the end of each day 0..7: 27 committed, then the work above (day 3:
# two points done, one added).
REMAINING = [27, 27, 26, 25, 25, 20, 17, 17]
BACKLOG = [
    ("Guided first dashboard", "feature", 8),
    ("Role-based dashboards", "feature", 5),
    ("Dark mode", "story", 3),
    ("Keyboard shortcuts cheat sheet", "chore", 1),
]


@dataclass
class Delivery:
    product: Product
    active: Sprint
    next: Sprint


def _at(day, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _stamp(since: int, moment: datetime) -> int:
    """Date the history rows written after row ``since`` at ``moment``; the new high-water mark."""
    rows = ItemHistory.objects.filter(pk__gt=since)
    rows.update(at=moment)
    return ItemHistory.objects.order_by("-pk").values_list("pk", flat=True).first() or since


def _closed_sprints(product: Product, actor, start) -> None:
    """Sprints 10 and 11, run and closed through the services: 10 committed to 10 points and
    completed 8 (its 2-point leftover carried into 11); 11 committed to 13 and completed 10 (its
    last 3 points dropped)."""
    ten, eleven = (
        sprint_create(
            product=product,
            actor=actor,
            name=f"Sprint {number}",
            starts_on=start - timedelta(days=days),
            ends_on=start - timedelta(days=days - 13),
        )
        for number, days in ((10, 28), (11, 14))
    )
    plan = {
        ten: [("Event explorer", 5, "done"), ("Key rotation", 3, "done"), ("SDK docs", 2, "")],
        eleven: [("Retention chart", 8, "done"), ("NPS survey widget", 3, "wont_do")],
    }
    for sprint, rows in plan.items():
        made = [
            (
                item_create(
                    product=product,
                    actor=actor,
                    title=title,
                    estimate=points,
                    status="ready",
                    sprint=sprint,
                ),
                end,
            )
            for title, points, end in rows
        ]
        if sprint == eleven:
            made += [(Item.objects.get(title="SDK docs"), "done")]
        sprint_start(sprint=sprint, actor=actor)
        for item, end in made:
            steps = {"done": ["in_progress", "done"], "wont_do": ["wont_do"]}.get(end, [])
            for status in steps:
                item_update(item=item, actor=actor, status=status)
        sprint_close(sprint=sprint, actor=actor, move_to=eleven if sprint == ten else None)


@pytest.fixture
def delivery(transactional_db) -> Delivery:
    """Acme Analytics: Sprint 12 active since seven days ago (fourteen days long) with a history
    built through the services and dated day by day, Sprint 13 planned, and a backlog."""
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
    today = timezone.localdate()
    start = today - timedelta(days=7)
    active = sprint_create(
        product=product,
        actor=maria,
        name="Sprint 12",
        goal="New teams invite their colleagues in the first week",
        starts_on=start,
        ends_on=start + timedelta(days=13),
        capacity=30,
    )
    following = sprint_create(
        product=product,
        actor=maria,
        name="Sprint 13",
        goal="Alerts that bring people back",
        starts_on=start + timedelta(days=14),
        ends_on=start + timedelta(days=27),
        capacity=10,
    )
    _closed_sprints(product, maria, start)
    mark = 0
    items = {}
    for title, kind, estimate in SPRINT_ITEMS:
        items[title] = item_create(
            product=product,
            actor=maria,
            title=title,
            kind=kind,
            estimate=estimate,
            status="ready",
            sprint=active,
            assignee=dana,
        )
    for title, kind, estimate in BACKLOG:
        item_create(product=product, actor=maria, title=title, kind=kind, estimate=estimate)
    mark = _stamp(mark, _at(start - timedelta(days=2), 15))  # groomed before the sprint
    sprint_start(sprint=active, actor=maria)
    for offset, events in DAYS.items():
        for title, status in events:
            if title == "+":
                item_create(
                    product=product,
                    actor=dana,
                    title=status,
                    kind="story",
                    estimate=1,
                    status="ready",
                    sprint=active,
                )
                continue
            item_update(item=items[title], actor=dana, status=status)
        mark = _stamp(mark, _at(start + timedelta(days=offset), 16))
    sprint_update(
        sprint=active,
        actor=maria,
        review="Demoed **email invites** to the onboarding squad.",
        went_well="Pairing on the invite flow.",
    )
    Sprint.objects.filter(pk=active.pk).update(started_at=_at(start, 9))  # its first morning
    return Delivery(product=product, active=Sprint.objects.get(pk=active.pk), next=following)


def plan_titles(page, which: str) -> list[str]:
    return [
        t.strip()
        for t in page.get_by_test_id(f"plan-{which}").get_by_test_id("plan-title").all_inner_texts()
    ]


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


def in_sprint(sprint: Sprint) -> list[str]:
    return list(Item.objects.filter(sprint=sprint).order_by("rank").values_list("title", flat=True))


def test_planning_a_sprint_by_dragging_items_from_the_backlog(page, delivery, log_in):
    log_in(page, "dana")
    page.goto(f"/products/{delivery.product.slug}/backlog/sprints/")
    page.get_by_role("link", name="Sprint 13", exact=True).click()
    page.get_by_role("link", name="Plan", exact=True).click()
    expect(page.get_by_test_id("plan-sprint").get_by_text("Nothing planned yet")).to_be_visible()
    assert plan_titles(page, "backlog") == [title for title, _, _ in BACKLOG]
    expect(page.get_by_test_id("committed-points")).to_have_text("0 pts")

    # Into the empty sprint.
    row = page.get_by_test_id("plan-backlog").get_by_test_id("plan-item").nth(1)
    box = page.get_by_test_id("plan-sprint").locator("ol").bounding_box()
    drag(page, row.locator("[data-drag-handle]"), box["x"] + box["width"] / 2, box["y"] + 20)
    expect(page.get_by_test_id("committed-points")).to_have_text("5 pts")
    assert plan_titles(page, "sprint") == ["Role-based dashboards"]

    # Then above it: the sprint now holds 13 points of its 10-point capacity.
    row = page.get_by_test_id("plan-backlog").get_by_test_id("plan-item").first
    first = page.get_by_test_id("plan-sprint").get_by_test_id("plan-item").first
    box = first.bounding_box()
    drag(
        page,
        row.locator("[data-drag-handle]"),
        box["x"] + box["width"] / 2,
        box["y"] + box["height"] * 0.2,
    )
    expect(page.get_by_test_id("committed-points")).to_have_text("13 pts")
    expect(page.get_by_test_id("over-capacity")).to_contain_text("Over capacity by 3 pts")
    expected = ["Guided first dashboard", "Role-based dashboards"]
    assert plan_titles(page, "sprint") == expected
    assert in_sprint(delivery.next) == expected

    page.reload()
    assert plan_titles(page, "sprint") == expected
    assert plan_titles(page, "backlog") == ["Dark mode", "Keyboard shortcuts cheat sheet"]
    expect(page.get_by_test_id("committed-points")).to_have_text("13 pts")

    # Without a mouse: remove one, add another.
    page.get_by_role("button", name="Remove Guided first dashboard from the sprint").click()
    expect(page.get_by_test_id("committed-points")).to_have_text("5 pts")
    expect(page.get_by_test_id("over-capacity")).to_have_count(0)
    # The focus follows the removed item to its button in the backlog list. That happens when htmx
    # settles, after the swap: pressing a key before it would race the move of the focus.
    expect(
        page.get_by_role("button", name="Add Guided first dashboard to the sprint")
    ).to_be_focused()
    button = page.get_by_role("button", name="Add Dark mode to the sprint")
    button.press("Enter")  # focuses this very button, then the key
    expect(page.get_by_test_id("committed-points")).to_have_text("8 pts")
    expect(page.get_by_role("button", name="Remove Dark mode from the sprint")).to_be_focused()
    assert sorted(in_sprint(delivery.next)) == ["Dark mode", "Role-based dashboards"]


def test_the_burndown_of_the_active_sprint_is_drawn_from_its_history(
    page, delivery, log_in, screenshot_dir
):
    log_in(page, "maria")
    page.goto(f"/products/{delivery.product.slug}/backlog/sprints/{delivery.active.pk}/")
    expect(page.get_by_test_id("burndown-summary")).to_contain_text("27 committed points")
    expect(page.get_by_test_id("scope-added")).to_have_text("Scope added after the start: 1 point.")
    page.wait_for_function(f"() => window.Chart && {CHART}")
    chart = page.evaluate(
        f"""() => {{
            const chart = {CHART};
            return {{
                type: chart.config.type,
                labels: chart.data.labels,
                datasets: chart.data.datasets.map((d) => ({{ label: d.label, data: d.data }})),
            }};
        }}"""
    )
    assert chart["type"] == "line"
    assert len(chart["labels"]) == 14
    remaining, ideal = chart["datasets"]
    assert remaining["label"] == "Remaining" and ideal["label"] == "Ideal"
    assert remaining["data"][:8] == REMAINING
    assert remaining["data"][8:] == [None] * 6  # days still to come
    assert ideal["data"][0] == 27 and ideal["data"][-1] == 0
    page.screenshot(path=screenshot_dir / "burndown.png", full_page=True)


def test_the_velocity_of_the_closed_sprints_is_drawn_with_its_average(page, delivery, log_in):
    log_in(page, "maria")
    page.goto(f"/products/{delivery.product.slug}/backlog/sprints/")
    expect(page.get_by_test_id("velocity-summary")).to_contain_text(
        "on average 9 points completed a sprint"
    )
    page.wait_for_function(f"() => window.Chart && {VELOCITY}")
    datasets = page.evaluate(
        f"() => {VELOCITY}.data.datasets.map((d) => ({{ label: d.label, data: d.data }}))"
    )
    assert datasets == [
        {"label": "Committed", "data": [10, 13]},
        {"label": "Completed", "data": [8, 10]},
        {"label": "Average completed (9)", "data": [9, 9]},
    ]
    closed = page.get_by_test_id("sprints-closed")
    expect(closed.get_by_test_id("sprint-row")).to_have_count(2)
    expect(page.get_by_test_id("sprints-active")).to_contain_text("Sprint 12")
