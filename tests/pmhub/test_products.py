"""Products: slugs, owners, archive, the audit trail and the activity feed, via API and pages."""

import pytest

from pmhub import services
from pmhub.capabilities import Role
from pmhub.errors import ApplicationError
from pmhub.models import AuditEvent, Product
from tests.factories import api_client, make_member, make_user


def test_slugs_are_unique_within_a_workspace_but_may_repeat_across(tenant_a, tenant_b):
    first = services.product_create(
        workspace=tenant_a.workspace, actor=tenant_a.owner, name="Mobile App"
    )
    second = services.product_create(
        workspace=tenant_a.workspace, actor=tenant_a.owner, name="Mobile app"
    )
    other = services.product_create(
        workspace=tenant_b.workspace, actor=tenant_b.owner, name="Mobile App"
    )
    assert (first.slug, second.slug, other.slug) == ("mobile-app", "mobile-app-2", "mobile-app")


def test_owner_must_be_a_member_of_the_workspace(tenant_a, tenant_b):
    with pytest.raises(ApplicationError) as refused:
        services.product_create(
            workspace=tenant_a.workspace, actor=tenant_a.owner, name="X", owner=tenant_b.owner
        )
    assert refused.value.field == "owner"
    assert not Product.objects.filter(name="X").exists()


def test_api_owner_of_another_workspace_is_a_400_naming_owner(tenant_a, tenant_b):
    api = api_client(tenant_a.owner, tenant_a.workspace)
    response = api.post(
        "/api/v1/products/", {"name": "X", "owner": tenant_b.owner.pk}, format="json"
    )
    assert response.status_code == 400
    assert "owner" in response.json()["fields"]


def test_update_records_what_changed_in_the_audit_trail(tenant_a):
    product = tenant_a.product
    services.product_update(product=product, actor=tenant_a.owner, name="Renamed", stage="growth")
    event = AuditEvent.objects.filter(action="product.updated").get()
    assert event.actor == tenant_a.owner
    assert event.product == product
    assert event.changes["name"] == [f"{tenant_a.workspace.name} Product", "Renamed"]
    assert event.changes["stage"] == ["ideation", "growth"]


def test_update_without_change_records_nothing(tenant_a):
    before = AuditEvent.objects.count()
    services.product_update(
        product=tenant_a.product, actor=tenant_a.owner, name=tenant_a.product.name
    )
    assert AuditEvent.objects.count() == before


def test_archive_and_restore_through_the_api(tenant_a):
    api = api_client(tenant_a.owner, tenant_a.workspace)
    pid = tenant_a.product.pk
    assert api.post(f"/api/v1/products/{pid}/archive/").json()["archived"] is True
    assert [p["id"] for p in api.get("/api/v1/products/?archived=true").json()["results"]] == [pid]
    assert api.get("/api/v1/products/?archived=false").json()["count"] == 0
    assert api.post(f"/api/v1/products/{pid}/restore/").json()["archived"] is False
    actions = list(AuditEvent.objects.filter(product_id=pid).values_list("action", flat=True))
    assert {"product.archived", "product.restored"} <= set(actions)


def test_api_create_answers_201_with_the_stored_product(tenant_a):
    editor = make_member(tenant_a.workspace, Role.EDITOR)
    api = api_client(editor, tenant_a.workspace)
    body = {"name": "Payments", "description": "Checkout", "vision": "# Pay", "stage": "growth"}
    response = api.post("/api/v1/products/", body, format="json")
    assert response.status_code == 201
    stored = Product.objects.get(pk=response.json()["id"])
    assert (stored.workspace, stored.owner, stored.stage) == (tenant_a.workspace, editor, "growth")
    assert response.json()["vision_html"] == "<h1>Pay</h1>"


