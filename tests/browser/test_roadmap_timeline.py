"""The timeline in a real browser (roadmaps issue, acceptance 1): a planner drags a bar by one
month and its dates move by that month (in the database and after a reload), drags its end to
lengthen it, and moves it from the keyboard; dependencies are drawn as arrows and releases as
markers. Screenshot (PMHUB_SCREENSHOT_DIR): docs/screenshots/roadmap-timeline.png.
"""

from __future__ import annotations

import calendar
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from roadmaps.models import Initiative
from tests.browser import test_roadmap_board

pytestmark = pytest.mark.browser

plan = test_roadmap_board.plan  # the fixture: Acme Analytics' roadmap around today


def bar(page, title: str):
    return page.locator(f'[data-testid="timeline-bar"][data-title="{title}"]')


def dates(title: str):
    initiative = Initiative.objects.get(title=title)
    return initiative.starts_on, initiative.ends_on


def pointer_drag(page, handle, dx: float, *, at: float = 0.5) -> None:
    """Press ``handle`` (at ``at`` of its width), move it ``dx`` pixels right and release,
    waiting for the POST of the new dates."""
    box = handle.bounding_box()
    x0, y0 = box["x"] + box["width"] * at, box["y"] + box["height"] / 2
    page.mouse.move(x0, y0)
    page.mouse.down()
    for step in range(1, 21):
        page.mouse.move(x0 + dx * step / 20, y0)
        page.wait_for_timeout(15)
    with page.expect_response(lambda r: r.request.method == "POST" and "/dates/" in r.url) as saved:
        page.mouse.up()
    assert saved.value.ok, saved.value.text()


def test_a_bar_dragged_by_a_month_moves_its_dates_by_that_month(page, plan, log_in, screenshot_dir):
    log_in(page, "maria")
    page.goto(f"/products/{plan.product.slug}/roadmap/")
    page.get_by_role("link", name="Timeline").click()
    expect(page.get_by_test_id("timeline-bar")).to_have_count(6)  # one initiative is undated
    expect(page.get_by_test_id("timeline-release")).to_have_count(2)
    assert page.locator('[data-testid="timeline-links"] line').count() == 3
    page.screenshot(path=screenshot_dir / "roadmap-timeline.png", full_page=True)

    # "Usage-based billing" starts on the first of next month: drag it by that month's column.
    starts, ends = dates("Usage-based billing")
    assert starts.day == 1
    month = starts.strftime("%b %Y")
    column = page.locator(".timeline-header .timeline-column-label", has_text=month)
    width = column.bounding_box()["width"]
    pointer_drag(page, bar(page, "Usage-based billing"), width)
    days = calendar.monthrange(starts.year, starts.month)[1]
    moved = (starts + timedelta(days=days), ends + timedelta(days=days))
    assert moved[0].day == 1 and moved[0].month != starts.month  # the first of the next month
    assert dates("Usage-based billing") == moved
    expect(bar(page, "Usage-based billing")).to_have_attribute("data-starts", moved[0].isoformat())
    page.reload()
    expect(bar(page, "Usage-based billing")).to_have_attribute("data-starts", moved[0].isoformat())
    expect(bar(page, "Usage-based billing")).to_have_attribute("data-ends", moved[1].isoformat())

    # Its right end, a week's worth of pixels further: it ends a week later, starting the same.
    per_day = width / days
    pointer_drag(page, bar(page, "Usage-based billing").locator("[data-resize]"), per_day * 7)
    assert dates("Usage-based billing") == (moved[0], moved[1] + timedelta(days=7))

    # From the keyboard: two days later, then its end one day earlier (saved once keys rest).
    target = bar(page, "Single sign-on")
    before = dates("Single sign-on")
    target.focus()
    with page.expect_response(lambda r: r.request.method == "POST" and "/dates/" in r.url):
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("Shift+ArrowLeft")
    assert dates("Single sign-on") == (
        before[0] + timedelta(days=2),
        before[1] + timedelta(days=1),
    )
    expect(bar(page, "Single sign-on")).to_be_focused()  # kept on the redrawn bar
    expect(bar(page, "Single sign-on")).to_have_attribute(
        "data-starts", (before[0] + timedelta(days=2)).isoformat()
    )


def test_an_end_dragged_before_the_start_leaves_a_one_day_bar(page, plan, log_in):
    log_in(page, "maria")
    page.goto(f"/products/{plan.product.slug}/roadmap/timeline/")
    starts = dates("Team invites")[0]
    handle = bar(page, "Team invites").locator("[data-resize]")
    width = bar(page, "Team invites").bounding_box()["width"]
    with page.expect_response(lambda r: "/dates/" in r.url) as answer:
        box = handle.bounding_box()
        page.mouse.move(box["x"] + 2, box["y"] + 5)
        page.mouse.down()
        page.mouse.move(box["x"] - width * 1.5, box["y"] + 5, steps=10)
        page.mouse.up()
    assert answer.value.ok
    assert dates("Team invites") == (starts, starts)


def test_grouping_by_objective_and_zooming_out(page, plan, log_in):
    log_in(page, "maria")
    page.goto(f"/products/{plan.product.slug}/roadmap/timeline/")
    page.get_by_role("link", name="By objective").click()
    expect(page.get_by_test_id("timeline-group").first).to_contain_text("Grow revenue per account")
    expect(page.get_by_test_id("timeline-group").nth(1)).to_contain_text(
        "New teams see their first insight on day one"
    )
    page.get_by_role("link", name="Years").click()
    expect(page.locator(".timeline-header .timeline-column-label")).to_have_count(3)
    expect(page.get_by_test_id("timeline-bar")).to_have_count(6)
