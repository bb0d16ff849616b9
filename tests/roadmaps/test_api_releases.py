"""The releases API (with launch checklists and shipping) and health updates: what the delivery
team may do, and refusals that name the field and write nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from metrics.models import Annotation
from pmhub import services
from pmhub.capabilities import Role
from roadmaps.models import ChecklistItem
from tests.factories import api_client, make_member, make_tenant
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


# --- Releases -----------------------------------------------------------------------------------


def test_a_release_lists_its_initiatives_and_checklist(acme):
    plan = _plan(acme)
    response = acme.extra["api"].get(_url("release-list", acme.product.pk))
    assert response.status_code == 200
    (release,) = response.json()["results"]
    assert release["initiatives"] == [plan.now.pk]
    assert [(item["title"], item["done"]) for item in release["checklist"]] == [
        ("acme docs written", False),
        ("acme support briefed", True),
    ]


def test_releases_filter_by_status(acme):
    url = _url("release-list", acme.product.pk)
    assert acme.extra["api"].get(url, {"status": "shipped"}).json()["results"] == []
    assert len(acme.extra["api"].get(url, {"status": "planned"}).json()["results"]) == 1
    bad = acme.extra["api"].get(url, {"status": "late"})
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"status"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "acme 1.0", "target_date": "2027-01-01"}, "name"),  # taken
        ({"name": "2.0"}, "target_date"),
        ({"name": "2.0", "target_date": "2027-01-01", "status": "late"}, "status"),
        ({"name": "2.0", "target_date": "2027-01-01", "shipped_on": "2027-01-01"}, "shipped_on"),
        ({"name": "2.0", "target_date": "2027-01-01", "initiatives": [0]}, "initiatives.0"),
    ],
    ids=str,
)
def test_a_bad_release_is_a_400_naming_the_field_and_writes_nothing(acme, body, field):
    before = roadmap_snapshot(acme.workspace)
    response = acme.extra["api"].post(_url("release-list", acme.product.pk), body, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()["fields"]) == {field}
    assert roadmap_snapshot(acme.workspace) == before


def test_a_release_carrying_another_products_initiative_is_refused_whole(acme):
    other = make_tenant("Other")
    mine_too = services.product_create(workspace=acme.workspace, actor=acme.owner, name="Two")
    theirs = build_roadmap(mine_too, acme.owner, "two").now
    before = roadmap_snapshot(acme.workspace), roadmap_snapshot(other.workspace)
    response = acme.extra["api"].post(
        _url("release-list", acme.product.pk),
        {"name": "2.0", "target_date": day(30), "initiatives": [theirs.pk]},
        format="json",
    )
    assert response.status_code == 400 and set(response.json()["fields"]) == {"initiatives"}
    assert (roadmap_snapshot(acme.workspace), roadmap_snapshot(other.workspace)) == before


def test_shipping_marks_the_release_and_notes_it_on_the_charts(acme):
    plan = _plan(acme)
    shipped_on = (timezone.now() - timedelta(days=1)).date()
    response = acme.extra["api"].post(
        _url("release-ship", plan.release.pk), {"shipped_on": shipped_on.isoformat()}, "json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["shipped_on"]) == (
        "shipped",
        shipped_on.isoformat(),
    )
    assert Annotation.objects.filter(
        product=acme.product, day=shipped_on, text="Shipped acme 1.0"
    ).exists()
    again = acme.extra["api"].post(_url("release-ship", plan.release.pk), {}, format="json")
    assert again.status_code == 200 and again.json()["shipped_on"] == shipped_on.isoformat()


def test_a_cancelled_release_does_not_ship(acme):
    plan = _plan(acme)
    api = acme.extra["api"]
    api.patch(_url("release-detail", plan.release.pk), {"status": "cancelled"}, format="json")
    before = roadmap_snapshot(acme.workspace)
    response = api.post(_url("release-ship", plan.release.pk), {}, format="json")
    assert response.status_code == 400 and set(response.json()["fields"]) == {"status"}
    assert roadmap_snapshot(acme.workspace) == before


def test_changing_what_a_release_carries_replaces_the_list(acme):
    plan = _plan(acme)
    response = acme.extra["api"].patch(
        _url("release-detail", plan.release.pk),
        {"initiatives": [plan.next.pk, plan.later.pk]},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["initiatives"] == sorted([plan.next.pk, plan.later.pk])


# --- Launch checklist ---------------------------------------------------------------------------


def test_a_contributor_ticks_an_item_but_cannot_add_one(acme):
    plan = _plan(acme)
    contributor = make_member(acme.workspace, Role.CONTRIBUTOR)
    api = api_client(contributor, acme.workspace)
    ticked = api.post(_url("checklist-item-done", plan.open_item.pk), {"done": True}, "json")
    assert ticked.status_code == 200 and ticked.json()["done"] is True
    assert ticked.json()["done_at"] is not None
    reopened = api.post(_url("checklist-item-done", plan.open_item.pk), {"done": False}, "json")
    assert reopened.json()["done"] is False and reopened.json()["done_at"] is None
    added = api.post(_url("checklist-list", plan.release.pk), {"title": "Nope"}, format="json")
    assert added.status_code == 403
    assert not ChecklistItem.objects.filter(title="Nope").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "done"), ({"done": "maybe"}, "done"), ({"done": True, "title": "x"}, "title")],
    ids=str,
)
def test_a_bad_tick_is_a_400_naming_the_field(acme, body, field):
    before = roadmap_snapshot(acme.workspace)
    response = acme.extra["api"].post(
        _url("checklist-item-done", _plan(acme).open_item.pk), body, format="json"
    )
    assert response.status_code == 400 and set(response.json()["fields"]) == {field}
    assert roadmap_snapshot(acme.workspace) == before


def test_checklist_items_are_added_at_the_end_and_changed(acme):
    plan = _plan(acme)
    api = acme.extra["api"]
    added = api.post(
        _url("checklist-list", plan.release.pk),
        {"title": "Blog post", "owner": acme.owner.pk, "due_on": day(3)},
        format="json",
    )
    assert added.status_code == 201 and added.json()["position"] == 2
    changed = api.patch(
        _url("checklist-item-detail", added.json()["id"]), {"due_on": None}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["due_on"] is None
    listed = api.get(_url("checklist-list", plan.release.pk)).json()["results"]
    assert [item["title"] for item in listed][-1] == "Blog post"
    blank = api.patch(_url("checklist-item-detail", added.json()["id"]), {"title": " "}, "json")
    assert blank.status_code == 400 and set(blank.json()["fields"]) == {"title"}


# --- Health updates -----------------------------------------------------------------------------


def test_a_health_update_sets_the_health_and_joins_the_history(acme):
    plan = _plan(acme)
    contributor = make_member(acme.workspace, Role.CONTRIBUTOR)
    api = api_client(contributor, acme.workspace)
    url = _url("initiative-health", plan.now.pk)
    posted = api.post(url, {"health": "off_track", "note": "Vendor  went   quiet"}, "json")
    assert posted.status_code == 201, posted.content
    assert posted.json()["note"] == "Vendor went quiet"
    assert posted.json()["author"]["id"] == contributor.pk
    history = api.get(url).json()["results"]
    assert [row["health"] for row in history] == ["off_track", "at_risk"]
    initiative = api.get(_url("initiative-detail", plan.now.pk)).json()
    assert initiative["health"] == "off_track"


def test_an_objectives_health_update_shows_on_the_objective(acme):
    plan = _plan(acme)
    url = _url("objective-health", plan.objective.pk)
    assert acme.extra["api"].post(url, {"health": "at_risk"}, format="json").status_code == 201
    objective = acme.extra["api"].get(_url("objective-detail", plan.objective.pk)).json()
    assert objective["health"] == "at_risk"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"health": "fine"}, "health"),
        ({"note": "no health"}, "health"),
        ({"health": "at_risk", "note": "x" * 501}, "note"),
        ({"health": "at_risk", "author": 1}, "author"),
    ],
    ids=lambda value: str(value)[:40],
)
def test_a_bad_health_update_is_a_400_naming_the_field_and_writes_nothing(acme, body, field):
    before = roadmap_snapshot(acme.workspace)
    response = acme.extra["api"].post(
        _url("initiative-health", _plan(acme).now.pk), body, format="json"
    )
    assert response.status_code == 400 and set(response.json()["fields"]) == {field}
    assert roadmap_snapshot(acme.workspace) == before
