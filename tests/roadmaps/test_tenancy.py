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
