"""A roadmap's read-only share link in a real browser: an anonymous visitor sees the board and
the timeline with no edit control (no form, button, drag handle or link into the app); once a
planner revokes the link on its page, the same URL is a 404.
Screenshot: docs/screenshots/share-link.png (PMHUB_SCREENSHOT_DIR)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from roadmaps.services.initiatives import initiative_create
from roadmaps.services.releases import release_create
from roadmaps.services.themes import theme_create
from tests.factories import make_tenant

pytestmark = pytest.mark.browser


def _roadmap():
    acme = make_tenant("Acme")
    today = timezone.localdate()
    growth = theme_create(product=acme.product, actor=acme.owner, name="Growth", colour="#4f46e5")
    platform = theme_create(
        product=acme.product, actor=acme.owner, name="Platform", colour="#0891b2"
    )
    for title, horizon, theme, start, days, status in (
        ("Onboarding revamp", "now", growth, -20, 45, "in_progress"),
        ("Self-serve billing", "now", platform, -5, 60, "in_progress"),
        ("Usage-based pricing", "next", growth, 40, 75, "planned"),
        ("SSO for enterprise", "next", platform, 50, 60, "planned"),
        ("Mobile app", "later", growth, 120, 90, "proposed"),
        ("Public API v2", "later", platform, None, None, "proposed"),
    ):
        dates = {}
        if start is not None:
            dates = {
                "starts_on": today + timedelta(days=start),
                "ends_on": today + timedelta(days=start + days),
            }
        initiative_create(
            product=acme.product,
            actor=acme.owner,
            title=title,
            horizon=horizon,
            theme=theme,
            status=status,
            owner=acme.owner,
            **dates,
        )
    release_create(
        product=acme.product,
        actor=acme.owner,
        name="Spring launch",
        target_date=today + timedelta(days=30),
        is_milestone=True,
    )
    release_create(
        product=acme.product, actor=acme.owner, name="2.0", target_date=today + timedelta(days=95)
    )
    return acme


def test_an_anonymous_visitor_reads_the_shared_roadmap_until_it_is_revoked(
    new_page, live_server, log_in, screenshot_dir, console
):
    acme = _roadmap()
    planner = new_page()
    planner.on("dialog", lambda dialog: dialog.accept())  # the Revoke button asks first
    log_in(planner, acme.owner.username)
    planner.goto(f"/products/{acme.product.slug}/share/")
    planner.get_by_label("Label").fill("Sales team")
    planner.get_by_role("button", name="Create share link").click()
    url = planner.get_by_test_id("new-share-url").locator("input").input_value()
    assert url.startswith(live_server.url + "/share/")

    visitor = new_page()
    response = visitor.goto(url)
    assert response.status == 200
    assert response.headers["x-robots-tag"] == "noindex, nofollow"
    roadmap = visitor.get_by_test_id("shared-roadmap")
    expect(roadmap.get_by_role("heading", name="Acme Product")).to_be_visible()
    columns = visitor.get_by_test_id("shared-column")
    expect(columns).to_have_count(3)
    expect(columns.nth(0)).to_contain_text("Onboarding revamp")
    expect(columns.nth(0)).to_contain_text("Self-serve billing")
    expect(columns.nth(1)).to_contain_text("Usage-based pricing")
    expect(columns.nth(2)).to_contain_text("Public API v2")
    expect(visitor.get_by_test_id("shared-bar")).to_have_count(5)
    expect(visitor.get_by_test_id("shared-release")).to_have_count(2)
    # No edit control of any kind, and no way into the app.
    for selector in (
        "form",
        "button",
        "input",
        "select",
        "textarea",
        "[data-drag-handle]",
        "[draggable]",
        "[contenteditable]",
        "[hx-post]",
        "[hx-get]",
        "a",
    ):
        expect(visitor.locator(selector)).to_have_count(0)
    expect(visitor.get_by_text(acme.owner.username)).to_have_count(0)
    visitor.screenshot(path=screenshot_dir / "share-link.png", full_page=True)

    planner.goto(f"/products/{acme.product.slug}/share/")
    row = planner.get_by_test_id("share-link-row").filter(has_text="Sales team")
    row.get_by_role("button", name="Revoke").click()
    expect(planner.get_by_test_id("share-link-row").filter(has_text="Sales team")).to_contain_text(
        "revoked"
    )

    assert visitor.goto(url).status == 404
    expect(visitor.get_by_text("Onboarding revamp")).to_have_count(0)
    # The browser logs that 404 as a failed load: expected here, unlike any other console error.
    console.errors[:] = [e for e in console.errors if not (url in e and "404" in e)]
