"""A user-arranged dashboard in a real browser: tiles are added with the htmx form, reordered by
dragging their handle (SortableJS), and the order survives a reload; the move buttons do the same
without a mouse. Screenshot: docs/screenshots/dashboard_custom.png (PMHUB_SCREENSHOT_DIR)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from metrics.models import Metric
from metrics.services.dashboards import dashboard_create, dashboard_tile_add
from tests.browser import test_kpi_dashboard

pytestmark = pytest.mark.browser

demo = test_kpi_dashboard.demo  # the fixture: Acme's products with 60 days of demo events

# The tiles' metric names in order once every chart of the page is drawn (else null).
ORDER = """() => {
  const tiles = [...document.querySelectorAll('[data-testid="dashboard-tile"]')];
  for (const canvas of document.querySelectorAll("canvas[data-chart]")) {
    const chart = window.Chart && window.Chart.getChart(canvas);
    if (!chart || !chart.data.datasets.length) return null;
  }
  return tiles.map((tile) => tile.querySelector(".chart-title").textContent.trim());
}"""


def _order(page) -> list[str]:
    page.wait_for_function(ORDER)
    return page.evaluate(ORDER)


def test_a_tile_dragged_to_the_front_stays_there_after_a_reload(page, demo, log_in, screenshot_dir):
    maria = demo.workspace.memberships.get(role="owner").user
    board = dashboard_create(
        workspace=demo.workspace, actor=maria, name="Growth review", product=demo
    )
    for key, kind, width in (("dau", "line", 2), ("mau", "number", 1), ("revenue", "bar", 1)):
        metric = Metric.objects.get(product=demo, key=key)
        dashboard_tile_add(dashboard=board, actor=maria, metric=metric, kind=kind, width=width)

    log_in(page, "maria")
    page.goto(f"/products/{demo.slug}/dashboards/")
    page.get_by_role("link", name="Growth review").click()
    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_test_id("tile-form")).to_be_visible()

    # Add a heatmap of the cohorts with the htmx form, three columns wide.
    form = page.get_by_test_id("tile-form")
    form.get_by_label("Metric").select_option(label="Week-1 retention")
    form.get_by_label("Chart").select_option("heatmap")
    form.get_by_label("Width").select_option("3")
    page.get_by_role("button", name="Add tile").click()
    expect(page.get_by_test_id("dashboard-tile")).to_have_count(4)
    expect(page.get_by_test_id("retention-heatmap")).to_be_visible()
    assert _order(page) == [
        "Daily active users",
        "Monthly active users",
        "Revenue",
        "Week-1 retention",
    ]

    # Drag Revenue's handle onto the first tile.
    handle = page.locator('[data-testid="dashboard-tile"]').nth(2).locator("[data-drag-handle]")
    target = page.locator('[data-testid="dashboard-tile"]').nth(0)
    page.evaluate("window.scrollTo(0, 0)")  # both tiles in view: the mouse works in the viewport
    start, end = handle.bounding_box(), target.bounding_box()
    x0, y0 = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    x1, y1 = end["x"] + end["width"] / 4, end["y"] + end["height"] / 2
    page.mouse.move(x0, y0)
    page.mouse.down()
    for step in range(1, 21):  # SortableJS follows the pointer: move as a hand would
        page.mouse.move(x0 + (x1 - x0) * step / 20, y0 + (y1 - y0) * step / 20)
        page.wait_for_timeout(20)
    # The drop reorders the page at once; the order is saved by the POST it sends: wait for it.
    with page.expect_response(lambda r: r.request.method == "POST" and "move" in r.url) as saved:
        page.mouse.up()
    assert saved.value.ok
    page.wait_for_function(ORDER.replace("return tiles", "return tiles.length && tiles"))
    expect(page.get_by_test_id("dashboard-tile").first).to_contain_text("Revenue")

    page.reload()
    assert _order(page)[0] == "Revenue"

    # Without a mouse: move Daily active users down one place with its button.
    page.get_by_role("button", name="Move Daily active users down").click()
    expect(page.get_by_test_id("dashboard-tile").nth(2)).to_contain_text("Daily active users")

    page.get_by_role("link", name="Done").click()
    expected = ["Revenue", "Monthly active users", "Daily active users", "Week-1 retention"]
    assert _order(page) == expected
    page.screenshot(path=screenshot_dir / "dashboard_custom.png", full_page=True)
