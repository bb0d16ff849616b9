"""Every list reads a constant number of queries, however many rows it shows (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pmhub import services
from pmhub.capabilities import Role
from pmhub.tokens import token_create
from tests.factories import api_client, make_member

API_LISTS = [
    "/api/v1/products/",
    "/api/v1/members/",
    "/api/v1/invitations/",
    "/api/v1/tokens/",
    "/api/v1/activity/",
]
PAGES = ["/products/", "/workspace/members/", "/settings/tokens/", "/workspace/activity/"]


def _grow(tenant, n: int) -> None:
    """Add ``n`` of each listed kind of row (each also writes audit events)."""
    for _ in range(n):
        member = make_member(tenant.workspace, Role.EDITOR)
        services.product_create(workspace=tenant.workspace, actor=member, name="P", owner=member)
        services.invitation_create(
            workspace=tenant.workspace,
            actor=tenant.owner,
            email=f"{member.username}-friend@example.com",
            role=Role.VIEWER,
        )
        token_create(user=tenant.owner, workspace=tenant.workspace, name=f"t{member.pk}")


def _count(fetch) -> int:
    fetch()  # warm up: the first call of a token also records its last use
    with CaptureQueriesContext(connection) as queries:
        response = fetch()
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", API_LISTS)
def test_api_list_query_count_does_not_grow_with_rows(tenant_a, url):
    api = api_client(tenant_a.owner, tenant_a.workspace)
    _grow(tenant_a, 2)
    small = _count(lambda: api.get(url))
    _grow(tenant_a, 12)
    assert _count(lambda: api.get(url)) == small


@pytest.mark.parametrize("url", PAGES)
def test_page_query_count_does_not_grow_with_rows(client, tenant_a, url):
    client.force_login(tenant_a.owner)
    _grow(tenant_a, 2)
    small = _count(lambda: client.get(url))
    _grow(tenant_a, 12)
    assert _count(lambda: client.get(url)) == small


def test_product_page_query_count_does_not_grow_with_activity(client, tenant_a):
    client.force_login(tenant_a.owner)
    url = f"/products/{tenant_a.product.slug}/"
    small = _count(lambda: client.get(url))
    for i in range(15):
        services.product_update(product=tenant_a.product, actor=tenant_a.owner, description=f"v{i}")
    assert _count(lambda: client.get(url)) == small


def test_a_page_reads_the_users_memberships_once(client, tenant_a, tenant_b):
    """The page's workspace and the switcher's list of workspaces come from one query."""
    make_member(tenant_b.workspace, Role.VIEWER, username="both")
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="both")
    services.workspace_create(name="Zulu", owner=user)
    client.force_login(user)
    client.get("/products/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/products/")
    memberships = [q for q in queries if 'FROM "pmhub_membership"' in q["sql"]]
    workspaces = [q for q in queries if q["sql"].startswith('SELECT "pmhub_workspace"')]
    assert (len(memberships), len(workspaces)) == (1, 0)
    assert [ws.name for ws in response.context["user_workspaces"]] == ["Bravo", "Zulu"]
    assert response.context["current_workspace"].name == "Bravo"  # the first by name


def test_related_columns_reads_only_the_named_columns(tenant_a):
    from pmhub.models import Product
    from pmhub.selectors import with_related_columns, with_user_summaries

    rows = with_related_columns(Product.objects.all(), owner=["username"], workspace=["name"])
    product = rows.get(pk=tenant_a.product.pk)
    with CaptureQueriesContext(connection) as queries:
        assert (product.owner.username, product.workspace.name) == (
            tenant_a.owner.username,
            "Alpha",
        )
    assert len(queries) == 0
    assert "password" in product.owner.get_deferred_fields()
    assert "slug" in product.workspace.get_deferred_fields()
    summary = with_user_summaries(Product.objects.all(), "owner").get(pk=tenant_a.product.pk)
    assert summary.owner.get_deferred_fields() == product.owner.get_deferred_fields()
