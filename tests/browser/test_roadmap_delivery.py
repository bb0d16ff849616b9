"""The delivery pages of a roadmap in a real browser: a contributor ticks a launch checklist item
in place (htmx) and it stays ticked after a reload; a planner changes a cell of the feature
matrix in place (click → select → saved). Screenshots (PMHUB_SCREENSHOT_DIR):
docs/screenshots/release.png, competitors.png and snapshot-diff.png."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from pmhub.capabilities import Role
from roadmaps.models import FeatureSupport, Initiative
from roadmaps.services.competitors import competitor_create, feature_create, feature_support_set
from roadmaps.services.initiatives import initiative_create, initiative_move, initiative_update
from roadmaps.services.releases import (
    checklist_item_create,
    checklist_item_set_done,
    release_create,
    release_set_initiatives,
)
from roadmaps.services.snapshots import snapshot_take
from tests.factories import make_member, make_tenant

pytestmark = pytest.mark.browser

SETTLED = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"


def _release(acme, contributor):
    today = timezone.localdate()
    onboarding = initiative_create(
        product=acme.product, actor=acme.owner, title="Onboarding revamp", horizon="now"
    )
    release = release_create(
        product=acme.product,
        actor=acme.owner,
        name="Spring launch",
        target_date=today + timedelta(days=10),
        notes="## What's new\n\n- A **guided** first project\n- Templates for common plans",
    )
    release_set_initiatives(release=release, actor=acme.owner, initiatives=[onboarding])
    for title, owner, due, done in (
        ("Release notes written", acme.owner, -6, True),
        ("Support team briefed", contributor, -2, False),
        ("Sales deck refreshed", acme.owner, -1, False),
        ("Pricing page updated", contributor, 3, False),
        ("Launch email scheduled", acme.owner, 8, False),
    ):
        item = checklist_item_create(
            release=release,
            actor=acme.owner,
            title=title,
            owner=owner,
            due_on=today + timedelta(days=due),
        )
        if done:
            checklist_item_set_done(item=item, actor=acme.owner, done=True)
    return release


def test_a_contributor_ticks_a_checklist_item_in_place(new_page, log_in, screenshot_dir):
    acme = make_tenant("Acme")
    contributor = make_member(acme.workspace, Role.CONTRIBUTOR, username="dev-dana")
    release = _release(acme, contributor)
    page = new_page()
    log_in(page, contributor.username)
    page.goto(f"/products/{acme.product.slug}/releases/")
    expect(page.get_by_test_id("release-progress")).to_have_text("1/5 done")
    expect(page.get_by_test_id("release-overdue")).to_contain_text("2 overdue items")
    page.get_by_role("link", name="Spring launch").click()

    progress = page.get_by_test_id("checklist-progress")
    expect(progress).to_contain_text("1/5 done")
    briefed = page.get_by_test_id("checklist-item").filter(has_text="Support team briefed")
    expect(briefed).to_have_class("checklist-item is-overdue")
    with page.expect_response(lambda r: r.request.method == "POST" and "/done/" in r.url) as done:
        briefed.get_by_role("checkbox").check()
    assert done.value.ok
    expect(progress).to_contain_text("2/5 done")
    expect(briefed).to_have_class("checklist-item is-done")
    assert release.checklist.get(title="Support team briefed").done

    page.reload()
    expect(page.get_by_test_id("checklist-progress")).to_contain_text("2/5 done")
    expect(
        page.get_by_test_id("checklist-item")
        .filter(has_text="Support team briefed")
        .get_by_role("checkbox")
    ).to_be_checked()
    # A contributor ticks, but neither ships nor adds items.
    expect(page.get_by_role("button", name="Ship")).to_have_count(0)
    expect(page.get_by_test_id("checklist-form")).to_have_count(0)

    planner = new_page()
    log_in(planner, acme.owner.username)
    planner.goto(f"/products/{acme.product.slug}/releases/{release.pk}/")
    expect(planner.get_by_role("button", name="Ship")).to_be_visible()
    planner.screenshot(path=screenshot_dir / "release.png", full_page=True)


def test_a_planner_edits_a_matrix_cell_in_place(new_page, log_in, screenshot_dir):
    acme = make_tenant("Acme")
    rivals = [
        competitor_create(
            product=acme.product,
            actor=acme.owner,
            name=name,
            website=f"https://{name.lower().strip('!')}.example",
            market_share=share,
            notes=notes,
        )
        for name, share, notes in (
            ("Roadmunk", "18.5", "Strong **timeline** views; weak on OKRs."),
            ("Productboard", "27", "Feedback-driven prioritisation; pricey per maker seat."),
            ("Aha!", "22", "Broad and configurable; heavy to set up."),
        )
    ]
    levels = {
        "Now/Next/Later board": ("yes", ["yes", "yes", "partial"]),
        "OKRs linked to live metrics": ("yes", ["no", "partial", "partial"]),
        "Read-only share links": ("yes", ["yes", "yes", "yes"]),
        "Roadmap snapshots and diff": ("yes", ["no", "unknown", "partial"]),
        "Self-hosting": ("yes", ["no", "no", "no"]),
    }
    features = {}
    for name, (ours, theirs) in levels.items():
        feature = feature_create(product=acme.product, actor=acme.owner, name=name, ours=ours)
        features[name] = feature
        for rival, level in zip(rivals, theirs, strict=True):
            feature_support_set(feature=feature, competitor=rival, actor=acme.owner, level=level)

    page = new_page()
    log_in(page, acme.owner.username)
    page.goto(f"/products/{acme.product.slug}/competitors/")
    snapshots = features["Roadmap snapshots and diff"]
    cell = page.locator(f"#cell-{snapshots.pk}-{rivals[1].pk}")
    expect(cell).to_have_attribute("data-level", "unknown")
    cell.get_by_role("link").click()
    select = cell.get_by_test_id("matrix-select")
    expect(select).to_be_focused()
    page.wait_for_function(SETTLED)  # htmx wires the new select up once the swap has settled
    with page.expect_response(lambda r: r.request.method == "POST" and "/features/" in r.url) as r:
        select.select_option("partial")
    assert r.value.ok
    expect(cell).to_have_attribute("data-level", "partial")
    expect(cell.get_by_test_id("matrix-select")).to_have_count(0)
    assert FeatureSupport.objects.get(feature=snapshots, competitor=rivals[1]).level == "partial"

    page.reload()
    expect(page.locator(f"#cell-{snapshots.pk}-{rivals[1].pk}")).to_contain_text("Partial")
    page.screenshot(path=screenshot_dir / "competitors.png", full_page=True)


def test_the_snapshot_diff_page(new_page, log_in, screenshot_dir):
    acme = make_tenant("Acme")
    add = lambda title, **f: initiative_create(  # noqa: E731
        product=acme.product, actor=acme.owner, title=title, **f
    )
    add("Onboarding revamp", horizon="now", status="in_progress")
    sso = add("SSO for enterprise", horizon="next", status="planned")
    billing = add(
        "Self-serve billing",
        horizon="now",
        status="planned",
        starts_on=date(2026, 1, 5),
        ends_on=date(2026, 2, 27),
    )
    dropped = add("Partner marketplace", horizon="later")
    older = snapshot_take(product=acme.product, actor=acme.owner, name="Q1 planning")
    initiative_move(initiative=sso, actor=acme.owner, horizon="now")
    initiative_update(
        initiative=billing, actor=acme.owner, starts_on=date(2026, 2, 2), ends_on=date(2026, 3, 27)
    )
    initiative_update(initiative=billing, actor=acme.owner, status="in_progress")
    Initiative.objects.filter(pk=dropped.pk).delete()
    add("Usage-based pricing", horizon="next")

    page = new_page()
    log_in(page, acme.owner.username)
    page.goto(f"/products/{acme.product.slug}/snapshots/")
    page.get_by_role("button", name="Show changes").click()
    expect(page.get_by_test_id("diff-span")).to_contain_text("Q1 planning")
    expect(page.get_by_test_id("diff-count")).to_have_text("5 changes.")
    expect(page.get_by_test_id("diff-moved")).to_contain_text("SSO for enterprise")
    expect(page.get_by_test_id("diff-rescheduled")).to_contain_text("2 Feb 2026 – 27 Mar 2026")
    assert older.pk
    page.screenshot(path=screenshot_dir / "snapshot-diff.png", full_page=True)


def test_a_contributor_posts_a_health_update_in_place(new_page, log_in):
    acme = make_tenant("Acme")
    contributor = make_member(acme.workspace, Role.CONTRIBUTOR, username="dev-dana")
    initiative = initiative_create(
        product=acme.product, actor=acme.owner, title="Onboarding revamp", horizon="now"
    )
    page = new_page()
    log_in(page, contributor.username)
    page.goto(f"/roadmap/initiatives/{initiative.pk}/")
    panel = page.get_by_test_id("health-panel")
    expect(panel.get_by_test_id("health-badge")).to_have_text("Not reported")
    panel.get_by_label("Off track").check()
    panel.get_by_label("Short update").fill("The payment vendor slipped two weeks")
    with page.expect_response(lambda r: r.request.method == "POST" and "/health/" in r.url) as r:
        panel.get_by_role("button", name="Post update").click()
    assert r.value.ok
    panel = page.get_by_test_id("health-panel")
    expect(panel.get_by_test_id("health-badge")).to_have_text("Off track")
    expect(panel.get_by_test_id("health-history")).to_contain_text("The payment vendor slipped")
    expect(panel).to_contain_text("Update posted.")
    page.reload()
    expect(page.get_by_test_id("health-history")).to_contain_text("dev-dana")
    initiative.refresh_from_db()
    assert initiative.health == "off_track"
