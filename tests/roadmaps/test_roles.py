"""The role matrix of the roadmaps app: every API route and method and every guarded page, tried
by every role (the machinery is tests/role_matrix.py).

``API_CASES`` and ``PAGE_CASES`` hold one valid request per route, method and guarded page of
``app_routes("roadmaps")``; the tests below check they match the URL conf and the capability each
view declares, so a new endpoint or page fails until its case is written. Each request runs
against Acme's product with a whole roadmap (``tests/roadmaps/sample_roadmap.py``): a role the
table allows gets a 2xx (or the page's redirect) and the change happens; any other role gets a 403
and no row of the workspace changes. Append new cases to the lists; keep one case per line group.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import pytest

from pmhub.capabilities import Action, Role
from tests.factories import app_routes
from tests.roadmaps.sample_roadmap import SampleRoadmap, build_roadmap, roadmap_snapshot
from tests.role_matrix import (
    Request,
    Team,
    assert_api_cases_match_routes,
    assert_page_cases_match_routes,
    build_team,
    check_read_only_token_reads,
    check_read_only_token_refused,
    check_request,
    matrix,
    page_statuses,
)

ROUTES = app_routes("roadmaps")
ROADMAP_ACTIONS = {
    Action.ROADMAP_VIEW,
    Action.ROADMAP_PLAN,
    Action.ROADMAP_SHARE,
    Action.LAUNCH_UPDATE,
}


# --- Acme with a roadmap --------------------------------------------------------------------------


@dataclass
class RoadmapTeam(Team):
    """``build_team``'s Acme, and ``plan``: the roadmap of ``product`` (made by its owner)."""

    plan: SampleRoadmap | None = None

    @property
    def roadmap(self) -> SampleRoadmap:
        assert self.plan is not None
        return self.plan


def build_roadmap_team(role: Role) -> RoadmapTeam:
    team = build_team(role)
    plan = build_roadmap(team.product, team.owner, "acme")
    return RoadmapTeam(**{f.name: getattr(team, f.name) for f in fields(Team)}, plan=plan)


# --- Requests -------------------------------------------------------------------------------------

T = RoadmapTeam


def _product_pk(t: T) -> dict[str, Any]:
    return {"product_pk": t.product.pk}


def _slug(t: T) -> dict[str, Any]:
    return {"slug": t.product.slug}


API_CASES: list[Request] = []

PAGE_CASES: list[Request] = []

# Pages whose allowed POST answers with the page itself (a secret shown once), not a redirect.
PAGES_SHOWING_A_SECRET: tuple[str, ...] = ()


# --- The cases cover the capability table and the URL conf ---------------------------------------


def test_every_roadmaps_action_has_a_request():
    tried = {case.action for case in [*API_CASES, *PAGE_CASES]}
    assert tried >= ROADMAP_ACTIONS, f"Actions without a case: {ROADMAP_ACTIONS - tried}"


def test_every_api_route_and_method_has_a_case_with_its_declared_action():
    assert_api_cases_match_routes(ROUTES, API_CASES)


def test_every_guarded_page_has_a_case_with_its_declared_action():
    assert_page_cases_match_routes(ROUTES, PAGE_CASES)


# --- The matrix -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("case", "role"), matrix(API_CASES))
def test_api_request_is_allowed_exactly_for_the_roles_of_its_capability(db, case, role):
    team = build_roadmap_team(role)
    check_request(
        team, case, team.api(), allowed_statuses={200, 201, 204}, snapshot=roadmap_snapshot
    )


@pytest.mark.parametrize(("case", "role"), matrix(PAGE_CASES))
def test_page_request_is_allowed_exactly_for_the_roles_of_its_capability(db, case, role):
    team = build_roadmap_team(role)
    ok = page_statuses(case, shows_secret=PAGES_SHOWING_A_SECRET)
    check_request(team, case, team.page(), allowed_statuses=ok, snapshot=roadmap_snapshot)


@pytest.mark.parametrize("case", [c for c in API_CASES if c.method != "get"], ids=str)
def test_read_only_token_is_refused_every_write(db, case):
    check_read_only_token_refused(build_roadmap_team(Role.OWNER), case, snapshot=roadmap_snapshot)


def test_read_only_token_still_reads(db):
    check_read_only_token_reads(build_roadmap_team(Role.OWNER), API_CASES)
