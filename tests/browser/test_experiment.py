"""An A/B test's page as a PM reads and decides it, in a real browser.

Exposures and conversions are sent over HTTP to the live server as an SDK sends them; the page
must draw the lift chart (Chart.js, data from json_script: the CSP forbids inline script), show the
sample-size progress, and record the decision with htmx, without a reload. The screenshot goes to
PMHUB_SCREENSHOT_DIR (``make screenshots``).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from metrics.services.experiments import experiment_create, experiment_update
from tests.browser.test_event_explorer import Instrumented, instrumented, send  # noqa: F401

pytestmark = pytest.mark.browser

# Users exposed and, of them, converted per variant: "one-page" is clearly better.
SPLIT = {"control": (400, 48), "one-page": (410, 70), "express": (395, 51)}

# The lift chart once Chart.js has drawn it: its variants and their point estimates (else null).
DRAWN = """() => {
  const canvas = document.querySelector('canvas[data-chart="lift"]');
  const chart = canvas && window.Chart && window.Chart.getChart(canvas);
  if (!chart) return null;
  return {labels: chart.data.labels, points: chart.data.datasets[1].data.map((p) => p.x)};
}"""


def _messages() -> list[dict]:
    messages = []
    for variant, (users, conversions) in SPLIT.items():
        for i in range(users):
            person = f"{variant}-{i}@example.com"
            messages.append(
                {
                    "type": "track",
                    "userId": person,
                    "event": "Checkout Viewed",
                    "properties": {"variant": variant},
                    "timestamp": f"2025-03-{1 + i % 10:02d}T10:00:00Z",
                }
            )
            if i < conversions:
                messages.append(
                    {
                        "type": "track",
                        "userId": person,
                        "event": "Order Completed",
                        "properties": {"revenue": 42},
                        "timestamp": f"2025-03-{1 + i % 10:02d}T10:05:00Z",
                    }
                )
    return messages


@pytest.fixture
def stopped(instrumented: Instrumented, live_server):  # noqa: F811 - the imported fixture
    messages = _messages()
    for start in range(0, len(messages), 400):
        send(live_server, instrumented.key, *messages[start : start + 400])
    maria = instrumented.product.workspace.memberships.get(role="owner").user
    experiment = experiment_create(
        product=instrumented.product,
        actor=maria,
        key="one-page-checkout",
        name="One-page checkout",
        hypothesis="Putting shipping and payment on one page lifts checkout conversion.",
        exposure_event="Checkout Viewed",
        conversion_event="Order Completed",
        start=datetime(2025, 3, 1, tzinfo=UTC),
        end=datetime(2025, 3, 15, tzinfo=UTC),
        minimum_detectable_effect=0.25,
        status="running",
    )
    experiment_update(experiment=experiment, actor=maria, status="stopped")
    return experiment


def test_a_pm_reads_the_results_and_records_the_decision(page, stopped, log_in, screenshot_dir):
    log_in(page, "maria")
    page.goto(f"/products/{stopped.product.slug}/metrics/")
    page.get_by_role("link", name="Experiments").click()
    row = page.get_by_test_id("experiment-row").filter(has_text="One-page checkout")
    expect(row).to_contain_text("Better than control")
    row.get_by_role("link", name="One-page checkout").click()

    expect(page.get_by_role("heading", name="One-page checkout")).to_be_visible()
    expect(page.get_by_test_id("experiment-status")).to_have_text("Stopped")
    expect(page.get_by_test_id("variant-row")).to_have_count(3)
    one_page = page.locator('[data-variant="one-page"]')
    expect(one_page.get_by_test_id("variant-users")).to_have_text("410")
    expect(one_page.get_by_test_id("variant-rate")).to_have_text("17.1%")
    expect(one_page).to_contain_text("Better than control")
    expect(page.get_by_test_id("experiment-verdict")).to_contain_text("one-page")
    page.wait_for_function(f"({DRAWN})() !== null")
    drawn = page.evaluate(DRAWN)
    assert drawn["labels"] == ["express", "one-page"]
    assert drawn["points"][1] == pytest.approx(100 * (70 / 410 - 48 / 400))
    expect(page.get_by_test_id("sample-size")).to_contain_text("each variant needs")
    expect(page.get_by_role("progressbar")).to_be_visible()
    page.evaluate("window.__sameDocument = true")
    page.screenshot(path=screenshot_dir / "experiment.png", full_page=True)

    # The decision, through htmx: the card, the status and the actions change in place.
    decision = page.get_by_label("What was decided")
    decision.fill("Ship the one-page checkout to everyone; drop express.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_test_id("decision-text")).to_contain_text("Ship the one-page checkout")
    expect(page.get_by_test_id("decision")).to_contain_text("Decided by maria")
    expect(page.get_by_test_id("experiment-status")).to_have_text("Decided")
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)
    assert page.evaluate("window.__sameDocument") is True
    page.reload()
    expect(page.get_by_test_id("decision-text")).to_contain_text("drop express")
