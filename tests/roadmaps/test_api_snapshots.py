"""The snapshots and share links API: take, read and compare snapshots; a share link's URL shown
once, opening the read-only roadmap until it is revoked."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pmhub import services
from roadmaps.services.initiatives import initiative_move, initiative_update
from roadmaps.services.snapshots import snapshot_take
from tests.factories import api_client, make_tenant
from tests.roadmaps.sample_roadmap import SampleRoadmap, build_roadmap, day, roadmap_snapshot


@pytest.fixture
def acme(db):
    tenant = make_tenant("Acme")
    tenant.extra["plan"] = build_roadmap(tenant.product, tenant.owner, "acme")
    tenant.extra["api"] = api_client(tenant.owner, tenant.workspace)
    return tenant


def _plan(tenant) -> SampleRoadmap:
    return tenant.extra["plan"]


def _url(name: str, *args: Any) -> str:
    return reverse(f"api:roadmaps:{name}", args=args)


# --- Snapshots ----------------------------------------------------------------------------------


def test_a_snapshot_is_taken_listed_without_its_data_and_read_with_it(acme):
    api = acme.extra["api"]
    taken = api.post(_url("snapshot-list", acme.product.pk), {"name": "Board review"}, "json")
    assert taken.status_code == 201, taken.content
    listed = api.get(_url("snapshot-list", acme.product.pk)).json()["results"]
    assert [row["name"] for row in listed] == ["Board review", "acme after", "acme before"]
    assert "data" not in listed[0]
    detail = api.get(_url("snapshot-detail", taken.json()["id"])).json()
    titles = {row["title"] for row in detail["data"]["initiatives"]}
    assert titles == {"acme onboarding revamp", "acme billing v2", "acme mobile app"}


def test_the_diff_between_two_snapshots_and_to_now(acme):
    plan = _plan(acme)
    api = acme.extra["api"]
    url = _url("snapshot-diff", acme.product.pk)
    between = api.get(
        url, {"older": plan.first_snapshot.pk, "newer": plan.second_snapshot.pk}
    ).json()
    assert between["count"] == 1
    assert between["added"] == [
        {"id": plan.later.pk, "title": "acme mobile app", "before": None, "after": None}
    ]
    initiative_move(initiative=plan.next, actor=acme.owner, horizon="now")
    initiative_update(initiative=plan.now, actor=acme.owner, status="done", ends_on=None)
    now = api.get(url).json()  # from the latest snapshot to the roadmap now
    assert (now["older"], now["newer"]) == (plan.second_snapshot.pk, None)
    assert now["moved"] == [
        {"id": plan.next.pk, "title": "acme billing v2", "before": "next", "after": "now"}
    ]
    assert [change["after"] for change in now["status_changed"]] == ["done"]
    assert now["rescheduled"][0]["after"] == [day(-10), None]


@pytest.mark.parametrize(
    ("query", "field"),
    [({"older": "first"}, "older"), ({"older": 0}, "older"), ({"newer": 10**9}, "newer")],
    ids=str,
)
def test_a_bad_diff_query_is_a_400_naming_it(acme, query, field):
    response = acme.extra["api"].get(_url("snapshot-diff", acme.product.pk), query)
    assert response.status_code == 400 and set(response.json()["fields"]) == {field}


def test_a_diff_without_any_snapshot_asks_for_one(db):
    tenant = make_tenant("Empty")
    response = api_client(tenant.owner, tenant.workspace).get(
        _url("snapshot-diff", tenant.product.pk)
    )
    assert response.status_code == 400 and set(response.json()["fields"]) == {"older"}


def test_a_snapshot_of_another_product_is_not_compared(acme):
    other = services.product_create(workspace=acme.workspace, actor=acme.owner, name="Other")
    theirs = snapshot_take(product=other, actor=acme.owner, name="theirs")
    response = acme.extra["api"].get(_url("snapshot-diff", acme.product.pk), {"older": theirs.pk})
    assert response.status_code == 400 and set(response.json()["fields"]) == {"older"}


# --- Share links --------------------------------------------------------------------------------


def test_a_share_link_url_is_shown_once_and_opens_the_roadmap_until_revoked(acme):
    api = acme.extra["api"]
    made = api.post(_url("share-link-list", acme.product.pk), {"label": "Sales"}, format="json")
    assert made.status_code == 201, made.content
    url = made.json()["url"]
    assert url.startswith("http://testserver/share/")
    visitor = Client()
    page = visitor.get(url)
    assert page.status_code == 200 and "acme onboarding revamp" in page.content.decode()
    # Never again: not in the list, not in the detail.
    listed = api.get(_url("share-link-list", acme.product.pk)).content.decode()
    detail = api.get(_url("share-link-detail", made.json()["id"])).content.decode()
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert token not in listed and token not in detail and '"url"' not in detail
    assert api.delete(_url("share-link-detail", made.json()["id"])).status_code == 204
    assert visitor.get(url).status_code == 404
    revoked = api.get(_url("share-link-detail", made.json()["id"])).json()
    assert revoked["revoked_at"] is not None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
        ({"expires_at": "tomorrow"}, "expires_at"),
        ({"label": "x" * 121}, "label"),
        ({"nonce": "abc"}, "nonce"),
    ],
    ids=str,
)
def test_a_bad_share_link_is_a_400_naming_the_field_and_writes_nothing(acme, body, field):
    before = roadmap_snapshot(acme.workspace)
    response = acme.extra["api"].post(_url("share-link-list", acme.product.pk), body, format="json")
    assert response.status_code == 400 and set(response.json()["fields"]) == {field}
    assert roadmap_snapshot(acme.workspace) == before


def test_a_share_link_may_expire(acme):
    expires = (timezone.now() + timedelta(days=7)).replace(microsecond=0)
    made = acme.extra["api"].post(
        _url("share-link-list", acme.product.pk),
        {"expires_at": expires.isoformat()},
        format="json",
    )
    assert made.status_code == 201, made.content
    assert made.json()["expires_at"].startswith(expires.strftime("%Y-%m-%dT%H:%M:%S"))
