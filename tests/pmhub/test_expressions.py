"""pmhub.expressions.JSONList: what a row links to, read in the row's own query."""

import pytest
from django.db import connection
from django.db.models import F, OuterRef
from django.db.models.functions import JSONObject
from django.test.utils import CaptureQueriesContext

from pmhub import services
from pmhub.expressions import JSONList, SQLJSONList
from pmhub.models import Membership, Product, Workspace


def _members(*, order: str) -> JSONList:
    members = Membership.objects.filter(workspace=OuterRef("pk")).order_by(order)
    return JSONList(members.values(json=JSONObject(id="user_id", role="role")))


def test_rows_come_as_objects_in_the_subquerys_order(tenant_a, make_member):
    second = make_member(tenant_a.workspace, "editor", username="zed")
    third = make_member(tenant_a.workspace, "viewer", username="amy")
    empty = Workspace.objects.create(name="Empty", slug="empty")
    with CaptureQueriesContext(connection) as queries:
        rows = {
            workspace.pk: workspace
            for workspace in Workspace.objects.annotate(
                by_user=_members(order="user__username"), newest=_members(order="-pk")
            )
        }
    assert len(queries) == 1
    listed = rows[tenant_a.workspace.pk]
    owner = {"id": tenant_a.owner.pk, "role": "owner"}  # "alpha-owner-…"
    zed, amy = {"id": second.pk, "role": "editor"}, {"id": third.pk, "role": "viewer"}
    assert listed.by_user == [owner, amy, zed]
    assert listed.newest == [amy, zed, owner]
    assert rows[empty.pk].by_user == rows[empty.pk].newest == []


def test_a_list_of_values(tenant_a):
    for name in ("B", "A", "C"):
        services.product_create(workspace=tenant_a.workspace, actor=tenant_a.owner, name=name)
    names = Product.objects.filter(workspace=OuterRef("pk")).order_by("name").values("name")
    ids = Product.objects.filter(workspace=OuterRef("pk")).order_by(F("name").desc()).values("pk")
    row = Workspace.objects.annotate(names=JSONList(names), ids=JSONList(ids)).get(
        pk=tenant_a.workspace.pk
    )
    assert row.names == ["A", "Alpha Product", "B", "C"]
    by_name = dict(Product.objects.values_list("name", "pk"))
    assert row.ids == [by_name[name] for name in ("C", "B", "Alpha Product", "A")]


def test_a_subquery_of_two_columns_is_refused():
    with pytest.raises(ValueError, match="one column"):
        JSONList(Product.objects.values("pk", "name"))


class _Roles(SQLJSONList):
    """A workspace's members as ``{"id", "role"}``, newest membership first."""

    fields = {"id": "m.user_id", "role": "m.role"}
    rows = "FROM pmhub_membership m WHERE m.workspace_id = %(expressions)s ORDER BY m.id DESC"


class _ProductIds(SQLJSONList):
    value = "p.id"
    rows = "FROM pmhub_product p WHERE p.workspace_id = %(expressions)s ORDER BY p.name"


def test_sql_lists_read_objects_and_values_in_order_in_the_rows_query(tenant_a, make_member):
    editor = make_member(tenant_a.workspace, "editor", username="zed")
    for name in ("B", "A"):
        services.product_create(workspace=tenant_a.workspace, actor=tenant_a.owner, name=name)
    empty = Workspace.objects.create(name="Empty", slug="empty")
    with CaptureQueriesContext(connection) as queries:
        rows = {
            row.pk: row
            for row in Workspace.objects.annotate(roles=_Roles("pk"), ids=_ProductIds("pk"))
        }
    assert len(queries) == 1
    listed = rows[tenant_a.workspace.pk]
    assert listed.roles == [
        {"id": editor.pk, "role": "editor"},
        {"id": tenant_a.owner.pk, "role": "owner"},
    ]
    by_name = dict(Product.objects.values_list("name", "pk"))
    assert listed.ids == [by_name[name] for name in ("A", "Alpha Product", "B")]
    assert rows[empty.pk].roles == rows[empty.pk].ids == []


def test_a_sql_list_follows_its_row_when_django_aliases_the_table(tenant_a, tenant_b, make_member):
    make_member(tenant_b.workspace, "viewer", username="vic")
    with_viewer = Workspace.objects.alias(roles=_Roles("pk")).filter(
        roles__contains=[{"role": "viewer"}]
    )
    # As a subquery of the products' query, the workspace table is renamed (U0): the list must
    # follow it (the outer query has no workspace table to fall back on).
    products = Product.objects.filter(workspace__in=with_viewer)
    assert list(products) == list(Product.objects.filter(workspace=tenant_b.workspace))
    assert products.exists()
