"""Annotations and the retention heatmap on the KPI dashboard, in a real browser.

An editor adds a note with the htmx form: it is listed under the charts and every time chart draws
it as a dashed line (the Chart.js plugin in static/pmhub/dashboard.js counts what it drew); the
retention cohort table renders as a shaded heatmap. No console error (CSP: no inline script).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser import test_kpi_dashboard
from tests.browser.test_kpi_dashboard import drawn

demo = test_kpi_dashboard.demo  # the fixture: Acme's products with 60 days of demo events

pytestmark = pytest.mark.browser

# How many annotations each chart drew, by its data-chart name.
ANNOTATIONS_DRAWN = """() => {
  const drawn = {};
  for (const canvas of document.querySelectorAll("canvas[data-chart]")) {
    const chart = window.Chart && window.Chart.getChart(canvas);
    if (!chart) return null;
    drawn[canvas.dataset.chart] = chart.$annotationsDrawn || 0;
  }
  return drawn;
}"""


def test_an_annotation_added_on_the_dashboard_is_drawn_on_every_chart(
    page, demo, log_in, screenshot_dir
):
    log_in(page, "maria")
    page.goto(f"/products/{demo.slug}/metrics/")
    drawn(page)
    expect(page.get_by_test_id("annotations-empty")).to_be_visible()
    end = date.fromisoformat(page.get_by_test_id("dashboard-body").get_attribute("data-to"))
    day = end - timedelta(days=20)

    form = page.get_by_test_id("annotation-form")
    form.get_by_label("Day").fill(day.isoformat())
    form.get_by_label("Note").fill("v2.3 shipped")
    form.get_by_label("Link").fill("https://example.com/releases/2.3")
    page.get_by_role("button", name="Add annotation").click()

    note = page.get_by_test_id("annotation")
    expect(note).to_have_count(1)
    expect(note).to_contain_text("v2.3 shipped")
    page.wait_for_function(
        ANNOTATIONS_DRAWN.replace("return drawn;", "return drawn.active === 1 && drawn;")
    )
    charts = page.evaluate(ANNOTATIONS_DRAWN)
    assert charts["active"] == charts["new-users"] == charts["revenue"] == 1
    assert charts["retention"] == 1  # on its cohort week
    page.screenshot(path=screenshot_dir / "dashboard_annotation.png", full_page=True)

    # It is kept: a reload draws it again, and the weekly view places it on its week.
    page.reload()
    page.locator("label", has_text="Week").click()
    page.wait_for_function(
        ANNOTATIONS_DRAWN.replace("return drawn;", "return drawn.active === 1 && drawn;")
    )
    expect(page.get_by_test_id("annotation")).to_contain_text("v2.3 shipped")


def test_the_retention_heatmap_shades_cohorts_by_share(page, demo, log_in, screenshot_dir):
    log_in(page, "maria")
    page.goto(f"/products/{demo.slug}/metrics/")
    heatmap = page.get_by_test_id("retention-heatmap")
    expect(heatmap).to_be_visible()
    rows = heatmap.locator("tbody tr")
    assert 6 <= rows.count() <= 12  # 60 days of data: weekly cohorts, at most twelve
    shares = [
        float(s)
        for s in heatmap.locator("[data-share]").evaluate_all(
            "cells => cells.map((c) => c.dataset.share)"
        )
    ]
    assert shares and all(0 <= s <= 1 for s in shares) and max(shares) == 1.0  # week 0
    # The shade follows the share: a full cell is darker than a low one.
    alphas = heatmap.locator("[data-share]").evaluate_all(
        """cells => cells.map((c) => [Number(c.dataset.share),
            Number((getComputedStyle(c).backgroundColor.match(/[\\d.]+\\)$/) || ["1"])[0]
              .replace(")", ""))])"""
    )
    full = max(alpha for share, alpha in alphas if share == 1.0)
    low = min(alpha for share, alpha in alphas)
    assert full > low
    heatmap.locator("xpath=ancestor::section[1]").screenshot(
        path=screenshot_dir / "retention_heatmap.png"
    )
