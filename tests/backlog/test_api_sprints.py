"""Sprints through the API: plan, change, delete a planned one, start one, close the active one
moving unfinished work on; refusals name the field and write nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from backlog.models import Item, Sprint
from pmhub import services
from tests.backlog.sample_backlog import SampleBacklog, backlog_snapshot, make_backlog
from tests.factories import api_client, make_tenant


@pytest.fixture
def acme(db):
    tenant = make_tenant("Acme")
    tenant.extra["backlog"] = make_backlog(tenant.product, tenant.owner, "acme")
    tenant.extra["api"] = api_client(tenant.owner, tenant.workspace)
    return tenant


def _b(tenant) -> SampleBacklog:
    return tenant.extra["backlog"]


def _send(tenant, method: str, name: str, *args: Any, body: Any = None):
    url = reverse(f"api:backlog:{name}", args=args)
    client = tenant.extra["api"]
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, body or {}, format="json")


def _refused(response, field: str) -> None:
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"], response.json()


PLAN = {"name": "Sprint 3", "starts_on": "2027-01-04", "ends_on": "2027-01-15", "capacity": 18}


def test_sprints_are_listed_active_first_then_planned_then_closed(acme):
    sample = _b(acme)
    created = _send(acme, "post", "sprint-list", acme.product.pk, body=PLAN)
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "planned" and created.json()["capacity"] == 18
    rows = _send(acme, "get", "sprint-list", acme.product.pk).json()["results"]
    assert [row["id"] for row in rows] == [
        sample.sprint.pk,
        sample.next_sprint.pk,
        created.json()["id"],
    ]
    assert rows[0]["status"] == "active" and rows[0]["committed_points"] == 3


def test_a_sprint_is_read_changed_and_deleted_while_planned(acme):
    sample = _b(acme)
    pk = sample.next_sprint.pk
    changed = _send(acme, "patch", "sprint-detail", pk, body={"goal": "Billing", "capacity": 10})
    assert changed.status_code == 200, changed.content
    assert _send(acme, "get", "sprint-detail", pk).json() == changed.json()
    notes = _send(acme, "patch", "sprint-detail", sample.sprint.pk, body={"went_well": "Pairing"})
    assert notes.json()["went_well"] == "Pairing"
    assert _send(acme, "delete", "sprint-detail", pk).status_code == 204
    assert not Sprint.objects.filter(pk=pk).exists()
    before = backlog_snapshot(acme.workspace)
    _refused(_send(acme, "delete", "sprint-detail", sample.sprint.pk), "status")  # active
    assert backlog_snapshot(acme.workspace) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**PLAN, "ends_on": "2027-01-01"}, "ends_on"),
        ({**PLAN, "ends_on": "2027-06-01"}, "ends_on"),  # longer than two months
        ({**PLAN, "name": "ACME SPRINT 1"}, "name"),
        ({**PLAN, "capacity": -1}, "capacity"),
        ({**PLAN, "starts_on": "soon"}, "starts_on"),
        ({**PLAN, "status": "active"}, "status"),
        ({**PLAN, "committed_points": 5}, "committed_points"),
        ({key: value for key, value in PLAN.items() if key != "name"}, "name"),
    ],
    ids=str,
)
def test_a_bad_sprint_is_a_400_naming_the_field(acme, body, field):
    before = backlog_snapshot(acme.workspace)
    _refused(_send(acme, "post", "sprint-list", acme.product.pk, body=body), field)
    assert backlog_snapshot(acme.workspace) == before


def test_close_moves_unfinished_work_to_the_next_sprint_and_start_starts_that(acme):
    sample = _b(acme)
    before = backlog_snapshot(acme.workspace)
    _refused(_send(acme, "post", "sprint-start", sample.next_sprint.pk), "status")  # one active
    assert backlog_snapshot(acme.workspace) == before
    closed = _send(
        acme, "post", "sprint-close", sample.sprint.pk, body={"move_to": sample.next_sprint.pk}
    )
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "closed" and closed.json()["completed_points"] == 0
    assert Item.objects.get(pk=sample.story.pk).sprint_id == sample.next_sprint.pk
    started = _send(acme, "post", "sprint-start", sample.next_sprint.pk)
    assert started.status_code == 200, started.content
    assert started.json()["status"] == "active" and started.json()["committed_points"] == 3


def test_close_without_a_sprint_sends_unfinished_work_back_to_the_backlog(acme):
    sample = _b(acme)
    response = _send(acme, "post", "sprint-close", sample.sprint.pk, body={"move_to": None})
    assert response.status_code == 200, response.content
    assert Item.objects.get(pk=sample.story.pk).sprint is None


def test_close_refuses_a_sprint_that_cannot_take_the_work(acme):
    sample = _b(acme)
    other = services.product_create(workspace=acme.workspace, actor=acme.owner, name="Other")
    theirs = make_backlog(other, acme.owner, "other")
    bravo = make_tenant("Bravo")
    foreign = make_backlog(bravo.product, bravo.owner, "bravo")
    before = backlog_snapshot(acme.workspace)
    for body in (
        {"move_to": theirs.next_sprint.pk},  # another product's
        {"move_to": foreign.next_sprint.pk},  # another workspace's
        {"move_to": sample.sprint.pk},  # itself, not a planned one
        {"move_to": "next"},
    ):
        _refused(_send(acme, "post", "sprint-close", sample.sprint.pk, body=body), "move_to")
    _refused(_send(acme, "post", "sprint-close", sample.next_sprint.pk), "status")  # planned
    _refused(_send(acme, "post", "sprint-start", sample.next_sprint.pk, body={"x": 1}), "x")
    assert backlog_snapshot(acme.workspace) == before
