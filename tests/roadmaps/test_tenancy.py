"""Tenant isolation of the roadmaps app: a member of workspace A never reads, changes or learns
of B's objectives, initiatives, releases, snapshots, share links or competitors (the machinery is
tests/tenancy_walk.py).

``CASES`` holds, for every named route of ``app_routes("roadmaps")``, how isolation is proven
there: B's object addressed by id or slug (or under A's parent) is a 404 for every method and B
is unchanged; a list or page shows A's rows and never B's; a create lands in A; or a one-line
reason why the route is not tenant-scoped. Both tenants hold the same roadmap
(``tests/roadmaps/sample_roadmap.py``), titled "alpha …" and "bravo …". Append new routes' cases
to ``CASES``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from roadmaps.models import Objective
from tests.factories import api_client, app_routes
from tests.roadmaps.sample_roadmap import SampleRoadmap, build_roadmap, roadmap_snapshot
from tests.tenancy_walk import (
    WORLD_PARAMS,
    Cases,
    Foreign,
    Lands,
    Rows,
    World,
    assert_every_api_method_has_a_case,
    assert_every_route_has_a_case,
    assert_unscoped_routes_state_why,
    check_foreign,
    check_lands,
    check_rows,
    flat,
    session_client,
    two_tenants,
)

ROUTES = app_routes("roadmaps")

# --- Two tenants with a roadmap each -------------------------------------------------------------


@dataclass
class RoadmapWorld(World):
    a_plan: SampleRoadmap
    b_plan: SampleRoadmap


def build_world(*, actor_also_in_b: bool) -> RoadmapWorld:
    a, b = two_tenants(actor_also_in_b=actor_also_in_b)
    return RoadmapWorld(
        a=a,
        b=b,
        actor=a.owner,
        a_plan=build_roadmap(a.product, a.owner, "alpha"),
        b_plan=build_roadmap(b.product, b.owner, "bravo"),
        api=api_client(a.owner, a.workspace),
        html=session_client(a.owner, a.workspace),
    )


@pytest.fixture(params=WORLD_PARAMS)
def world(request, db) -> RoadmapWorld:
    return build_world(actor_also_in_b=request.param == "member_of_a_and_b")


def _b_snapshot(w: RoadmapWorld) -> dict[str, Any]:
    return roadmap_snapshot(w.b.workspace)


# What a 404 must never show of B.
HIDDEN = ("Bravo Product", "bravo ")

# --- The cases ----------------------------------------------------------------------------------

W = RoadmapWorld


def _a_product(w: W) -> dict[str, Any]:
    return {"product_pk": w.a.product.pk}


def _b_product(w: W) -> dict[str, Any]:
    return {"product_pk": w.b.product.pk}


def _a_slug(w: W) -> dict[str, Any]:
    return {"slug": w.a.product.slug}


def _b_slug(w: W) -> dict[str, Any]:
    return {"slug": w.b.product.slug}


CASES: Cases = {}


# --- API: the same proof for every endpoint under /api/v1/ (ids in bodies: tests below) ---------


def _ids(rows) -> Any:
    """Markers of an API list: the ids ``rows(plan)`` of A's (or B's) roadmap."""
    return lambda plan: [row.pk for row in rows(plan)]


def _own(rows) -> Any:
    return lambda w: _ids(rows)(w.a_plan)


def _theirs(rows) -> Any:
    return lambda w: _ids(rows)(w.b_plan)


def _in(kwarg: str, get) -> Any:
    """``{kwarg: <id of get(plan)>}`` for A's plan (``_in_b``: B's)."""
    return lambda w: {kwarg: get(w.a_plan).pk}


def _in_b(kwarg: str, get) -> Any:
    return lambda w: {kwarg: get(w.b_plan).pk}


_RW = ("get", "patch", "delete")
_QUARTER = {"starts_on": "2027-01-01", "ends_on": "2027-03-31"}

API_ISOLATION: Cases = {
    "api:roadmaps:objective-list": (
        Rows(
            _own(lambda p: [p.objective, p.company_objective]),
            _theirs(lambda p: [p.objective, p.company_objective]),
        ),
        Lands(
            "post",
            lambda w: {"title": "landed", **_QUARTER},
            lambda w: Objective.objects.filter(workspace=w.a.workspace, title="landed").exists(),
        ),
    ),
    "api:roadmaps:objective-detail": (
        Foreign(_in_b("pk", lambda p: p.objective), _RW, lambda w: {"title": "taken"}),
    ),
    "api:roadmaps:key-result-list": (
        Foreign(
            _in_b("objective_pk", lambda p: p.objective),
            ("get", "post"),
            lambda w: {"title": "planted", "start_value": 0, "target_value": 1},
        ),
        Rows(
            _own(lambda p: [p.metric_key_result, p.manual_key_result]),
            _theirs(lambda p: [p.metric_key_result, p.manual_key_result]),
            _in("objective_pk", lambda p: p.objective),
        ),
        Lands(
            "post",
            lambda w: {"title": "landed", "start_value": 0, "target_value": 1},
            lambda w: w.a_plan.objective.key_results.filter(title="landed").exists(),
            _in("objective_pk", lambda p: p.objective),
        ),
    ),
    "api:roadmaps:key-result-detail": (
        Foreign(_in_b("pk", lambda p: p.manual_key_result), _RW, lambda w: {"current_value": 1}),
    ),
    "api:roadmaps:theme-list": (
        Foreign(_b_product, ("get", "post"), lambda w: {"name": "planted"}),
        Rows(_own(lambda p: [p.theme]), _theirs(lambda p: [p.theme]), _a_product),
        Lands(
            "post",
            lambda w: {"name": "landed"},
            lambda w: w.a.product.themes.filter(name="landed").exists(),
            _a_product,
        ),
    ),
    "api:roadmaps:theme-detail": (
        Foreign(_in_b("pk", lambda p: p.theme), _RW, lambda w: {"name": "x"}),
    ),
    "api:roadmaps:initiative-list": (
        Foreign(_b_product, ("get", "post"), lambda w: {"title": "planted"}),
        Rows(
            _own(lambda p: [p.now, p.next, p.later]),
            _theirs(lambda p: [p.now, p.next, p.later]),
            _a_product,
        ),
        Lands(
            "post",
            lambda w: {"title": "landed", "horizon": "now"},
            lambda w: w.a.product.initiatives.filter(title="landed").exists(),
            _a_product,
        ),
    ),
    "api:roadmaps:initiative-detail": (
        Foreign(_in_b("pk", lambda p: p.now), _RW, lambda w: {"title": "taken"}),
    ),
    "api:roadmaps:initiative-move": (
        Foreign(_in_b("pk", lambda p: p.later), ("post",), lambda w: {"horizon": "now"}),
    ),
    "api:roadmaps:dependency-list": (
        Foreign(
            _in_b("pk", lambda p: p.later), ("post",), lambda w: {"depends_on": w.b_plan.now.pk}
        ),
    ),
    "api:roadmaps:dependency-detail": (
        Foreign(lambda w: {"pk": w.b_plan.next.pk, "depends_on_pk": w.b_plan.now.pk}, ("delete",)),
        # A's initiative naming B's: the dependency must be between rows of the workspace.
        Foreign(lambda w: {"pk": w.a_plan.next.pk, "depends_on_pk": w.b_plan.now.pk}, ("delete",)),
    ),
}
CASES.update(API_ISOLATION)

# --- The registry covers the URL conf ------------------------------------------------------------


def test_every_roadmaps_route_has_an_isolation_case():
    assert_every_route_has_a_case(ROUTES, CASES)


def test_every_api_method_of_a_scoped_route_has_a_case():
    assert_every_api_method_has_a_case(ROUTES, CASES)


def test_unscoped_routes_state_why():
    assert_unscoped_routes_state_why(CASES)


# --- Running the cases ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "case"), flat(CASES, Foreign))
def test_another_workspaces_object_is_404_for_every_method(world, name, case):
    check_foreign(world, ROUTES, name, case, b_snapshot=_b_snapshot, hidden=HIDDEN)


@pytest.mark.parametrize(("name", "case"), flat(CASES, Rows))
def test_lists_and_pages_show_own_rows_and_never_another_workspaces(world, name, case):
    check_rows(world, ROUTES, name, case)


@pytest.mark.parametrize(("name", "case"), flat(CASES, Lands))
def test_writes_without_an_id_land_in_the_current_workspace_only(world, name, case):
    check_lands(world, ROUTES, name, case, b_snapshot=_b_snapshot)


def test_the_sample_roadmaps_are_whole_and_apart(world):
    """Both tenants hold every kind of row, and nothing of one is reachable from the other."""
    for tenant, plan in ((world.a, world.a_plan), (world.b, world.b_plan)):
        snap = roadmap_snapshot(tenant.workspace)
        for kind in (
            "objectives",
            "key_results",
            "themes",
            "initiatives",
            "depends_on",
            "serves",
            "health_updates",
            "releases",
            "carries",
            "checklist",
            "snapshots",
            "share_links",
            "competitors",
            "features",
            "cells",
        ):
            assert snap[kind], f"{tenant.workspace.name} has no {kind}"
        assert plan.next.depends_on.get() == plan.now
