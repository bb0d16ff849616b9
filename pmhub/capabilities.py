"""The capability table: which role may do what, written once.

The DRF permission class, the HTML view decorator, the templates (``can``) and the
docs/permissions.md table all read ``CAPABILITIES``; later apps add their actions here.
"""

from enum import StrEnum

from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    EDITOR = "editor", "Editor"
    CONTRIBUTOR = "contributor", "Contributor"
    VIEWER = "viewer", "Viewer"


# Higher rank = more power; used to stop anyone granting a role above their own.
ROLE_RANK = {
    Role.VIEWER: 0,
    Role.CONTRIBUTOR: 1,
    Role.EDITOR: 2,
    Role.ADMIN: 3,
    Role.OWNER: 4,
}


class Action(StrEnum):
    WORKSPACE_VIEW = "workspace.view"
    WORKSPACE_CHANGE = "workspace.change"
    MEMBER_VIEW = "member.view"
    MEMBER_INVITE = "member.invite"
    MEMBER_CHANGE_ROLE = "member.change_role"
    MEMBER_REMOVE = "member.remove"
    PRODUCT_VIEW = "product.view"
    PRODUCT_CREATE = "product.create"
    PRODUCT_CHANGE = "product.change"
    PRODUCT_ARCHIVE = "product.archive"
    PRODUCT_DELETE = "product.delete"
    TOKEN_MANAGE = "token.manage"
    ACTIVITY_VIEW = "activity.view"
    EVENT_VIEW = "event.view"
    WRITE_KEY_MANAGE = "write_key.manage"
    METRIC_VIEW = "metric.view"
    METRIC_MANAGE = "metric.manage"
    ROADMAP_VIEW = "roadmap.view"
    ROADMAP_PLAN = "roadmap.plan"
    ROADMAP_SHARE = "roadmap.share"
    LAUNCH_UPDATE = "launch.update"
    BACKLOG_VIEW = "backlog.view"
    BACKLOG_EDIT = "backlog.edit"
    BACKLOG_CONFIGURE = "backlog.configure"


_EVERYONE = frozenset(Role)
_MANAGERS = frozenset({Role.OWNER, Role.ADMIN})
_PLANNERS = _MANAGERS | {Role.EDITOR}
_MAKERS = _PLANNERS | {Role.CONTRIBUTOR}

CAPABILITIES: dict[Action, frozenset[Role]] = {
    Action.WORKSPACE_VIEW: _EVERYONE,
    Action.WORKSPACE_CHANGE: _MANAGERS,
    Action.MEMBER_VIEW: _EVERYONE,
    Action.MEMBER_INVITE: _MANAGERS,
    Action.MEMBER_CHANGE_ROLE: _MANAGERS,
    Action.MEMBER_REMOVE: _MANAGERS,
    Action.PRODUCT_VIEW: _EVERYONE,
    Action.PRODUCT_CREATE: _PLANNERS,
    Action.PRODUCT_CHANGE: _PLANNERS,
    Action.PRODUCT_ARCHIVE: _PLANNERS,
    Action.PRODUCT_DELETE: _MANAGERS,
    # Personal API tokens can write, so viewers (read-only people) don't mint them in the app.
    Action.TOKEN_MANAGE: _MAKERS,
    Action.ACTIVITY_VIEW: _EVERYONE,
    Action.EVENT_VIEW: _EVERYONE,
    # A write key lets anyone who holds it send events into the product's metrics.
    Action.WRITE_KEY_MANAGE: _PLANNERS,
    Action.METRIC_VIEW: _EVERYONE,
    Action.METRIC_MANAGE: _PLANNERS,
    Action.ROADMAP_VIEW: _EVERYONE,
    Action.ROADMAP_PLAN: _PLANNERS,
    # A share link shows the roadmap to anyone holding it, without login.
    Action.ROADMAP_SHARE: _PLANNERS,
    # The delivery team ticks launch checklists and reports health on the work it owns.
    Action.LAUNCH_UPDATE: _MAKERS,
    Action.BACKLOG_VIEW: _EVERYONE,
    # The delivery team grooms: writes and ranks items, plans, starts and closes sprints.
    Action.BACKLOG_EDIT: _MAKERS,
    # How a product prioritizes and estimates changes every score, so it is the PMs' call.
    Action.BACKLOG_CONFIGURE: _PLANNERS,
}

