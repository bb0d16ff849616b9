"""Tenant isolation of the backlog app: a member of workspace A never reads, changes or learns of
B's items, labels, fields, sprints, views or imports (the machinery is tests/tenancy_walk.py; the
cases live in tests/backlog/cases/). Both tenants hold the same sample backlog, titled "alpha …"
and "bravo …".
"""

from __future__ import annotations

import pytest

from tests.backlog.cases import api, grooming, imports, sprints
from tests.backlog.sample_backlog import backlog_snapshot
from tests.backlog.world import BacklogWorld, b_snapshot, build_backlog_world
from tests.factories import app_routes
from tests.tenancy_walk import (
    WORLD_PARAMS,
    Cases,
    Foreign,
    Lands,
    Rows,
    assert_every_api_method_has_a_case,
    assert_every_route_has_a_case,
    assert_unscoped_routes_state_why,
    check_foreign,
    check_lands,
    check_rows,
    flat,
)

ROUTES = app_routes("backlog")
CASES: Cases = {}
for area in (api, grooming, sprints, imports):
    assert not set(CASES) & set(area.CASES), "a route has cases in two areas"
    CASES.update(area.CASES)

# What a 404 must never show of B.
HIDDEN = ("Bravo Product", "bravo ")


@pytest.fixture(params=WORLD_PARAMS)
def world(request, db) -> BacklogWorld:
    return build_backlog_world(actor_also_in_b=request.param == "member_of_a_and_b")


def test_every_backlog_route_has_an_isolation_case():
    assert_every_route_has_a_case(ROUTES, CASES)


def test_every_api_method_of_a_scoped_route_has_a_case():
    assert_every_api_method_has_a_case(ROUTES, CASES)


def test_unscoped_routes_state_why():
    assert_unscoped_routes_state_why(CASES)


@pytest.mark.parametrize(("name", "case"), flat(CASES, Foreign))
def test_another_workspaces_object_is_404_for_every_method(world, name, case):
    check_foreign(world, ROUTES, name, case, b_snapshot=b_snapshot, hidden=HIDDEN)


@pytest.mark.parametrize(("name", "case"), flat(CASES, Rows))
def test_lists_and_pages_show_own_rows_and_never_another_workspaces(world, name, case):
    check_rows(world, ROUTES, name, case)


@pytest.mark.parametrize(("name", "case"), flat(CASES, Lands))
def test_writes_without_an_id_land_in_the_current_workspace_only(world, name, case):
    check_lands(world, ROUTES, name, case, b_snapshot=b_snapshot)


def test_the_sample_backlogs_are_whole_and_apart(world):
    """Both tenants hold every kind of row the cases address."""
    for tenant in (world.a, world.b):
        snap = backlog_snapshot(tenant.workspace)
        for kind in (
            "settings",
            "labels",
            "fields",
            "items",
            "item_labels",
            "history",
            "sprints",
            "views",
            "imports",
        ):
            assert snap[kind], f"{tenant.workspace.name} has no {kind}"
