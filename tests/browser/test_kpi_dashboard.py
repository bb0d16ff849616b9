"""The KPI dashboard and the executive overview, in a real browser, on the demo event stream.

``seed_demo_events`` sends a realistic stream through the ingestion path and recomputes; the
dashboard must draw its tiles and Chart.js charts from it, redraw them when the range or the
interval changes (htmx, no page reload), keep the range in the URL, and raise no console error
(the CSP forbids inline script). Screenshots go to PMHUB_SCREENSHOT_DIR (``make screenshots``).
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from metrics.models import Metric
from pmhub import services
from pmhub.capabilities import Role
from pmhub.models import LifecycleStage, Product
from roadmaps.services.okrs import key_result_create, objective_create
from tests.factories import make_member, make_user

pytestmark = pytest.mark.browser

CHARTS = ("active", "new-users", "revenue", "retention")

# Each chart's number of buckets once Chart.js has drawn all four with data (else null).
DRAWN = """() => {
  const sizes = {};
  for (const name of %s) {
    const canvas = document.querySelector(`canvas[data-chart="${name}"]`);
    const chart = canvas && window.Chart && window.Chart.getChart(canvas);
    if (!chart || !chart.data.datasets.length) return null;
    const points = chart.data.datasets[0].data.filter((v) => v !== null).length;
    if (!points) return null;
    sizes[name] = chart.data.labels.length;
  }
  return sizes;
}""" % list(CHARTS)  # noqa: UP031 - a JS template literal is full of braces


def seed(product: Product, events: int, days: int) -> None:
    call_command(
        "seed_demo_events",
        "--events",
        str(events),
        "--days",
        str(days),
        "--product",
        f"{product.workspace.slug}/{product.slug}",
        stdout=io.StringIO(),
    )


@pytest.fixture
def demo(transactional_db) -> Product:
    """Acme (maria owns it, li views it) with two products that sent 60 days of events."""
    maria = make_user("maria")
    acme = services.workspace_create(name="Acme", owner=maria)
    make_member(acme, Role.VIEWER, username="li")
    product = services.product_create(
        workspace=acme,
        actor=maria,
        name="Acme Analytics",
        description="Self-serve analytics for growing SaaS teams.",
        stage=LifecycleStage.GROWTH,
    )
    mobile = services.product_create(
        workspace=acme,
        actor=maria,
        name="Acme Mobile",
        description="The companion app.",
        stage=LifecycleStage.INTRODUCTION,
    )
    services.product_create(workspace=acme, actor=maria, name="Acme Labs", description="New.")
    seed(product, 4000, 60)
    seed(mobile, 1500, 45)
    # Monthly actives measure a key result of the company's objective.
    objective = objective_create(
        workspace=acme,
        actor=maria,
        title="Become the daily habit of growing teams",
        starts_on=date(2026, 10, 1),
        ends_on=date(2026, 12, 31),
    )
    key_result_create(
        objective=objective,
        actor=maria,
        title="Reach 400 monthly active users",
        start_value=100,
        target_value=400,
        metric=Metric.objects.get(product=product, key="mau"),
    )
    return product


def drawn(page) -> dict[str, int]:
    page.wait_for_function(DRAWN)
    return page.evaluate(DRAWN)


def test_dashboard_draws_tiles_and_charts_and_redraws_them_for_a_range_and_interval(
    page, demo, live_server, log_in, screenshot_dir
):
    log_in(page, "maria")
    page.goto(f"/products/{demo.slug}/")
    page.get_by_role("link", name="Metrics", exact=True).last.click()
    expect(page.get_by_role("heading", name="KPI dashboard")).to_be_visible()
    tiles = page.get_by_test_id("kpi-tile")
    expect(tiles).to_have_count(8)
    for key in ("dau", "wau", "mau", "new_users", "stickiness", "retention_w1", "revenue", "arpu"):
        value = page.locator(f'[data-kpi="{key}"] [data-testid="kpi-value"]').inner_text()
        assert value.strip() not in ("", "—"), key
    expect(page.locator('[data-kpi="stickiness"] [data-testid="kpi-value"]')).to_contain_text("%")
    expect(page.get_by_test_id("computed-at")).to_contain_text("Computed")
    daily = drawn(page)
    assert 55 <= daily["active"] <= 62  # the 60 days of data (the default range is 90 days)
    assert daily["retention"] >= 8  # weekly cohorts
    page.evaluate("window.__sameDocument = true")
    page.screenshot(path=screenshot_dir / "dashboard.png", full_page=True)

    # A quick range: 30 days; the charts redraw in place and the URL keeps the range.
    page.get_by_role("button", name="30 days").click()
    page.wait_for_function(DRAWN.replace("return sizes;", "return sizes.active === 30 && sizes;"))
    expect(page).to_have_url(re.compile(rf"/products/{demo.slug}/metrics/\?.*days=30"))
    expect(page.get_by_role("button", name="30 days")).to_have_attribute("aria-pressed", "true")

    # Weekly buckets: fewer, wider points, tiles named by week.
    page.locator("label", has_text="Week").click()
    page.wait_for_function(DRAWN.replace("return sizes;", "return sizes.active < 7 && sizes;"))
    weekly = drawn(page)
    assert weekly["active"] in (5, 6) and weekly["new-users"] == weekly["active"]
    expect(page.locator('[data-kpi="dau"] [data-testid="kpi-when"]')).to_contain_text("Week of")
    assert "interval=week" in page.url
    assert page.evaluate("window.__sameDocument") is True  # no full page load so far

    # The date inputs: two weeks up to the same end redraw again (two or three weekly buckets).
    end = date.fromisoformat(page.get_by_label("To", exact=True).input_value())
    page.get_by_label("From", exact=True).fill((end - timedelta(days=13)).isoformat())
    page.wait_for_function(DRAWN.replace("return sizes;", "return sizes.active <= 3 && sizes;"))
    assert f"from={end - timedelta(days=13)}" in page.url

    # A reload keeps what the URL says.
    shown = drawn(page)
    page.reload()
    assert drawn(page) == shown
    expect(page.get_by_label("Week", exact=True)).to_be_checked()


def test_a_kpi_tile_links_the_key_result_it_measures(page, demo, log_in):
    log_in(page, "maria")
    page.goto(f"/products/{demo.slug}/metrics/")
    tile = page.locator('[data-kpi="mau"]')
    link = tile.get_by_role("link", name="Reach 400 monthly active users")
    expect(link).to_have_attribute(
        "title", "Key result of “Become the daily habit of growing teams”"
    )
    expect(page.locator('[data-kpi="dau"]').get_by_test_id("kpi-links")).to_have_count(0)
    link.click()
    expect(page).to_have_url(re.compile(r"/roadmap/objectives/#key-result-\d+$"))
    expect(page.locator(page.url[page.url.index("#") :])).to_contain_text(
        "Reach 400 monthly active users"
    )


def test_overview_shows_each_products_headline_kpis(page, demo, log_in, screenshot_dir):
    log_in(page, "maria")
    page.get_by_role("link", name="Metrics", exact=True).first.click()
    expect(page.get_by_role("heading", name="Metrics", exact=True)).to_be_visible()
    products = page.get_by_test_id("overview-product")
    expect(products).to_have_count(3)
    expect(products.filter(has_text="Acme Analytics").get_by_test_id("kpi-tile")).to_have_count(4)
    expect(products.filter(has_text="Acme Mobile").get_by_test_id("kpi-tile")).to_have_count(4)
    expect(products.filter(has_text="Acme Labs")).to_contain_text("No metrics yet")
    page.screenshot(path=screenshot_dir / "metrics_overview.png", full_page=True)
    products.filter(has_text="Acme Mobile").locator('[data-kpi="mau"] a').click()
    expect(page).to_have_url(re.compile(r"/products/acme-mobile/metrics/$"))
    drawn(page)


def test_recompute_is_offered_to_planners_only(page, new_page, demo, log_in):
    log_in(page, "maria")
    page.goto(f"/products/{demo.slug}/metrics/?interval=week")
    page.get_by_role("button", name="Recompute").click()
    expect(page.get_by_role("alert")).to_contain_text("Recompute started")
    assert page.url.endswith("/metrics/?interval=week")
    drawn(page)

    viewer = new_page()
    log_in(viewer, "li")
    viewer.goto(f"/products/{demo.slug}/metrics/")
    drawn(viewer)
    expect(viewer.get_by_role("button", name="Recompute")).to_have_count(0)
