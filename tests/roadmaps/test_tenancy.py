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

from roadmaps.models import Initiative, Objective
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


def _b(get) -> Any:
    """kwargs naming B's object ``get(b_plan)`` by pk."""
    return lambda w: {"pk": get(w.b_plan).pk}


def _a(get) -> Any:
    return lambda w: {"pk": get(w.a_plan).pk}


def _alpha(*titles: str) -> Any:
    return lambda w: [f"alpha {title}" for title in titles]


def _bravo(*titles: str) -> Any:
    return lambda w: [f"bravo {title}" for title in titles]


_PRODUCT_PAGE = (  # a product's pages: B's slug is a 404, A's shows A's roadmap only
    Foreign(_b_slug, ("get",)),
    Rows(_alpha("onboarding revamp", "billing v2"), _bravo("onboarding revamp"), _a_slug),
)
_POST = ("post",)
_GET_POST = ("get", "post")

CASES: Cases = {
    # Planning pages (roadmaps/views/board, timeline, objectives, initiatives, export).
    "roadmaps:index": (
        Rows(_alpha("onboarding revamp", "billing v2"), _bravo("onboarding revamp", "billing")),
    ),
    "roadmaps:objectives": (
        Rows(
            _alpha("company objective", "activation objective", "NPS"),
            _bravo("company objective", "activation objective", "NPS"),
        ),
    ),
    "roadmaps:product-objectives": (
        Foreign(_b_slug, ("get",)),
        Rows(_alpha("activation objective", "NPS"), _bravo("activation objective"), _a_slug),
    ),
    "roadmaps:board": _PRODUCT_PAGE,
    "roadmaps:timeline": _PRODUCT_PAGE,
    "roadmaps:export-csv": _PRODUCT_PAGE,
    "roadmaps:print": _PRODUCT_PAGE,
    "roadmaps:objective-create": (
        Rows(_alpha("company objective"), _bravo("company objective")),  # parents offered
        Lands(
            "post",
            lambda w: {"title": "landed", "starts_on": "2027-01-01", "ends_on": "2027-03-31"},
            lambda w: Objective.objects.filter(workspace=w.a.workspace, title="landed").exists(),
        ),
    ),
    "roadmaps:objective-edit": (
        Foreign(_b(lambda p: p.company_objective), _GET_POST),
        Rows(_alpha("company objective"), _bravo("company objective"), _a(lambda p: p.objective)),
    ),
    "roadmaps:key-result-create": (
        Foreign(_b(lambda p: p.objective), _GET_POST),
        Rows(lambda w: ["Alpha Product"], lambda w: ["Bravo Product"], _a(lambda p: p.objective)),
    ),
    "roadmaps:key-result-edit": (Foreign(_b(lambda p: p.manual_key_result), _GET_POST),),
    "roadmaps:initiative-create": (
        Foreign(_b_slug, _POST, lambda w: {"title": "landed", "horizon": "now"}),
        Lands(
            "post",
            lambda w: {"title": "landed", "status": "planned", "horizon": "now"},
            lambda w: Initiative.objects.filter(product=w.a.product, title="landed").exists(),
            _a_slug,
        ),
    ),
    "roadmaps:initiative": (
        Foreign(_b(lambda p: p.now), ("get",)),
        # The dependency picker offers A's initiatives only.
        Rows(_alpha("billing v2", "mobile app"), _bravo("billing v2"), _a(lambda p: p.now)),
    ),
    "roadmaps:initiative-edit": (Foreign(_b(lambda p: p.later), _GET_POST),),
    "roadmaps:initiative-move": (
        Foreign(_b(lambda p: p.later), _POST, lambda w: {"horizon": "now"}),
    ),
    "roadmaps:initiative-dates": (
        Foreign(
            _b(lambda p: p.next),
            _POST,
            lambda w: {"starts_on": "2027-01-01", "ends_on": "2027-02-01"},
        ),
    ),
    "roadmaps:dependency-add": (
        Foreign(_b(lambda p: p.later), _POST, lambda w: {"depends_on": w.b_plan.now.pk}),
    ),
    "roadmaps:dependency-remove": (
        Foreign(lambda w: {"pk": w.b_plan.next.pk, "other": w.b_plan.now.pk}, _POST),
        Foreign(lambda w: {"pk": w.a_plan.next.pk, "other": w.b_plan.now.pk}, _POST),
    ),
    "roadmaps:initiative-objectives": (
        Foreign(_b(lambda p: p.later), _POST, lambda w: {"objectives": [w.b_plan.objective.pk]}),
    ),
}


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
