"""The role matrix's machinery, shared by every app's ``tests/<app>/test_roles.py``.

An app's test module declares ``API_CASES`` and ``PAGE_CASES`` (one valid ``Request`` per route,
method and guarded page), builds its team with ``build_team`` (plus its own rows), and writes short
tests that call the checks below:

- ``assert_api_cases_match_routes`` / ``assert_page_cases_match_routes``: the cases are exactly
  the app's API routes and methods (and guarded pages), each with the action its view declares,
  so a new endpoint or page fails until its case is written;
- ``check_request``: a role the capability table allows gets a 2xx (or the page's redirect) and
  the change happens; any other role gets a 403 and nothing changes;
- ``check_read_only_token_refused``: a read-only token gets a 403 on every write.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from metrics.models import Metric, WriteKey
from metrics.services.annotations import annotation_create
from metrics.services.dashboards import dashboard_create, dashboard_tile_add
from metrics.services.experiments import experiment_create, experiment_update
from metrics.services.write_keys import write_key_create
from pmhub import services
from pmhub.capabilities import Action, Role, role_can
from pmhub.models import ApiToken, Invitation, Membership, Product, Workspace
from pmhub.tokens import token_create
from tests.factories import (
    Route,
    api_client,
    make_invitation,
    make_member,
    make_tenant,
    workspace_snapshot,
)

# --- A workspace with one member of every role --------------------------------------------------


@dataclass
class Team:
    """Workspace "Acme": an actor of ``role``, a contributor to manage, products, an invitation."""

    workspace: Workspace
    role: Role
    actor: Any
    owner: Any
    target: Membership  # a contributor, someone any manager may change or remove
    product: Product
    archived_product: Product
    invitation: Invitation
    spare_token: ApiToken  # the actor's own, to read and revoke
    write_key: WriteKey  # of ``product``, to read and revoke
    members: dict[Role, Any] = field(default_factory=dict)

    def api(self, *, read_only: bool = False) -> APIClient:
        return api_client(self.actor, self.workspace, read_only=read_only)

    def page(self) -> Client:
        client = Client()
        client.force_login(self.actor)
        return client


def build_team(role: Role) -> Team:
    """Acme with a member of each role, metrics rows (experiments, a note, a dashboard) and an
    archived product; an app's matrix adds its own rows to ``team.product``."""
    tenant = make_tenant("Acme")
    ws, owner = tenant.workspace, tenant.owner
    members = {Role.OWNER: owner}
    for other in Role:
        if other != Role.OWNER:
            members[other] = make_member(ws, other, username=f"acme-{other.value}")
    target = make_member(ws, Role.CONTRIBUTOR, username="acme-target")
    archived = services.product_create(workspace=ws, actor=owner, name="Old product")
    services.product_set_archived(product=archived, actor=owner, archived=True)
    actor = members[role]
    # A stopped experiment: it can be read, changed, deleted and decided.
    experiment = experiment_create(
        product=tenant.product,
        actor=owner,
        key="checkout",
        name="Checkout test",
        exposure_event="Checkout Viewed",
        conversion_event="Order Completed",
        start=tenant.product.created_at,
        status="running",
    )
    experiment_update(experiment=experiment, actor=owner, status="stopped")
    # A draft one, to start from its page.
    experiment_create(
        product=tenant.product,
        actor=owner,
        key="onboarding",
        name="Onboarding checklist",
        exposure_event="Checklist Viewed",
        conversion_event="Activated",
        start=tenant.product.created_at,
    )
    annotation_create(
        product=tenant.product, actor=owner, day=tenant.product.created_at.date(), text="Launch"
    )
    board = dashboard_create(workspace=ws, actor=owner, name="Growth", product=tenant.product)
    for key in ("dau", "mau"):
        metric = Metric.objects.get(product=tenant.product, key=key)
        dashboard_tile_add(dashboard=board, actor=owner, metric=metric)
    return Team(
        workspace=ws,
        role=role,
        actor=actor,
        owner=owner,
        target=Membership.objects.get(user=target),
        product=tenant.product,
        archived_product=archived,
        invitation=make_invitation(ws, owner, "invitee@acme.example"),
        spare_token=token_create(user=actor, workspace=ws, name="spare")[0],
        write_key=write_key_create(product=tenant.product, actor=owner, name="web")[0],
        members=members,
    )


# --- Requests, one per route and method ----------------------------------------------------------

Build = Callable[[Team], dict[str, Any]]
NOTHING: Build = lambda t: {}  # noqa: E731


@dataclass(frozen=True)
class Request:
    """A valid request for ``action``; ``done`` says what an allowed write must have changed."""

    name: str
    method: str
    action: Action
    kwargs: Build = NOTHING
    body: Build = NOTHING
    done: Callable[[Team], bool] | None = None

    def send(self, client: Client, team: Team):
        url = reverse(self.name, kwargs=self.kwargs(team))
        if self.method == "get":
            return client.get(url)
        if isinstance(client, APIClient):
            return getattr(client, self.method)(url, self.body(team), format="json")
        return getattr(client, self.method)(url, self.body(team))

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.name}"