# What each action means, for docs/permissions.md.
DESCRIPTIONS: dict[Action, str] = {
    Action.WORKSPACE_VIEW: "See the workspace and switch to it",
    Action.WORKSPACE_CHANGE: "Rename the workspace",
    Action.MEMBER_VIEW: "List members and their roles",
    Action.MEMBER_INVITE: "Invite people by email, revoke invitations",
    Action.MEMBER_CHANGE_ROLE: "Change a member's role (never above one's own, never one's own)",
    Action.MEMBER_REMOVE: "Remove a member (the last owner stays)",
    Action.PRODUCT_VIEW: "See products, their vision, strategy and activity",
    Action.PRODUCT_CREATE: "Create a product",
    Action.PRODUCT_CHANGE: "Edit a product",
    Action.PRODUCT_ARCHIVE: "Archive or restore a product",
    Action.PRODUCT_DELETE: "Delete a product for good",
    Action.TOKEN_MANAGE: "Create and revoke one's own API tokens",
    Action.ACTIVITY_VIEW: "Read the activity feed (audit trail)",
    Action.EVENT_VIEW: "See the analytics events a product received, and the rejected ones",
    Action.WRITE_KEY_MANAGE: "Create and revoke a product's write keys (event sources)",
    Action.METRIC_VIEW: "See metric definitions, their series and KPI dashboards",
    Action.METRIC_MANAGE: "Define, change and delete a product's metrics",
    Action.ROADMAP_VIEW: (
        "See objectives, key results, the roadmap, releases, snapshots, competitors"
    ),
    Action.ROADMAP_PLAN: (
        "Plan: objectives, key results, initiatives and their order, themes, releases, "
        "snapshots, competitors"
    ),
    Action.ROADMAP_SHARE: "Create and revoke read-only share links of a product's roadmap",
    Action.LAUNCH_UPDATE: "Tick launch checklist items, post health updates",
    Action.BACKLOG_VIEW: (
        "See the backlog, items and their history, the board, sprints, burndown and velocity; "
        "export CSV; save one's own views"
    ),
    Action.BACKLOG_EDIT: (
        "Write, estimate, rank, label and delete items; bulk actions; plan, start and close "
        "sprints; import CSV"
    ),
    Action.BACKLOG_CONFIGURE: (
        "Choose the prioritization framework, formula and estimation scale; WIP limits; "
        "custom fields"
    ),
}


def role_can(role: str | None, action: Action) -> bool:
    """Return whether ``role`` may perform ``action``; unknown actions are refused."""
    if role is None:
        return False
    return role in CAPABILITIES.get(action, frozenset())


class Capabilities:
    """What one role may do, for templates: ``{% if can.PRODUCT_CHANGE %}``."""

    def __init__(self, role: str | None) -> None:
        self.role = role

    def __getitem__(self, name: str) -> bool:
        try:
            return role_can(self.role, Action[name])
        except KeyError:
            raise KeyError(name) from None

    def __contains__(self, name: str) -> bool:
        return name in Action.__members__


def permissions_markdown() -> str:
    """Render the capability table as Markdown (docs/permissions.md embeds it verbatim)."""
    roles = list(Role)
    lines = [
        "| action | what it allows | " + " | ".join(r.label for r in roles) + " |",
        "| --- | --- | " + " | ".join(":-:" for _ in roles) + " |",
    ]
    for action, allowed in CAPABILITIES.items():
        marks = " | ".join("✓" if r in allowed else "·" for r in roles)
        lines.append(f"| `{action.value}` | {DESCRIPTIONS[action]} | {marks} |")
    return "\n".join(lines) + "\n"
