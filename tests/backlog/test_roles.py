"""The role matrix of the backlog app: every API route and method and every guarded page, tried
by every role (the machinery is tests/role_matrix.py; the cases live in tests/backlog/cases/).

A role the capability table allows gets a 2xx (or the page's redirect) and the change happens;
any other role gets a 403 and no row of the workspace changes.
"""

from __future__ import annotations

import pytest

from pmhub.capabilities import Action, Role
from tests.backlog.cases import api, grooming, imports, sprints
from tests.backlog.sample_backlog import backlog_snapshot
from tests.backlog.world import build_backlog_team
from tests.factories import app_routes
from tests.role_matrix import (
    assert_api_cases_match_routes,
    assert_page_cases_match_routes,
    check_read_only_token_reads,
    check_read_only_token_refused,
    check_request,
    matrix,
    page_statuses,
)

ROUTES = app_routes("backlog")
AREAS = (api, grooming, sprints, imports)
API_CASES = [case for area in AREAS for case in area.API_CASES]
PAGE_CASES = [case for area in AREAS for case in area.PAGE_CASES]
BACKLOG_ACTIONS = {Action.BACKLOG_VIEW, Action.BACKLOG_EDIT, Action.BACKLOG_CONFIGURE}


def test_every_backlog_action_has_a_request():
    tried = {case.action for case in [*API_CASES, *PAGE_CASES]}
    assert tried >= BACKLOG_ACTIONS, f"Actions without a case: {BACKLOG_ACTIONS - tried}"


def test_every_api_route_and_method_has_a_case_with_its_declared_action():
    assert_api_cases_match_routes(ROUTES, API_CASES)


def test_every_guarded_page_has_a_case_with_its_declared_action():
    assert_page_cases_match_routes(ROUTES, PAGE_CASES)


@pytest.mark.parametrize(("case", "role"), matrix(API_CASES))
def test_api_request_is_allowed_exactly_for_the_roles_of_its_capability(db, case, role):
    team = build_backlog_team(role)
    check_request(
        team, case, team.api(), allowed_statuses={200, 201, 202, 204}, snapshot=backlog_snapshot
    )


@pytest.mark.parametrize(("case", "role"), matrix(PAGE_CASES))
def test_page_request_is_allowed_exactly_for_the_roles_of_its_capability(db, case, role):
    team = build_backlog_team(role)
    check_request(
        team, case, team.page(), allowed_statuses=page_statuses(case), snapshot=backlog_snapshot
    )


@pytest.mark.parametrize("case", [c for c in API_CASES if c.method != "get"], ids=str)
def test_read_only_token_is_refused_every_write(db, case):
    check_read_only_token_refused(build_backlog_team(Role.OWNER), case, snapshot=backlog_snapshot)


def test_read_only_token_still_reads(db):
    check_read_only_token_reads(build_backlog_team(Role.OWNER), API_CASES)
