"""The tenant-isolation walker, shared by every app's ``tests/<app>/test_tenancy.py``.

An app's test module builds a ``World`` (two tenants, A "Alpha" and B "Bravo", and someone acting
in A, once as a member of A only and once as an owner of B too), declares ``CASES``, one entry per
named route of the app, and writes short tests that call the checks below:

- ``Foreign``: B's object addressed from A is a 404 for every method, and B is unchanged;
- ``Rows``: a list or page of A shows A's rows and never B's;
- ``Lands``: a write without an id (a create) lands in A, and B is unchanged;
- ``Unscoped``: the route is not tenant-scoped, and ``reason`` says why.

``assert_every_route_has_a_case`` and ``assert_every_api_method_has_a_case`` compare ``CASES`` with
the URL conf, so a new endpoint or page fails until its case is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from pmhub.capabilities import Role
from pmhub.models import Membership, Workspace
from pmhub.tenancy import SESSION_KEY
from tests.factories import Route, Tenant, make_tenant

# --- Two tenants and someone acting in A ---------------------------------------------------------


@dataclass
class World:
    """A and B; ``actor`` owns A (so a permission is never the reason for a 404) and acts there
    through ``api`` (a token of A) and ``html`` (a session switched to A). Apps subclass it."""

    a: Tenant
    b: Tenant
    actor: Any
    api: APIClient
    html: Client


WORLD_PARAMS = ["member_of_a_only", "member_of_a_and_b"]


def two_tenants(*, actor_also_in_b: bool) -> tuple[Tenant, Tenant]:
    """Alpha and Bravo, each with an owner and a product; Alpha's owner is the actor, and an owner
    of Bravo too when ``actor_also_in_b``."""
    a, b = make_tenant("Alpha"), make_tenant("Bravo")
    if actor_also_in_b:
        Membership.objects.create(user=a.owner, workspace=b.workspace, role=Role.OWNER)
    return a, b


def session_client(user: Any, workspace: Workspace) -> Client:
    """A browser logged in as ``user`` whose session acts in ``workspace``."""
    html = Client()
    html.force_login(user)
    session = html.session
    session[SESSION_KEY] = workspace.pk
    session.save()
    return html


# --- The kinds of case ---------------------------------------------------------------------------

Kwargs = Callable[[Any], dict[str, Any]]
NO_KWARGS: Kwargs = lambda w: {}  # noqa: E731


@dataclass(frozen=True)
class Foreign:
    """B's object addressed from A: every method is a 404 and B is unchanged."""

    kwargs: Kwargs
    methods: tuple[str, ...]
    body: Callable[[Any], dict[str, Any]] = lambda w: {}


@dataclass(frozen=True)
class Rows:
    """A list or page of the current workspace (or of A's object): A's markers appear, B's never.

    For the API a marker is a row id (or the object's id for a single object); for a page it is
    text that only that row renders.
    """

    own: Callable[[Any], Iterable[Any]]
    foreign: Callable[[Any], Iterable[Any]]
    kwargs: Kwargs = NO_KWARGS


@dataclass(frozen=True)
class Lands:
    """A write without an id (create, rename the current workspace): it lands in A only."""

    method: str
    body: Callable[[Any], dict[str, Any]]
    landed: Callable[[Any], bool]
    kwargs: Kwargs = NO_KWARGS


@dataclass(frozen=True)
class Unscoped:
    """Not tenant-scoped; ``reason`` says why (and names the test that covers it, if any)."""

    reason: str


Case = Foreign | Rows | Lands | Unscoped
Cases = dict[str, tuple[Case, ...]]


# --- The registry covers the URL conf ------------------------------------------------------------


def assert_every_route_has_a_case(routes: dict[str, Route], cases: Cases) -> None:
    missing = sorted(set(routes) - set(cases))
    stale = sorted(set(cases) - set(routes))
    assert not missing, f"Routes without a tenant-isolation case in CASES: {missing}"
    assert not stale, f"CASES names routes that no longer exist: {stale}"


