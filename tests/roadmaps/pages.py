"""Shared setup of the planning pages' tests: Acme with a member of every role and a whole
roadmap (``sample_roadmap``), a logged-in client per role, and a query counter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pmhub.capabilities import Role
from tests.roadmaps.sample_roadmap import SampleRoadmap, build_roadmap
from tests.role_matrix import Team, build_team

HTMX = {"HTTP_HX_REQUEST": "true"}
PLANNERS = (Role.OWNER, Role.ADMIN, Role.EDITOR)
NON_PLANNERS = (Role.CONTRIBUTOR, Role.VIEWER)


@dataclass
class Acme:
    team: Team
    plan: SampleRoadmap

    @property
    def product(self):
        return self.team.product

    @property
    def owner(self):
        return self.team.owner

    def client(self, role: Role = Role.OWNER) -> Client:
        client = Client()
        client.force_login(self.team.members[role])
        return client


def build_acme() -> Acme:
    team = build_team(Role.OWNER)
    return Acme(team=team, plan=build_roadmap(team.product, team.owner, "acme"))


def count_queries(request: Callable[[], Any]) -> tuple[int, Any]:
    """How many SQL statements ``request()`` ran, and its response (which must be a 200)."""
    with CaptureQueriesContext(connection) as queries:
        response = request()
    assert response.status_code == 200, response.status_code
    return len(queries), response
