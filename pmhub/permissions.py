"""DRF permission that reads the capability table.

Each view declares ``capabilities = {"<action name>": Action.X}`` (DRF viewset action names, or
HTTP methods for plain API views). A missing entry is refused: new endpoints fail closed.
"""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from pmhub.capabilities import role_can
from pmhub.models import ApiToken
from pmhub.tenancy import request_membership


class HasCapability(BasePermission):
    message = "Your role does not allow this."

    def has_permission(self, request: Request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        membership = request_membership(request)
        if membership is None:
            return False
        token = request.auth
        if isinstance(token, ApiToken) and token.read_only and request.method not in SAFE_METHODS:
            self.message = "This token is read-only."
            return False
        table = getattr(view, "capabilities", {})
        key = getattr(view, "action", None) or request.method
        action = table.get(key) or table.get(request.method)
        if action is None:
            return False
        # The view reads these instead of resolving the tenant again.
        request.membership = membership  # type: ignore[attr-defined]
        request.workspace = membership.workspace  # type: ignore[attr-defined]
        return role_can(membership.role, action)
