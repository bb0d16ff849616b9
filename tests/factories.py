"""Test data made through the same services the product uses."""

from __future__ import annotations

import itertools
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from pmhub import services
from pmhub.models import Membership, Product, Workspace
from pmhub.tokens import token_create

_counter = itertools.count(1)
User = get_user_model()


def make_user(username: str | None = None, password: str = "pw-Secret-123"):
    username = username or f"user{next(_counter)}"
    return User.objects.create_user(
        username=username, email=f"{username}@example.com", password=password
    )


def make_member(workspace: Workspace, role: str, username: str | None = None):
    user = make_user(username)
    Membership.objects.create(user=user, workspace=workspace, role=role)
    return user


@dataclass
class Tenant:
    """A workspace with an owner, a product and an open invitation."""

    workspace: Workspace
    owner: object
    product: Product
    extra: dict = field(default_factory=dict)


def make_tenant(name: str) -> Tenant:
    owner = make_user(f"{name.lower()}-owner-{next(_counter)}")
    workspace = services.workspace_create(name=name, owner=owner)
    product = services.product_create(
        workspace=workspace, actor=owner, name=f"{name} Product", description=f"{name}'s product"
    )
    return Tenant(workspace=workspace, owner=owner, product=product)


def api_client(user, workspace: Workspace, *, read_only: bool = False) -> APIClient:
    _, raw = token_create(user=user, workspace=workspace, name="test", read_only=read_only)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def make_invitation(workspace: Workspace, actor, email: str, role: str = "viewer"):
    """An open invitation, made through the service (its email task only runs on commit)."""
    return services.invitation_create(workspace=workspace, actor=actor, email=email, role=role)


def workspace_snapshot(workspace: Workspace) -> dict:
    """Everything a request could change in ``workspace``, to prove a refused one changed nothing.

    Token ``last_used_at`` is left out: authenticating a request legitimately touches it.
    """
    from pmhub.models import ApiToken, AuditEvent, Invitation

    workspace.refresh_from_db()
    return {
        "workspace": (workspace.name, workspace.slug),
        "products": list(Product.objects.filter(workspace=workspace).order_by("pk").values()),
        "members": list(
            Membership.objects.filter(workspace=workspace)
            .order_by("pk")
            .values("pk", "user", "role")
        ),
        "invitations": list(Invitation.objects.filter(workspace=workspace).order_by("pk").values()),
        "tokens": list(
            ApiToken.objects.filter(workspace=workspace)
            .order_by("pk")
            .values("pk", "user", "name", "read_only", "expires_at", "revoked_at")
        ),
        "audit_events": AuditEvent.objects.filter(workspace=workspace).count(),
    }


# --- The URL conf, walked (tenancy and role tests check they cover every route) ----------------

# Later apps' routes are proven by their own tests (tests/<app>/); admin is Django's.
OTHER_APPS = frozenset({"metrics", "roadmaps", "backlog", "stakeholders"})
SKIPPED_NAMESPACES = frozenset({"admin"})


@dataclass(frozen=True)
class Route:
    """A named route of pmhub's URL conf; ``methods`` are what a DRF view dispatches."""

    name: str
    callback: object
    methods: frozenset[str]

    @property
    def is_api(self) -> bool:
        return self.name.startswith("api:")


def _view_of(callback) -> object:
    return getattr(callback, "cls", None) or getattr(callback, "view_class", None) or callback


def _drf_methods(callback) -> frozenset[str]:
    actions = getattr(callback, "actions", None)
    if actions:
        return frozenset(actions)
    cls = getattr(callback, "cls", None)
    if cls is None:
        return frozenset()
    skip = {"head", "options"}
    return frozenset(m for m in cls.http_method_names if m not in skip and hasattr(cls, m))


def pmhub_routes() -> dict[str, Route]:
    """Every named route of the URL conf except admin's and later apps' (unnamed: ``<unnamed>``)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    routes: dict[str, Route] = {}

    def walk(resolver: URLResolver, namespace: str) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace in SKIPPED_NAMESPACES:
                    continue
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry, inner)
            elif isinstance(entry, URLPattern):
                module = getattr(_view_of(entry.callback), "__module__", "") or ""
                if module.split(".")[0] in OTHER_APPS:
                    continue
                name = f"{namespace}{entry.name}" if entry.name else f"<unnamed {entry.pattern}>"
                methods = _drf_methods(entry.callback)
                if name in routes:  # format-suffix twins of a DRF route
                    methods |= routes[name].methods
                routes[name] = Route(name=name, callback=entry.callback, methods=methods)

    walk(get_resolver(), "")
    return routes


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run the real ``manage.py`` in a child process, as an operator's script would."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def app_routes(app: str) -> dict[str, Route]:
    """The named routes whose views live in ``app`` (e.g. ``"metrics"``), for that app's walkers."""
    from django.urls import URLPattern, URLResolver, get_resolver

    routes: dict[str, Route] = {}

    def walk(resolver: URLResolver, namespace: str) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace in SKIPPED_NAMESPACES:
                    continue
                walk(entry, f"{namespace}{entry.namespace}:" if entry.namespace else namespace)
            elif isinstance(entry, URLPattern):
                module = getattr(_view_of(entry.callback), "__module__", "") or ""
                if module.split(".")[0] != app:
                    continue
                name = f"{namespace}{entry.name}" if entry.name else f"<unnamed {entry.pattern}>"
                methods = _drf_methods(entry.callback)
                if name in routes:
                    methods |= routes[name].methods
                routes[name] = Route(name=name, callback=entry.callback, methods=methods)

    walk(get_resolver(), "")
    return routes
