"""The event explorer and event sources pages as someone instrumenting a product uses them.

Events are sent over HTTP to the live server exactly as an SDK sends them; the explorer must show
them without a reload. Screenshots go to PMHUB_SCREENSHOT_DIR (``make screenshots``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import requests
from playwright.sync_api import expect

from metrics.services.write_keys import write_key_create
from pmhub import services
from pmhub.capabilities import Role
from pmhub.models import LifecycleStage, Product
from tests.factories import make_member, make_user

pytestmark = pytest.mark.browser


@dataclass
class Instrumented:
    product: Product
    key: str


@pytest.fixture
def instrumented(transactional_db) -> Instrumented:
    """Acme Analytics (maria owns Acme, li views it) with a write key for its web app."""
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
    _, key = write_key_create(product=product, actor=maria, name="web app")
    return Instrumented(product=product, key=key)


def send(live_server, key: str, *messages: dict) -> None:
    """POST /v1/batch with the write key as Basic user name, as Segment's SDKs do."""
    response = requests.post(
        f"{live_server.url}/v1/batch", json={"batch": list(messages)}, auth=(key, ""), timeout=10
    )
    assert response.status_code in (200, 400), response.text


STREAM = [
    {
        "type": "identify",
        "anonymousId": "anon-3f9a",
        "userId": "ada@acme.io",
        "traits": {"plan": "pro", "company": "Acme"},
    },
    {
        "type": "page",
        "userId": "ada@acme.io",
        "name": "Pricing",
        "properties": {"path": "/pricing", "referrer": "https://news.ycombinator.com"},
    },
    {
        "type": "track",
        "userId": "ada@acme.io",
        "event": "Signed Up",
        "properties": {"plan": "pro", "source": "pricing page"},
    },
    {
        "type": "track",
        "anonymousId": "anon-77c1",
        "event": "Viewed Dashboard",
        "properties": {"dashboard": "Revenue", "load_ms": 412},
    },
    {
        "type": "track",
        "userId": "grace@globex.com",
        "event": "Purchased",
        "properties": {"revenue": 49.0, "currency": "USD", "plan": "team", "seats": 5},
    },
    {"type": "screen", "userId": "grace@globex.com", "name": "Settings"},
    {"type": "track", "event": "Exported CSV", "properties": {"rows": 1200}},  # no person: refused
    {
        "type": "track",
        "userId": "linus@initech.dev",
        "event": "Invited Teammate",
        "properties": {"invitee_role": "editor"},
    },
]


def test_events_arrive_live_expand_filter_and_pause_while_filtering(
    page, instrumented, live_server, log_in, screenshot_dir
):
    send(live_server, instrumented.key, *STREAM)
    log_in(page, "maria")
    page.goto(f"/products/{instrumented.product.slug}/")
    page.get_by_role("link", name="Events").click()
    table = page.get_by_test_id("event-table")
    expect(table.locator("tbody > tr:not(.event-detail)")).to_have_count(7)
    expect(page.get_by_test_id("rejections")).to_contain_text("userId or anonymousId")
    expect(page.get_by_test_id("live-badge")).to_contain_text("Live")

    # Expand the purchase: its properties as JSON.
    purchase = table.locator("tr", has_text="Purchased")
    purchase.get_by_role("button").click()
    expect(table.get_by_text('"revenue": 49.0')).to_be_visible()
    page.screenshot(path=screenshot_dir / "events.png", full_page=True)
    purchase.get_by_role("button").click()
    expect(table.get_by_text('"revenue": 49.0')).to_be_hidden()

    # A new event shows up on its own (htmx polls the table every 3 s), no reload.
    page.evaluate("window.__sameDocument = true")
    send(
        live_server,
        instrumented.key,
        {
            "type": "track",
            "userId": "ada@acme.io",
            "event": "Upgraded Plan",
            "properties": {"to": "team"},
        },
    )
    expect(table.locator("tbody > tr").first).to_contain_text("Upgraded Plan", timeout=10_000)

    # Filtering by type narrows the table in place and keeps the URL shareable.
    page.get_by_label("Type").select_option("identify")
    expect(
        page.get_by_test_id("event-table").locator("tbody > tr:not(.event-detail)")
    ).to_have_count(1)
    expect(page).to_have_url(
        f"{live_server.url}/products/{instrumented.product.slug}/events/"
        "?event=&type=identify&person="
    )

    # While the person filter has focus, the table holds still; it catches up afterwards.
    page.get_by_label("Type").select_option("")
    expect(
        page.get_by_test_id("event-table").locator("tbody > tr:not(.event-detail)")
    ).to_have_count(8)
    page.get_by_label("Person").focus()
    send(
        live_server,
        instrumented.key,
        {"type": "track", "userId": "ada@acme.io", "event": "Held Back"},
    )
    page.wait_for_timeout(4_000)
    expect(page.get_by_test_id("event-table")).not_to_contain_text("Held Back")
    expect(page.get_by_test_id("live-badge")).to_contain_text("Paused")
    page.get_by_label("Person").blur()
    expect(page.get_by_test_id("event-table")).to_contain_text("Held Back", timeout=10_000)
    assert page.evaluate("window.__sameDocument") is True


def test_a_new_write_key_is_shown_once_with_snippets_that_work(
    page, instrumented, live_server, log_in, screenshot_dir
):
    log_in(page, "maria")
    page.goto(f"/products/{instrumented.product.slug}/")
    page.get_by_role("link", name="Event sources").click()
    page.get_by_label("Name").fill("backend")
    page.get_by_role("button", name="Create write key").click()
    key = page.get_by_label("New write key").input_value()
    assert key.startswith("wk_")
    expect(page.get_by_test_id("snippets")).to_contain_text(f'analytics.write_key = "{key}"')
    expect(page.get_by_test_id("snippets")).to_contain_text(f'analytics.host = "{live_server.url}"')
    page.screenshot(path=screenshot_dir / "event_sources.png", full_page=True)
    page.get_by_role("tab", name="PostHog").click()
    expect(page.get_by_test_id("snippets")).to_contain_text(f'host="{live_server.url}"')

    send(live_server, key, {"type": "track", "userId": "u1", "event": "From Backend"})
    page.get_by_role("link", name="Events", exact=True).last.click()
    expect(page.get_by_test_id("event-table")).to_contain_text("From Backend")


def test_a_viewer_reads_events_but_sees_no_event_sources(page, instrumented, live_server, log_in):
    send(live_server, instrumented.key, *STREAM[:3])
    log_in(page, "li")
    page.goto(f"/products/{instrumented.product.slug}/")
    expect(page.get_by_role("link", name="Event sources")).to_have_count(0)
    page.get_by_role("link", name="Events").click()
    expect(page.get_by_test_id("event-table")).to_contain_text("Signed Up")
    expect(page.get_by_role("link", name="Event sources")).to_have_count(0)