def assert_every_api_method_has_a_case(routes: dict[str, Route], cases: Cases) -> None:
    """A new method on an existing API route (say PUT) needs its case too."""
    for name, route in routes.items():
        entries = cases.get(name, ())
        if not route.is_api or any(isinstance(c, Unscoped) for c in entries):
            continue
        covered: set[str] = set()
        for case in entries:
            if isinstance(case, Foreign):
                covered |= set(case.methods)
            elif isinstance(case, Rows):
                covered.add("get")
            elif isinstance(case, Lands):
                covered.add(case.method)
        assert route.methods <= covered, f"{name}: no case for {sorted(route.methods - covered)}"


def assert_unscoped_routes_state_why(cases: Cases) -> None:
    for name, entries in cases.items():
        for case in entries:
            if isinstance(case, Unscoped):
                assert len(case.reason) > 10, name


# --- Running the cases ---------------------------------------------------------------------------


def flat(cases: Cases, kind: type) -> list[Any]:
    """pytest params ``(name, case)`` of every case of ``kind``."""
    return [
        pytest.param(name, case, id=f"{name}#{i}")
        for name, entries in cases.items()
        for i, case in enumerate(entries)
        if isinstance(case, kind)
    ]


def send(
    w: World,
    routes: dict[str, Route],
    name: str,
    method: str,
    kwargs: dict[str, Any],
    body: dict[str, Any] | None,
):
    url = reverse(name, kwargs=kwargs)
    if routes[name].is_api:
        if method == "get":
            return w.api.get(url)
        return getattr(w.api, method)(url, body or {}, format="json")
    if method == "get":
        return w.html.get(url)
    return getattr(w.html, method)(url, body or {})


def visible(routes: dict[str, Route], name: str, response) -> set[str] | str:
    """What a response shows: the ids of an API list (or object), the text of a page."""
    if not routes[name].is_api:
        return response.content.decode()
    body = response.json()
    rows = body.get("results", [body])
    return {str(row["id"]) for row in rows}


def check_foreign(
    w: World,
    routes: dict[str, Route],
    name: str,
    case: Foreign,
    *,
    b_snapshot: Callable[[Any], Any],
    hidden: Iterable[str] = ("Bravo Product",),
) -> None:
    """Every method of ``case`` is a 404 that shows none of ``hidden``, and B is unchanged."""
    kwargs = case.kwargs(w)
    for method in case.methods:
        before = b_snapshot(w)
        response = send(w, routes, name, method, kwargs, case.body(w))
        assert response.status_code == 404, f"{method.upper()} {name}: {response.status_code}"
        text = response.content.decode()
        for marker in hidden:
            assert marker not in text, f"{method.upper()} {name} shows {marker!r}"
        assert b_snapshot(w) == before, f"{method.upper()} {name} wrote B"


def check_rows(w: World, routes: dict[str, Route], name: str, case: Rows) -> None:
    response = send(w, routes, name, "get", case.kwargs(w), None)
    assert response.status_code == 200, f"GET {name}: {response.status_code}"
    seen = visible(routes, name, response)
    for marker in case.own(w):
        assert str(marker) in seen, f"{name} does not show A's {marker!r}"
    for marker in case.foreign(w):
        assert str(marker) not in seen, f"{name} shows B's {marker!r}"


def check_lands(
    w: World,
    routes: dict[str, Route],
    name: str,
    case: Lands,
    *,
    b_snapshot: Callable[[Any], Any],
) -> None:
    before = b_snapshot(w)
    response = send(w, routes, name, case.method, case.kwargs(w), case.body(w))
    assert response.status_code in (200, 201, 302), response.content[:500]
    assert case.landed(w), f"{case.method.upper()} {name} did not land in A"
    assert b_snapshot(w) == before
