"""Saved views through the API: each person sees their own and the shared ones; only the owner
changes or deletes a view."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from backlog.models import SavedView
from backlog.services.fields import saved_view_create
from pmhub.capabilities import Role
from tests.backlog.sample_backlog import backlog_snapshot, make_backlog
from tests.factories import api_client, make_member, make_tenant


@pytest.fixture
def acme(db):
    tenant = make_tenant("Acme")
    sample = make_backlog(tenant.product, tenant.owner, "acme")  # "acme bugs", shared
    viewer = make_member(tenant.workspace, Role.VIEWER, username="acme-viewer")
    private = saved_view_create(
        product=tenant.product, actor=tenant.owner, name="owner only", query="sort=score"
    )
    tenant.extra.update(
        sample=sample,
        viewer=viewer,
        private=private,
        owner_api=api_client(tenant.owner, tenant.workspace),
        viewer_api=api_client(viewer, tenant.workspace),
    )
    return tenant


def _url(name: str, *args: Any) -> str:
    return reverse(f"api:backlog:{name}", args=args)


def _names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


def test_each_person_lists_their_own_views_and_the_shared_ones(acme):
    url = _url("saved-view-list", acme.product.pk)
    assert _names(acme.extra["owner_api"].get(url)) == ["acme bugs", "owner only"]
    assert _names(acme.extra["viewer_api"].get(url)) == ["acme bugs"]
    created = acme.extra["viewer_api"].post(
        url, {"name": "My bugs", "query": "kind=bug&assignee=none"}, format="json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["owner"]["id"] == acme.extra["viewer"].pk
    assert created.json()["shared"] is False
    assert _names(acme.extra["viewer_api"].get(url)) == ["My bugs", "acme bugs"]
    assert _names(acme.extra["owner_api"].get(url)) == ["acme bugs", "owner only"]


def test_someone_elses_private_view_is_not_found(acme):
    pk = acme.extra["private"].pk
    api = acme.extra["viewer_api"]
    before = backlog_snapshot(acme.workspace)
    assert api.get(_url("saved-view-detail", pk)).status_code == 404
    assert api.patch(_url("saved-view-detail", pk), {"name": "x"}, format="json").status_code == 404
    assert api.delete(_url("saved-view-detail", pk)).status_code == 404
    assert backlog_snapshot(acme.workspace) == before


def test_a_shared_view_is_read_by_all_and_changed_only_by_its_owner(acme):
    shared = acme.extra["sample"].view
    url = _url("saved-view-detail", shared.pk)
    api = acme.extra["viewer_api"]
    assert api.get(url).json()["query"] == "kind=bug"
    before = backlog_snapshot(acme.workspace)
    refused = api.patch(url, {"name": "mine now"}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert api.delete(url).status_code == 403
    assert backlog_snapshot(acme.workspace) == before
    changed = acme.extra["owner_api"].patch(url, {"shared": False, "query": ""}, format="json")
    assert changed.status_code == 200 and changed.json()["shared"] is False
    assert api.get(url).status_code == 404
    assert acme.extra["owner_api"].delete(url).status_code == 204
    assert not SavedView.objects.filter(pk=shared.pk).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": "ACME BUGS"}, "name"),  # the owner has one of that name
        ({"name": "x", "query": "q" * 1001}, "query"),
        ({"name": "x", "owner": 1}, "owner"),
        ({"name": "x", "shared": "perhaps"}, "shared"),
    ],
    ids=str,
)
def test_a_bad_view_is_a_400_naming_the_field(acme, body, field):
    before = backlog_snapshot(acme.workspace)
    response = acme.extra["owner_api"].post(
        _url("saved-view-list", acme.product.pk), body, format="json"
    )
    assert response.status_code == 400 and field in response.json()["fields"], response.content
    assert backlog_snapshot(acme.workspace) == before
