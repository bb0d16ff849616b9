"""The foundation's pages as a person uses them, in headless Chromium.

Screenshots of the main pages go to PMHUB_SCREENSHOT_DIR (``make screenshots``: docs/screenshots).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import expect

from pmhub import services
from pmhub.capabilities import Role
from pmhub.management.commands.seed_demo import STRATEGY, VISION
from pmhub.models import LifecycleStage, Membership, Product, Workspace
from pmhub.templatetags.pmhub_tags import NAV_SECTIONS
from tests.factories import make_member, make_user

pytestmark = pytest.mark.browser


@dataclass
class Company:
    acme: Workspace
    globex: Workspace
    analytics: Product


@pytest.fixture
def company(transactional_db) -> Company:
    """Workspace Acme (maria owns it, a small team, three products) and Globex (maria edits)."""
    maria = make_user("maria")
    acme = services.workspace_create(name="Acme", owner=maria)
    for username, role in [("jonas", Role.EDITOR), ("sam", Role.CONTRIBUTOR), ("li", Role.VIEWER)]:
        make_member(acme, role, username=username)
    analytics = services.product_create(
        workspace=acme,
        actor=maria,
        name="Acme Analytics",
        description="Self-serve analytics for growing SaaS teams.",
        vision=VISION,
        strategy=STRATEGY,
        stage=LifecycleStage.GROWTH,
    )
    services.product_create(
        workspace=acme,
        actor=maria,
        name="Acme Mobile",
        description="The analytics dashboards in your pocket.",
        stage=LifecycleStage.INTRODUCTION,
    )
    services.product_create(
        workspace=acme,
        actor=maria,
        name="Data Pipeline",
        description="Warehouse sync for enterprise customers.",
        stage=LifecycleStage.IDEATION,
    )
    services.invitation_create(workspace=acme, actor=maria, email="pat@example.com", role="viewer")
    globex_owner = make_user("hank")
    globex = services.workspace_create(name="Globex", owner=globex_owner)
    Membership.objects.create(user=maria, workspace=globex, role=Role.EDITOR)
    services.product_create(
        workspace=globex,
        actor=globex_owner,
        name="Globex Billing",
        description="Usage-based invoicing.",
        stage=LifecycleStage.MATURITY,
    )
    return Company(acme=acme, globex=globex, analytics=analytics)


def test_login_create_product_switch_workspace_and_screenshots(
    new_page, company, log_in, screenshot_dir
):
    page = new_page()
    page.goto("/accounts/login/")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    page.screenshot(path=screenshot_dir / "login.png")

    log_in(page, "maria")
    expect(page.get_by_test_id("workspace-switcher")).to_contain_text("Acme")

    page.get_by_role("link", name="New product").click()
    page.get_by_label("Name").fill("Acme Insights")
    page.get_by_label("Description").fill("Customer interviews, tagged and searchable.")
    page.get_by_label("Stage").select_option("introduction")
    page.get_by_label("Vision").fill("Every decision **backed by what customers said**.")
    page.get_by_label("Strategy").fill("1. Import notes from every channel.\n2. Tag themes.")
    page.get_by_role("button", name="Create product").click()

    page.wait_for_url("**/products/acme-insights/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Acme Insights")
    expect(page.get_by_role("alert")).to_contain_text("Acme Insights was created.")
    expect(page.get_by_test_id("vision").locator("strong")).to_have_text(
        "backed by what customers said"
    )
    assert Product.objects.filter(workspace=company.acme, name="Acme Insights").exists()

    page.get_by_test_id("workspace-switcher").click()
    page.get_by_role("button", name="Globex", exact=True).click()
    page.wait_for_url("**/products/")
    expect(page.get_by_test_id("workspace-switcher")).to_contain_text("Globex")
    expect(page.get_by_role("alert")).to_contain_text("Switched to Globex.")
    products = page.get_by_test_id("product-list")
    expect(products).to_contain_text("Globex Billing")
    expect(products).not_to_contain_text("Acme")

    # Back in Acme for the screenshots of its pages.
    page.get_by_test_id("workspace-switcher").click()
    page.get_by_role("button", name="Acme", exact=True).click()
    page.wait_for_url("**/products/")
    page.get_by_role("alert").get_by_role("button", name="Close").click()
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.get_by_test_id("product-list")).to_contain_text("Acme Analytics")
    page.screenshot(path=screenshot_dir / "products.png")

    page.get_by_role("link", name="Acme Analytics").click()
    page.wait_for_url(f"**/products/{company.analytics.slug}/")
    expect(page.get_by_test_id("strategy").locator("ol > li")).to_have_count(3)
    page.screenshot(path=screenshot_dir / "product.png")

    page.goto("/workspace/members/")
    expect(page.get_by_test_id("member-table")).to_contain_text("jonas")
    expect(page.get_by_text("pat@example.com")).to_be_visible()
    page.screenshot(path=screenshot_dir / "members.png")

    for name in ["login.png", "products.png", "product.png", "members.png"]:
        assert (screenshot_dir / name).stat().st_size > 0


def test_empty_product_name_rerenders_the_form_naming_the_field(page, company, log_in):
    log_in(page, "maria")
    page.goto("/products/new/")
    page.get_by_label("Description").fill("A description that must survive the error")
    page.get_by_role("button", name="Create product").click()

    error = page.locator('[data-field-error="name"]')
    expect(error).to_be_visible()
    expect(error).to_contain_text("required")
    expect(page.get_by_label("Name")).to_have_class(
        # Bootstrap's invalid state, so the field is marked, not only the message.
        "form-control is-invalid"
    )
    expect(page.get_by_label("Description")).to_have_value(
        "A description that must survive the error"
    )
    assert page.url.endswith("/products/new/")
    assert Product.objects.filter(workspace=company.acme).count() == 3


def test_viewer_sees_no_edit_archive_or_new_product_controls(page, company, log_in):
    log_in(page, "li")
    expect(page.get_by_test_id("product-list")).to_contain_text("Acme Analytics")
    expect(page.get_by_role("link", name="New product")).to_have_count(0)
    expect(page.get_by_role("link", name="Create your first product")).to_have_count(0)

    page.get_by_role("link", name="Acme Analytics").click()
    page.wait_for_url(f"**/products/{company.analytics.slug}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Acme Analytics")
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)
    expect(page.get_by_role("button", name="Archive")).to_have_count(0)
    expect(page.get_by_role("button", name="Restore")).to_have_count(0)


def test_navbar_links_only_to_areas_that_have_pages(page, company, log_in):
    log_in(page, "maria")
    navbar = page.get_by_role("navigation", name="Main")
    expect(navbar.get_by_role("link", name="Products", exact=True)).to_be_visible()
    for label, url_name, _prefix in NAV_SECTIONS:
        try:
            reverse(url_name)
        except NoReverseMatch:  # the app has no pages yet: no dead link in the navbar
            expect(navbar.get_by_role("link", name=label, exact=True)).to_have_count(0)
        else:
            expect(navbar.get_by_role("link", name=label, exact=True)).to_be_visible()


def test_login_form_works_with_the_keyboard_only(page, company):
    page.goto("/accounts/login/")
    # The username field has focus on load; Tab moves on to the password, Enter submits.
    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.type("maria")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type("pw-Secret-123")
    page.keyboard.press("Enter")
    page.wait_for_url("**/products/")
    expect(page.get_by_test_id("product-list")).to_contain_text("Acme Analytics")


def test_login_page_starts_with_a_skip_link_for_keyboard_users(page, company):
    page.goto("/accounts/login/")
    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.press("Shift+Tab")  # from the username field back to the first stop
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()


def test_mobile_viewport_collapses_the_navbar_behind_a_toggler(new_page, company, log_in):
    page = new_page(viewport={"width": 375, "height": 740})
    log_in(page, "maria")
    toggler = page.get_by_role("button", name="Toggle navigation")
    expect(toggler).to_be_visible()
    products_link = page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Products", exact=True
    )
    expect(products_link).to_be_hidden()
    toggler.click()  # Bootstrap's collapse, loaded from our static files under the CSP
    expect(products_link).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    # Nothing is wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_changing_a_role_saves_in_place_without_reloading_the_page(page, company, log_in):
    log_in(page, "maria")
    page.goto("/workspace/members/")
    li = Membership.objects.get(workspace=company.acme, user__username="li")
    row = page.locator(f"#member-{li.pk}")
    expect(row.get_by_role("button", name="Change")).to_be_hidden()  # htmx saves on change
    page.evaluate("window.__sameDocument = true")
    row.get_by_label("Role of li").select_option("contributor")
    expect(page.locator(f"#member-{li.pk}").get_by_role("status")).to_have_text("Saved")
    assert page.evaluate("window.__sameDocument") is True
    li.refresh_from_db()
    assert li.role == Role.CONTRIBUTOR
    page.reload()
    expect(page.locator(f"#member-{li.pk}").get_by_label("Role of li")).to_have_value("contributor")
