"""The teams and worlds the backlog's role matrix and isolation walker run their cases in."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from pmhub.capabilities import Role
from tests.backlog.sample_backlog import SampleBacklog, backlog_snapshot, make_backlog
from tests.factories import api_client
from tests.role_matrix import Team, build_team
from tests.tenancy_walk import World, session_client, two_tenants


@dataclass
class BacklogTeam(Team):
    """``build_team``'s Acme and ``sample``: the backlog of ``product`` (made by its owner)."""

    sample: SampleBacklog | None = None

    @property
    def backlog(self) -> SampleBacklog:
        assert self.sample is not None
        return self.sample


def build_backlog_team(role: Role) -> BacklogTeam:
    team = build_team(role)
    sample = make_backlog(team.product, team.owner, "acme")
    return BacklogTeam(**{f.name: getattr(team, f.name) for f in fields(Team)}, sample=sample)


@dataclass
class BacklogWorld(World):
    a_backlog: SampleBacklog
    b_backlog: SampleBacklog


def build_backlog_world(*, actor_also_in_b: bool) -> BacklogWorld:
    a, b = two_tenants(actor_also_in_b=actor_also_in_b)
    return BacklogWorld(
        a=a,
        b=b,
        actor=a.owner,
        a_backlog=make_backlog(a.product, a.owner, "alpha"),
        b_backlog=make_backlog(b.product, b.owner, "bravo"),
        api=api_client(a.owner, a.workspace),
        html=session_client(a.owner, a.workspace),
    )


def b_snapshot(w: BacklogWorld) -> dict[str, Any]:
    return backlog_snapshot(w.b.workspace)