def test_api_list_paginates_filters_and_orders(tenant_a):
    for name in ["Zeta", "Alpha", "Mu"]:
        services.product_create(
            workspace=tenant_a.workspace, actor=tenant_a.owner, name=name, stage="growth"
        )
    api = api_client(tenant_a.owner, tenant_a.workspace)
    page = api.get("/api/v1/products/?stage=growth&ordering=-name&page_size=2").json()
    assert page["count"] == 3
    assert [p["name"] for p in page["results"]] == ["Zeta", "Mu"]
    assert page["next"] is not None


def test_page_size_is_capped(tenant_a):
    api = api_client(tenant_a.owner, tenant_a.workspace)
    for i in range(3):
        services.product_create(workspace=tenant_a.workspace, actor=tenant_a.owner, name=f"p{i}")
    response = api.get("/api/v1/products/?page_size=100000")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 4


def test_product_form_creates_and_the_page_shows_its_activity(client, tenant_a):
    client.force_login(tenant_a.owner)
    response = client.post(
        "/products/new/",
        {
            "name": "Insights",
            "description": "BI",
            "stage": "introduction",
            "vision": "**Clear**",
            "strategy": "",
            "owner": tenant_a.owner.pk,
        },
    )
    product = Product.objects.get(workspace=tenant_a.workspace, name="Insights")
    assert response.status_code == 302
    assert response["Location"] == f"/products/{product.slug}/"
    page = client.get(response["Location"]).content.decode()
    assert "<strong>Clear</strong>" in page
    assert 'title="product.created"' in page


def test_edit_form_rerenders_with_the_error_and_writes_nothing(client, tenant_a):
    client.force_login(tenant_a.owner)
    url = f"/products/{tenant_a.product.slug}/edit/"
    response = client.post(url, {"name": "", "stage": "growth"})
    assert response.status_code == 200
    assert 'data-field-error="name"' in response.content.decode()
    tenant_a.product.refresh_from_db()
    assert tenant_a.product.stage == "ideation"


def test_html_list_hides_archived_unless_asked(client, tenant_a):
    services.product_set_archived(product=tenant_a.product, actor=tenant_a.owner, archived=True)
    client.force_login(tenant_a.owner)
    assert tenant_a.product.name not in client.get("/products/").content.decode()
    assert tenant_a.product.name in client.get("/products/?archived=1").content.decode()


def test_signup_creates_the_user_and_their_first_workspace(client, db):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "newpm",
            "email": "newpm@example.com",
            "password1": "a-Long-pass-99",
            "password2": "a-Long-pass-99",
            "workspace_name": "Globex",
        },
    )
    assert response.status_code == 302
    page = client.get("/products/").content.decode()
    assert "Globex" in page
    assert AuditEvent.objects.filter(action="workspace.created", actor__username="newpm").exists()


def test_signup_with_a_taken_username_rerenders_with_the_error(client, db):
    make_user("taken")
    response = client.post(
        "/accounts/signup/",
        {
            "username": "taken",
            "email": "t@example.com",
            "password1": "a-Long-pass-99",
            "password2": "a-Long-pass-99",
            "workspace_name": "X",
        },
    )
    assert response.status_code == 200
    assert 'data-field-error="username"' in response.content.decode()


def test_switching_workspace_changes_what_the_pages_show(client, tenant_a, tenant_b):
    from pmhub.models import Membership

    Membership.objects.create(user=tenant_a.owner, workspace=tenant_b.workspace, role=Role.VIEWER)
    client.force_login(tenant_a.owner)
    client.post("/workspaces/switch/", {"workspace": tenant_b.workspace.pk})
    page = client.get("/products/").content.decode()
    assert tenant_b.product.name in page and tenant_a.product.name not in page
    # the role follows the workspace: a viewer in B sees no "New product"
    assert "New product" not in page


def test_api_create_with_a_member_as_owner_stores_that_owner(tenant_a):
    editor = make_member(tenant_a.workspace, Role.EDITOR)
    api = api_client(tenant_a.owner, tenant_a.workspace)
    response = api.post("/api/v1/products/", {"name": "Owned", "owner": editor.pk}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["owner"]["id"] == editor.pk
    assert Product.objects.get(pk=response.json()["id"]).owner == editor
