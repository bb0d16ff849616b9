"""The tenant-scoping layer every app reuses.

A request acts in exactly one workspace: the API token's, or for a browser session the one the
user switched to. Reads go through ``scope()`` / ``get_scoped_or_404()``; an object of another
workspace is a 404, never a 403 that would confirm it exists.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django_htmx.middleware import HtmxDetails

from pmhub.capabilities import Action, Capabilities, role_can
from pmhub.models import ApiToken, Membership, Workspace

if TYPE_CHECKING:
    from rest_framework.request import Request

M = TypeVar("M", bound=Model)

SESSION_KEY = "pmhub_workspace_id"


class WorkspaceHttpRequest(HttpRequest):
    """The request an HTML view guarded by ``workspace_view`` receives."""

    user: User  # type: ignore[assignment]
    workspace: Workspace
    membership: Membership
    htmx: HtmxDetails


def scope(queryset: QuerySet[M], workspace: Workspace) -> QuerySet[M]:
    """Restrict ``queryset`` to ``workspace`` through its model's ``workspace_lookup``."""
    lookup = getattr(queryset.model, "workspace_lookup", None)
    if lookup is None:
        raise TypeError(f"{queryset.model.__name__} declares no workspace_lookup")
    return queryset.filter(**{lookup: workspace.pk})


def get_scoped_or_404(queryset: QuerySet[M], workspace: Workspace, **lookup: Any) -> M:
    """Fetch one object of ``workspace``; any other workspace's object is a 404."""
    try:
        return scope(queryset, workspace).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404(f"No {queryset.model._meta.verbose_name} matches the query.") from None


def user_memberships(request: HttpRequest) -> list[Membership]:
    """Every membership of the request's user with its workspace, by workspace name, in one
    query (memoised on the request): the page's workspace and the switcher's list."""
    if not hasattr(request, "_pmhub_memberships"):
        user = getattr(request, "user", None)
        memberships: list[Membership] = []
        if user is not None and user.is_authenticated:
            memberships = list(
                Membership.objects.select_related("workspace")
                .filter(user=user)  # type: ignore[misc]
                .order_by("workspace__name", "workspace_id")
            )
        request._pmhub_memberships = memberships  # type: ignore[attr-defined]
    return request._pmhub_memberships  # type: ignore[attr-defined]


def session_membership(request: HttpRequest) -> Membership | None:
    """The membership a browser session acts with: the workspace the session chose, else the
    first by name (memoised on the request)."""
    if hasattr(request, "_pmhub_membership"):
        return request._pmhub_membership  # type: ignore[attr-defined]
    memberships = user_memberships(request)
    wanted = request.session.get(SESSION_KEY) if memberships else None
    membership = next((m for m in memberships if m.workspace_id == wanted), None)
    if membership is None and memberships:
        membership = memberships[0]
        request.session[SESSION_KEY] = membership.workspace_id
    request._pmhub_membership = membership  # type: ignore[attr-defined]
    return membership


def request_membership(request: Request | HttpRequest) -> Membership | None:
    """The membership of an API request: the token's, else the session's."""
    auth = getattr(request, "auth", None)
    if isinstance(auth, ApiToken):
        return auth.membership  # type: ignore[attr-defined]  # set by token_authenticate
    return session_membership(getattr(request, "_request", request))


def switch_workspace(request: HttpRequest, workspace_id: int) -> Membership:
    """Make ``workspace_id`` the session's workspace; 404 unless the user is a member."""
    membership = (
        Membership.objects.select_related("workspace")
        .filter(user=request.user, workspace_id=workspace_id)  # type: ignore[misc]
        .first()
    )
    if membership is None:
        raise Http404("No such workspace.")
    request.session[SESSION_KEY] = membership.workspace_id
    request._pmhub_membership = membership  # type: ignore[attr-defined]
    return membership


View = Callable[..., HttpResponse]


def workspace_view(action: Action) -> Callable[[View], View]:
    """Guard an HTML view: login, a current workspace, and ``action`` allowed for the role.

    Sets ``request.workspace`` and ``request.membership`` for the view.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = session_membership(request)
            if membership is None:
                return redirect("workspace-create")
            if not role_can(membership.role, action):
                raise PermissionDenied(f"Your role ({membership.role}) may not {action.value}.")
            request.membership = membership  # type: ignore[attr-defined]
            request.workspace = membership.workspace  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def workspace_context(request: HttpRequest) -> dict[str, Any]:
    """Template context: the current workspace, the user's others, and ``can`` for the role."""
    membership = session_membership(request)
    if membership is None:
        return {"can": Capabilities(None)}
    return {
        "current_membership": membership,
        "current_workspace": membership.workspace,
        "can": Capabilities(membership.role),
        "user_workspaces": [m.workspace for m in user_memberships(request)],
    }


class WorkspaceContextMixin:
    """For DRF views: typed access to what ``HasCapability`` resolved for the request."""

    request: Any

    @property
    def workspace(self) -> Workspace:
        return self.request.workspace  # type: ignore[attr-defined]

    @property
    def membership(self) -> Membership:
        return self.request.membership  # type: ignore[attr-defined]

    @property
    def actor(self) -> User:
        return self.request.user  # type: ignore[return-value]


class WorkspaceScopedMixin(WorkspaceContextMixin):
    """For DRF views: every queryset is scoped to the request's workspace.

    ``get_object`` then 404s for other workspaces' ids. Object ids in URLs are digits only, so a
    huge or malformed id is a 404 from routing, never a database error.
    """

    lookup_value_regex = r"[0-9]{1,18}"
    queryset: QuerySet

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no request
            return self.queryset.none()
        return self.scoped_queryset(self.workspace)

    def scoped_queryset(self, workspace: Workspace) -> QuerySet:
        """The view's rows of ``workspace``; override to read through a selector."""
        return scope(self.queryset.all(), workspace)

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()  # type: ignore[misc]
        context["workspace"] = getattr(self.request, "workspace", None)
        return context
