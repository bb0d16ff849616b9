"""The snapshot pages: the list with "Save a snapshot", and the diff between two snapshots or a
snapshot and now, grouped by kind of change with each value before → after."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pmhub.capabilities import Role
from pmhub.models import AuditEvent
from roadmaps.models import Initiative, Snapshot
from roadmaps.services.initiatives import initiative_create, initiative_move, initiative_update
from roadmaps.services.snapshots import snapshot_take
from tests.factories import make_member, make_tenant

PLANNERS = (Role.OWNER, Role.ADMIN, Role.EDITOR)


@pytest.fixture
def acme(db):
    return make_tenant("Acme")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _as(acme, role: str) -> Client:
    return _client(acme.owner if role == Role.OWNER else make_member(acme.workspace, role))


def _list(acme) -> str:
    return reverse("roadmaps:snapshot-list", args=[acme.product.slug])


def _diff(acme) -> str:
    return reverse("roadmaps:snapshot-diff", args=[acme.product.slug])


def _add(acme, title: str, **fields) -> Initiative:
    return initiative_create(product=acme.product, actor=acme.owner, title=title, **fields)


def _changes(acme) -> tuple:
    return (
        list(Snapshot.objects.filter(product=acme.product).values()),
        AuditEvent.objects.filter(workspace=acme.workspace).count(),
    )


@pytest.mark.parametrize("role", list(Role))
def test_every_role_sees_the_snapshots_and_only_planners_save_one(acme, role):
    snapshot_take(product=acme.product, actor=acme.owner, name="Before Q3")
    response = _as(acme, role).get(_list(acme))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Before Q3" in html and 'data-testid="compare-form"' in html
    assert ('data-testid="snapshot-form"' in html) == (role in PLANNERS)


def test_a_planner_saves_a_named_snapshot_of_the_roadmap(acme):
    _add(acme, "Onboarding", horizon="now")
    response = _client(acme.owner).post(
        reverse("roadmaps:snapshot-create", args=[acme.product.slug]), {"name": "Board review"}
    )
    assert response.status_code == 302 and response.url == _list(acme)
    snapshot = Snapshot.objects.get(product=acme.product)
    assert snapshot.name == "Board review" and snapshot.taken_by == acme.owner
    assert [row["title"] for row in snapshot.data["initiatives"]] == ["Onboarding"]


def test_a_too_long_name_shows_the_field_error_and_saves_nothing(acme):
    before = _changes(acme)
    response = _client(acme.owner).post(
        reverse("roadmaps:snapshot-create", args=[acme.product.slug]), {"name": "x" * 500}
    )
    assert response.status_code == 200
    assert 'data-field-error="name"' in response.content.decode()
    assert _changes(acme) == before


@pytest.mark.parametrize("role", [Role.CONTRIBUTOR, Role.VIEWER])
def test_only_planners_save_or_delete_snapshots(acme, role):
    snapshot = snapshot_take(product=acme.product, actor=acme.owner)
    client = _as(acme, role)
    before = _changes(acme)
    url = reverse("roadmaps:snapshot-create", args=[acme.product.slug])
    assert client.post(url, {"name": "x"}).status_code == 403
    url = reverse("roadmaps:snapshot-delete", args=[acme.product.slug, snapshot.pk])
    assert client.post(url).status_code == 403
    assert _changes(acme) == before


def test_a_planner_deletes_a_snapshot(acme):
    snapshot = snapshot_take(product=acme.product, actor=acme.owner)
    url = reverse("roadmaps:snapshot-delete", args=[acme.product.slug, snapshot.pk])
    assert _client(acme.owner).post(url).status_code == 302
    assert not Snapshot.objects.filter(pk=snapshot.pk).exists()


def test_the_list_reads_a_fixed_number_of_queries(acme):
    client = _client(acme.owner)
    snapshot_take(product=acme.product, actor=acme.owner, name="first")
    client.get(_list(acme))
    with CaptureQueriesContext(connection) as few:
        client.get(_list(acme))
    for n in range(15):
        snapshot_take(product=acme.product, actor=acme.owner if n % 2 else None, name=f"s{n}")
    with CaptureQueriesContext(connection) as many:
        client.get(_list(acme))
    assert len(many.captured_queries) == len(few.captured_queries)


# --- The diff -------------------------------------------------------------------------------------


def _every_kind_of_change(acme) -> tuple[Snapshot, Snapshot]:
    """Before: Stays, Goes, Moves (next), Slips (dated), Starts (proposed). After: Goes removed,
    Moves in now, Slips a month later, Starts in progress, Arrives added."""
    _add(acme, "Stays", horizon="later")
    goes = _add(acme, "Goes")
    moves = _add(acme, "Moves", horizon="next")
    slips = _add(acme, "Slips", starts_on=date(2026, 1, 1), ends_on=date(2026, 3, 31))
    starts = _add(acme, "Starts", status="proposed")
    older = snapshot_take(product=acme.product, actor=acme.owner, name="Before")
    goes.delete()
    initiative_move(initiative=moves, actor=acme.owner, horizon="now")
    initiative_update(
        initiative=slips, actor=acme.owner, starts_on=date(2026, 2, 1), ends_on=date(2026, 4, 30)
    )
    initiative_update(initiative=starts, actor=acme.owner, status="in_progress")
    _add(acme, "Arrives")
    newer = snapshot_take(product=acme.product, actor=acme.owner, name="After")
    return older, newer


@pytest.mark.parametrize("role", list(Role))
def test_the_diff_lists_each_kind_of_change_once_with_before_and_after(acme, role):
    older, newer = _every_kind_of_change(acme)
    response = _as(acme, role).get(_diff(acme), {"from": older.pk, "to": newer.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert "5 changes." in html
    sections = {
        kind: html[html.index(f'data-testid="diff-{kind}"') :].split("</section>")[0]
        for kind in ("added", "removed", "moved", "rescheduled", "status_changed")
    }
    assert "Arrives" in sections["added"] and "Goes" in sections["removed"]
    assert "Moves" in sections["moved"]
    assert "<del" in sections["moved"] and "Next</del>" in sections["moved"]
    assert "Now</ins>" in sections["moved"]
    assert "1 Jan 2026 – 31 Mar 2026</del>" in sections["rescheduled"]
    assert "1 Feb 2026 – 30 Apr 2026</ins>" in sections["rescheduled"]
    assert "Proposed</del>" in sections["status_changed"]
    assert "In progress</ins>" in sections["status_changed"]
    assert html.count('data-testid="diff-change"') == 5
    assert "Stays" not in html


def test_the_diff_to_now_compares_with_the_roadmap_as_it_is(acme):
    _add(acme, "Old one")
    older = snapshot_take(product=acme.product, actor=acme.owner, name="Before")
    _add(acme, "New one")
    html = _client(acme.owner).get(_diff(acme), {"from": older.pk, "to": "now"}).content.decode()
    assert "the roadmap now" in html and "New one" in html and "1 change." in html


def test_no_change_says_so(acme):
    _add(acme, "Same")
    older = snapshot_take(product=acme.product, actor=acme.owner)
    html = _client(acme.owner).get(_diff(acme), {"from": older.pk, "to": "now"}).content.decode()
    assert 'data-testid="diff-empty"' in html


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "abc", "to": "now"}, "from"),
        ({"from": "99999999", "to": "now"}, "from"),
        ({"to": "now"}, "from"),
        ({"from": "SELF", "to": "SELF"}, "to"),
        ({"from": "SELF", "to": "x" * 5000}, "to"),
    ],
)
def test_bad_diff_parameters_show_an_error_naming_the_field(acme, params, field):
    snapshot = snapshot_take(product=acme.product, actor=acme.owner)
    params = {k: str(snapshot.pk) if v == "SELF" else v for k, v in params.items()}
    response = _client(acme.owner).get(_diff(acme), params)
    assert response.status_code == 200
    assert f'data-field-error="{field}"' in response.content.decode()


def test_another_products_snapshot_cannot_be_compared(acme):
    other = make_tenant("Other")
    theirs = snapshot_take(product=other.product, actor=other.owner, name="Secret plan")
    mine = snapshot_take(product=acme.product, actor=acme.owner)
    response = _client(acme.owner).get(_diff(acme), {"from": theirs.pk, "to": mine.pk})
    assert 'data-field-error="from"' in response.content.decode()
    assert "Secret plan" not in response.content.decode()


def test_the_diff_reads_a_fixed_number_of_queries(acme):
    older, _ = _every_kind_of_change(acme)
    client = _client(acme.owner)
    params = {"from": older.pk, "to": "now"}
    client.get(_diff(acme), params)
    with CaptureQueriesContext(connection) as few:
        client.get(_diff(acme), params)
    for n in range(20):
        _add(acme, f"Extra {n}")
    with CaptureQueriesContext(connection) as many:
        client.get(_diff(acme), params)
    assert len(many.captured_queries) == len(few.captured_queries)
