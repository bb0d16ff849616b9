"""The initiatives API: filters, moves, dependencies, refusals that name the field and write
nothing, and a list of a fixed number of queries however big the roadmap."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pmhub import services
from roadmaps.models import Initiative, Release
from roadmaps.services.initiatives import initiative_create
from roadmaps.services.themes import theme_create
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


def _list(tenant, **query: Any) -> Any:
    url = reverse("api:roadmaps:initiative-list", args=[tenant.product.pk])
    return tenant.extra["api"].get(url, query)


def _titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["title"] for row in response.json()["results"]]


def _url(name: str, *args: Any) -> str:
    return reverse(f"api:roadmaps:{name}", args=args)


# --- Reading ------------------------------------------------------------------------------------


def test_list_shows_columns_in_order_with_dependencies_objectives_and_releases(acme):
    plan = _plan(acme)
    rows = _list(acme).json()["results"]
    assert [row["title"] for row in rows] == [
        "acme onboarding revamp",
        "acme billing v2",
        "acme mobile app",
    ]
    now, nxt, _later = rows
    assert now["objectives"] == sorted([plan.objective.pk, plan.company_objective.pk])
    assert now["releases"] == [plan.release.pk] and now["theme"] == plan.theme.pk
    assert nxt["depends_on"] == [plan.now.pk]
    assert now["health"] == "at_risk" and now["owner"] is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "planned"}, ["acme billing v2"]),
        ({"horizon": "later"}, ["acme mobile app"]),
        ({"horizon": "now", "status": "in_progress"}, ["acme onboarding revamp"]),
        ({"horizon": "now", "status": "planned"}, []),
        # Date ranges overlap: "now" runs from day -10 to day 20, "next" from day 30 to day 90.
        ({"from": day(15), "to": day(25)}, ["acme onboarding revamp"]),
        ({"from": day(21), "to": day(29)}, []),
        ({"from": day(20)}, ["acme onboarding revamp", "acme billing v2"]),
        ({"to": day(-10)}, ["acme onboarding revamp"]),
        ({"from": day(-100), "to": day(100)}, ["acme onboarding revamp", "acme billing v2"]),
    ],
    ids=str,
)
def test_list_filters_by_status_horizon_and_date_range_overlap(acme, query, expected):
    assert _titles(_list(acme, **query)) == expected


def test_list_filters_by_objective_and_theme(acme):
    plan = _plan(acme)
    assert _titles(_list(acme, objective=plan.objective.pk)) == ["acme onboarding revamp"]
    assert _titles(_list(acme, objective=plan.company_objective.pk)) == ["acme onboarding revamp"]
    assert _titles(_list(acme, theme=plan.theme.pk)) == ["acme onboarding revamp"]
    other = theme_create(product=acme.product, actor=acme.owner, name="Empty")
    assert _titles(_list(acme, theme=other.pk)) == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "someday"}, "status"),
        ({"horizon": "soon"}, "horizon"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-13-01"}, "to"),
        ({"from": "2027-02-01", "to": "2027-01-01"}, "from"),
        ({"objective": "0"}, "objective"),
        ({"theme": "9" * 30}, "theme"),
        ({"page_size": "-1"}, "page_size"),
    ],
    ids=str,
)
def test_a_bad_filter_is_a_400_naming_it(acme, query, field):
    response = _list(acme, **query)
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {field}


def test_detail_shows_the_same_row_as_the_list(acme):
    plan = _plan(acme)
    detail = acme.extra["api"].get(_url("initiative-detail", plan.now.pk))
    assert detail.status_code == 200
    assert detail.json() == _list(acme, horizon="now").json()["results"][0]


# --- Writing ------------------------------------------------------------------------------------


def test_create_puts_the_initiative_at_the_bottom_of_its_column_with_its_objectives(acme):
    plan = _plan(acme)
    body = {
        "title": "Self-serve SSO",
        "horizon": "now",
        "status": "planned",
        "starts_on": day(1),
        "ends_on": day(5),
        "confidence": 70,
        "owner": acme.owner.pk,
        "theme": plan.theme.pk,
        "objectives": [plan.objective.pk],
    }
    response = acme.extra["api"].post(_url("initiative-list", acme.product.pk), body, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["objectives"] == [plan.objective.pk]
    assert created["owner"] == {"id": acme.owner.pk, "username": acme.owner.username}
    assert _titles(_list(acme, horizon="now")) == ["acme onboarding revamp", "Self-serve SSO"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "x", "starts_on": "2027-02-01", "ends_on": "2027-01-31"}, "ends_on"),
        ({"title": "   "}, "title"),
        ({"title": "x", "horizon": "soon"}, "horizon"),
        ({"title": "x", "confidence": 101}, "confidence"),
        ({"title": "x", "rank": "0"}, "rank"),
        ({"title": "x", "product": 1}, "product"),
        ({"title": 5}, "title"),
        ({"horizon": "now"}, "title"),
        ({"title": "x", "owner": 10**12}, "owner"),
        ({"title": "x", "objectives": "all"}, "objectives"),
    ],
    ids=str,
)
def test_a_bad_create_is_a_400_naming_the_field_and_writes_nothing(acme, body, field):
    before = roadmap_snapshot(acme.workspace)
    response = acme.extra["api"].post(_url("initiative-list", acme.product.pk), body, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()["fields"]) == {field}
    assert roadmap_snapshot(acme.workspace) == before


def test_objectives_of_another_product_refuse_the_whole_create(acme):
    """The initiative and its objectives are written together or not at all."""
    other = services.product_create(workspace=acme.workspace, actor=acme.owner, name="Other")
    theirs = build_roadmap(other, acme.owner, "other").objective
    before = roadmap_snapshot(acme.workspace)
    response = acme.extra["api"].post(
        _url("initiative-list", acme.product.pk),
        {"title": "Half-made", "objectives": [theirs.pk]},
        format="json",
    )
    assert response.status_code == 400 and set(response.json()["fields"]) == {"objectives"}
    assert roadmap_snapshot(acme.workspace) == before


def test_change_ending_before_its_start_is_a_400_naming_ends_on_and_writes_nothing(acme):
    plan = _plan(acme)
    before = roadmap_snapshot(acme.workspace)
    response = acme.extra["api"].patch(
        _url("initiative-detail", plan.now.pk),
        {"ends_on": day(-20), "title": "Renamed too"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"ends_on"}
    assert roadmap_snapshot(acme.workspace) == before


def test_the_horizon_changes_by_a_move_only(acme):
    response = acme.extra["api"].patch(
        _url("initiative-detail", _plan(acme).now.pk), {"horizon": "later"}, format="json"
    )
    assert response.status_code == 400 and set(response.json()["fields"]) == {"horizon"}


def test_change_replaces_objectives_and_clears_dates(acme):
    plan = _plan(acme)
    response = acme.extra["api"].patch(
        _url("initiative-detail", plan.now.pk),
        {"objectives": [], "starts_on": None, "ends_on": None},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["objectives"] == [] and response.json()["starts_on"] is None


# --- Moving -------------------------------------------------------------------------------------


def _column(tenant, horizon: str) -> list[str]:
    return _titles(_list(tenant, horizon=horizon))


def test_move_puts_the_initiative_above_before_in_the_new_column(acme):
    plan = _plan(acme)
    extra = initiative_create(product=acme.product, actor=acme.owner, title="Extra", horizon="now")
    move = acme.extra["api"].post(
        _url("initiative-move", plan.later.pk),
        {"horizon": "now", "before": extra.pk},
        format="json",
    )
    assert move.status_code == 200, move.content
    assert move.json()["horizon"] == "now"
    assert _column(acme, "now") == ["acme onboarding revamp", "acme mobile app", "Extra"]
    assert _column(acme, "later") == []
    # Without ``before``: the bottom of the column.
    acme.extra["api"].post(_url("initiative-move", plan.now.pk), {"horizon": "now"}, format="json")
    assert _column(acme, "now") == ["acme mobile app", "Extra", "acme onboarding revamp"]


def test_move_writes_only_the_moved_row(acme):
    plan = _plan(acme)
    others = list(Initiative.objects.exclude(pk=plan.later.pk).order_by("pk").values())
    acme.extra["api"].post(
        _url("initiative-move", plan.later.pk),
        {"horizon": "next", "before": plan.next.pk},
        format="json",
    )
    assert list(Initiative.objects.exclude(pk=plan.later.pk).order_by("pk").values()) == others


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"horizon": "soon"}, "horizon"),
        ({}, "horizon"),
        ({"horizon": "later", "before": "top"}, "before"),
        ({"horizon": "later", "before": 10**12}, "before"),
        ({"horizon": "now"}, None),  # valid: the control
    ],
    ids=str,
)
def test_a_bad_move_is_a_400_naming_the_field_and_moves_nothing(acme, body, field):
    before = roadmap_snapshot(acme.workspace)
    response = acme.extra["api"].post(
        _url("initiative-move", _plan(acme).next.pk), body, format="json"
    )
    if field is None:
        assert response.status_code == 200
        return
    assert response.status_code == 400 and set(response.json()["fields"]) == {field}
    assert roadmap_snapshot(acme.workspace) == before


def test_moving_above_an_initiative_of_another_column_is_a_400_naming_before(acme):
    plan = _plan(acme)
    before = roadmap_snapshot(acme.workspace)
    response = acme.extra["api"].post(
        _url("initiative-move", plan.later.pk),
        {"horizon": "later", "before": plan.now.pk},
        format="json",
    )
    assert response.status_code == 400 and set(response.json()["fields"]) == {"before"}
    assert roadmap_snapshot(acme.workspace) == before


# --- Dependencies -------------------------------------------------------------------------------


def test_dependencies_are_added_and_removed(acme):
    plan = _plan(acme)
    added = acme.extra["api"].post(
        _url("dependency-list", plan.later.pk), {"depends_on": plan.next.pk}, format="json"
    )
    assert added.status_code == 201 and added.json()["depends_on"] == [plan.next.pk]
    removed = acme.extra["api"].delete(_url("dependency-detail", plan.later.pk, plan.next.pk))
    assert removed.status_code == 204
    assert not plan.later.depends_on.exists()
    again = acme.extra["api"].delete(_url("dependency-detail", plan.later.pk, plan.next.pk))
    assert again.status_code == 404


@pytest.mark.parametrize("who", ["itself", "a direct cycle", "a longer cycle"])
def test_a_dependency_cycle_is_a_400_naming_depends_on_and_writes_nothing(acme, who):
    plan = _plan(acme)  # next depends on now
    if who == "a longer cycle":
        acme.extra["api"].post(
            _url("dependency-list", plan.later.pk), {"depends_on": plan.next.pk}, format="json"
        )
    source, target = {
        "itself": (plan.now, plan.now),
        "a direct cycle": (plan.now, plan.next),
        "a longer cycle": (plan.now, plan.later),  # later → next → now
    }[who]
    before = roadmap_snapshot(acme.workspace)
    response = acme.extra["api"].post(
        _url("dependency-list", source.pk), {"depends_on": target.pk}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"depends_on"}
    assert roadmap_snapshot(acme.workspace) == before


# --- A fixed number of queries ------------------------------------------------------------------


def _grow(tenant, *, initiatives: int, releases: int, dependencies: int) -> None:
    """Add rows in bulk (a roadmap of this size through the services would take minutes):
    ``initiatives`` over the three columns, each serving the plan's objective, ``releases``
    carrying ten initiatives each, and ``dependencies`` between them."""
    plan = _plan(tenant)
    rows = Initiative.objects.bulk_create(
        Initiative(
            product=tenant.product,
            title=f"bulk {n}",
            horizon=("now", "next", "later")[n % 3],
            rank=f"z{n:06d}",
            theme=plan.theme,
            owner=tenant.owner,
        )
        for n in range(initiatives)
    )
    Initiative.objectives.through.objects.bulk_create(
        Initiative.objectives.through(initiative=row, objective=plan.objective) for row in rows
    )
    carried = Release.initiatives.through
    for n in range(releases):
        release = Release.objects.create(
            product=tenant.product, name=f"bulk {n}", target_date=timezone.now().date()
        )
        carried.objects.bulk_create(
            carried(release=release, initiative=row) for row in rows[n * 10 : n * 10 + 10]
        )
    links = [(a, b) for i, a in enumerate(rows) for b in rows[i + 1 : i + 6]][:dependencies]
    Initiative.depends_on.through.objects.bulk_create(
        Initiative.depends_on.through(from_initiative=a, to_initiative=b) for a, b in links
    )
    assert len(links) == dependencies


def _queries(tenant) -> int:
    url = _url("initiative-list", tenant.product.pk)
    client = tenant.extra["api"]
    client.get(url)  # warm up: the token's first use is recorded once
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"page_size": 200})
    assert response.status_code == 200
    return len(queries)


def test_the_initiative_list_reads_the_same_queries_for_a_small_and_a_large_roadmap(db):
    small, large = make_tenant("Small"), make_tenant("Large")
    for tenant in (small, large):
        tenant.extra["plan"] = build_roadmap(tenant.product, tenant.owner, tenant.workspace.name)
        tenant.extra["api"] = api_client(tenant.owner, tenant.workspace)
    _grow(large, initiatives=500, releases=50, dependencies=2000)
    assert Initiative.objects.filter(product=large.product).count() == 503
    page = large.extra["api"].get(_url("initiative-list", large.product.pk), {"page_size": 200})
    assert page.json()["count"] == 503 and len(page.json()["results"]) == 200
    assert sum(len(row["depends_on"]) for row in page.json()["results"]) > 0
    assert _queries(small) == _queries(large)