# --- The cases cover the capability table and the URL conf ---------------------------------------


def api_declared_action(route: Route, method: str) -> Action | None:
    """The action an API route's view needs for ``method``, read as HasCapability reads it."""
    callback: Any = route.callback
    table = getattr(callback.cls, "capabilities", {})
    key = (getattr(callback, "actions", None) or {}).get(method)
    return (table.get(key) if key else None) or table.get(method.upper())


def page_declared_action(route: Route) -> Action | None:
    """The action a page's ``workspace_view`` guard names (found through the decorators)."""
    view: Any = route.callback
    while view is not None:
        if isinstance(inspect.getclosurevars(view).nonlocals.get("action"), Action):
            return inspect.getclosurevars(view).nonlocals["action"]
        view = getattr(view, "__wrapped__", None)
    return None


def assert_api_cases_match_routes(routes: dict[str, Route], cases: Iterable[Request]) -> None:
    """Every API route and method of ``routes`` has exactly one case, with its declared action."""
    in_urlconf = {
        (name, method) for name, route in routes.items() if route.is_api for method in route.methods
    }
    by_key = {(case.name, case.method): case for case in cases}
    assert set(by_key) == in_urlconf, (
        f"missing: {sorted(in_urlconf - set(by_key))}, stale: {sorted(set(by_key) - in_urlconf)}"
    )
    for (name, method), case in by_key.items():
        declared = api_declared_action(routes[name], method)
        assert declared is not None, f"{case}: the view declares no capability (refused to all)"
        assert declared == case.action, (
            f"{case}: the view needs {declared}, the case says {case.action}"
        )


def assert_page_cases_match_routes(routes: dict[str, Route], cases: Iterable[Request]) -> None:
    """Every guarded page of ``routes`` has a case, and each case names the page's action."""
    cases = list(cases)
    guarded = {name for name, route in routes.items() if page_declared_action(route) is not None}
    named = {case.name for case in cases}
    assert guarded == named, (
        f"pages without a case: {sorted(guarded - named)}, stale: {sorted(named - guarded)}"
    )
    for case in cases:
        assert page_declared_action(routes[case.name]) == case.action, str(case)


# --- The matrix -----------------------------------------------------------------------------------

Snapshot = Callable[[Workspace], Any]


def matrix(cases: Iterable[Request]) -> list[Any]:
    """pytest params: every case tried by every role."""
    return [
        pytest.param(case, role, id=f"{case}-{case.action.value}-{role.value}")
        for case in cases
        for role in Role
    ]


def check_request(
    team: Team,
    case: Request,
    client: Client,
    *,
    allowed_statuses: set[int],
    snapshot: Snapshot = workspace_snapshot,
) -> None:
    """Send ``case`` as ``team.actor``: allowed roles get a status of ``allowed_statuses`` and the
    case's change (a read changes nothing); others get a 403 and ``snapshot`` is unchanged."""
    before = snapshot(team.workspace)
    response = case.send(client, team)
    if role_can(team.role, case.action):
        assert response.status_code in allowed_statuses, (
            f"{team.role} may {case.action.value}: {case} answered {response.status_code} "
            f"{response.content[:300]!r}"
        )
        if case.done is not None:
            assert case.done(team), f"{case} by {team.role} answered 2xx but did not do it"
        else:
            assert snapshot(team.workspace) == before, f"{case} is a read, yet it wrote"
    else:
        assert response.status_code == 403, f"{team.role} may not {case.action.value}: {case}"
        assert snapshot(team.workspace) == before, f"refused {case} still wrote"


def page_statuses(case: Request, *, shows_secret: Iterable[str] = ()) -> set[int]:
    """What an allowed page request answers: 200 for a GET (or a POST that shows a new secret
    once, on the page itself), else the redirect after the write."""
    return {200} if case.method == "get" or case.name in set(shows_secret) else {302}


def check_read_only_token_refused(
    team: Team, case: Request, *, snapshot: Snapshot = workspace_snapshot
) -> None:
    """A read-only token gets a 403 naming it on ``case`` (a write) and nothing changes."""
    client = team.api(read_only=True)
    before = snapshot(team.workspace)
    response = case.send(client, team)
    assert response.status_code == 403, f"{case}: {response.status_code}"
    assert response.json()["message"] == "This token is read-only."
    assert snapshot(team.workspace) == before


def check_read_only_token_reads(team: Team, cases: Iterable[Request]) -> None:
    """A read-only token still gets a 200 on every read of ``cases``."""
    client = team.api(read_only=True)
    for case in cases:
        if case.method == "get":
            assert case.send(client, team).status_code == 200, str(case)
