"""pmhub.expressions.JSONList: what a row links to, read in the row's own query."""

import pytest
from django.db import connection
from django.db.models import F, OuterRef
from django.db.models.functions import JSONObject
from django.test.utils import CaptureQueriesContext

from pmhub import services
from pmhub.expressions import JSONList
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
