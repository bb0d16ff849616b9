"""Role and isolation cases of the backlog's API (see tests/backlog/cases/__init__.py): one valid
request per route and method under /api/v1/ in ``api:backlog``, and how each route keeps to its
workspace. Ids of another workspace or product in a body are 400s: tests/backlog/test_api_*.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from backlog.models import (
    BacklogSettings,
    CustomField,
    ImportJob,
    Item,
    Label,
    SavedView,
    Sprint,
)
from pmhub.capabilities import Action
from pmhub.models import AuditEvent
from tests.backlog.world import BacklogTeam, BacklogWorld
from tests.role_matrix import Request
from tests.tenancy_walk import Cases, Foreign, Lands, Rows

T = BacklogTeam
W = BacklogWorld
VIEW, EDIT, CONFIGURE = Action.BACKLOG_VIEW, Action.BACKLOG_EDIT, Action.BACKLOG_CONFIGURE


@dataclass(frozen=True)
class Prepared(Request):
    """A request that needs a state the sample backlog lacks (the actor's own saved view, no
    active sprint). ``prepare`` sets it up just before the request with plain ORM writes (no
    audit event) and returns how to undo them; a refused request undoes them, so the
    "nothing changed" check compares like with like."""

    prepare: Callable[[T], Callable[[], None]] = lambda t: lambda: None

    def send(self, client, team):
        undo = self.prepare(team)
        response = super().send(client, team)
        if response.status_code == 403:
            undo()
        return response


def _own_view(t: T) -> Callable[[], None]:
    view = SavedView.objects.create(product=t.product, owner=t.actor, name="mine", query="q=x")
    return lambda: SavedView.objects.filter(pk=view.pk).delete()


def _no_active_sprint(t: T) -> Callable[[], None]:
    sprint = t.backlog.sprint
    Sprint.objects.filter(pk=sprint.pk).update(status="closed", closed_at=timezone.now())
    return lambda: Sprint.objects.filter(pk=sprint.pk).update(
        status=sprint.status, closed_at=sprint.closed_at
    )


def _product_pk(t: T) -> dict[str, Any]:
    return {"product_pk": t.product.pk}


def _pk(attribute: str) -> Callable[[T], dict[str, Any]]:
    """``{"pk": <id of the sample backlog's row named attribute>}``."""
    return lambda t: {"pk": getattr(t.backlog, attribute).pk}


def _fresh(t: T, attribute: str) -> Any:
    row = getattr(t.backlog, attribute)
    return type(row).objects.get(pk=row.pk)


def _gone(attribute: str) -> Callable[[T], bool]:
    def gone(t: T) -> bool:
        row = getattr(t.backlog, attribute)
        return not type(row).objects.filter(pk=row.pk).exists()

    return gone


def _mine(t: T) -> dict[str, Any]:
    return {"pk": SavedView.objects.get(owner=t.actor, name="mine").pk}


def _audited(action: str) -> Callable[[T], bool]:
    return lambda t: AuditEvent.objects.filter(workspace=t.workspace, action=action).exists()


_SPRINT = {"name": "landed", "starts_on": "2027-01-04", "ends_on": "2027-01-15"}

API_CASES: list[Request] = [
    # --- Items
    Request("api:backlog:item-list", "get", VIEW, kwargs=_product_pk),
    Request(
        "api:backlog:item-list",
        "post",
        EDIT,
        kwargs=_product_pk,
        body=lambda t: {"title": "Posted", "kind": "bug", "labels": [t.backlog.label.pk]},
        done=lambda t: Item.objects.filter(product=t.product, title="Posted").exists(),
    ),
    Request("api:backlog:item-detail", "get", VIEW, kwargs=_pk("feature")),
    Request(
        "api:backlog:item-detail",
        "patch",
        EDIT,
        kwargs=_pk("bug"),
        body=lambda t: {"title": "Renamed", "status": "ready"},
        done=lambda t: _fresh(t, "bug").status == "ready",
    ),
    Request("api:backlog:item-detail", "delete", EDIT, kwargs=_pk("bug"), done=_gone("bug")),
    Request(
        "api:backlog:item-move",
        "post",
        EDIT,
        kwargs=_pk("bug"),
        body=lambda t: {"position": "top"},
        done=lambda t: Item.objects.filter(product=t.product).first() == t.backlog.bug,
    ),
    Request("api:backlog:item-history", "get", VIEW, kwargs=_pk("story")),
    Request(
        "api:backlog:item-bulk",
        "post",
        EDIT,
        kwargs=_product_pk,
        body=lambda t: {
            "items": [t.backlog.bug.pk, t.backlog.feature.pk],
            "action": "set",
            "sprint": t.backlog.next_sprint.pk,
        },
        done=lambda t: _fresh(t, "bug").sprint_id == t.backlog.next_sprint.pk,
    ),
    Request(
        "api:backlog:item-score-order",
        "post",
        EDIT,
        kwargs=_product_pk,
        done=_audited("backlog.score_order_applied"),
    ),
    # --- Labels
    Request("api:backlog:label-list", "get", VIEW, kwargs=_product_pk),
    Request(
        "api:backlog:label-list",
        "post",
        EDIT,
        kwargs=_product_pk,
        body=lambda t: {"name": "posted", "colour": "#aa0000"},
        done=lambda t: Label.objects.filter(product=t.product, name="posted").exists(),
    ),
    Request("api:backlog:label-detail", "get", VIEW, kwargs=_pk("label")),
    Request(
        "api:backlog:label-detail",
        "patch",
        EDIT,
        kwargs=_pk("label"),
        body=lambda t: {"colour": "#00aa00"},
        done=lambda t: _fresh(t, "label").colour == "#00aa00",
    ),
    Request("api:backlog:label-detail", "delete", EDIT, kwargs=_pk("label"), done=_gone("label")),
    # --- Custom fields
    Request("api:backlog:custom-field-list", "get", VIEW, kwargs=_product_pk),
    Request(
        "api:backlog:custom-field-list",
        "post",
        CONFIGURE,
        kwargs=_product_pk,
        body=lambda t: {"key": "tier", "name": "Tier", "kind": "select", "options": ["a", "b"]},
        done=lambda t: CustomField.objects.filter(product=t.product, key="tier").exists(),
    ),
    Request("api:backlog:custom-field-detail", "get", VIEW, kwargs=_pk("field")),
    Request(
        "api:backlog:custom-field-detail",
        "patch",
        CONFIGURE,
        kwargs=_pk("field"),
        body=lambda t: {"name": "Segment"},
        done=lambda t: _fresh(t, "field").name == "Segment",
    ),
    Request(
        "api:backlog:custom-field-detail",
        "delete",
        CONFIGURE,
        kwargs=_pk("field"),
        done=_gone("field"),
    ),
    # --- Saved views (anyone who reads the backlog keeps their own)
    Request("api:backlog:saved-view-list", "get", VIEW, kwargs=_product_pk),
    Request(
        "api:backlog:saved-view-list",
        "post",
        VIEW,
        kwargs=_product_pk,
        body=lambda t: {"name": "Mine", "query": "sort=score"},
        done=lambda t: SavedView.objects.filter(owner=t.actor, name="Mine").exists(),
    ),
    Request("api:backlog:saved-view-detail", "get", VIEW, kwargs=_pk("view")),
    Prepared(
        "api:backlog:saved-view-detail",
        "patch",
        VIEW,
        kwargs=_mine,
        body=lambda t: {"shared": True},
        done=lambda t: SavedView.objects.get(owner=t.actor, name="mine").shared,
        prepare=_own_view,
    ),
    Prepared(
        "api:backlog:saved-view-detail",
        "delete",
        VIEW,
        kwargs=_mine,
        done=lambda t: not SavedView.objects.filter(owner=t.actor, name="mine").exists(),
        prepare=_own_view,
    ),
    # --- Sprints
    Request("api:backlog:sprint-list", "get", VIEW, kwargs=_product_pk),
    Request(
        "api:backlog:sprint-list",
        "post",
        EDIT,
        kwargs=_product_pk,
        body=lambda t: {**_SPRINT, "name": "Posted sprint"},
        done=lambda t: Sprint.objects.filter(product=t.product, name="Posted sprint").exists(),
    ),
    Request("api:backlog:sprint-detail", "get", VIEW, kwargs=_pk("sprint")),
    Request(
        "api:backlog:sprint-detail",
        "patch",
        EDIT,
        kwargs=_pk("next_sprint"),
        body=lambda t: {"goal": "Ship it"},
        done=lambda t: _fresh(t, "next_sprint").goal == "Ship it",
    ),
    Request(
        "api:backlog:sprint-detail",
        "delete",
        EDIT,
        kwargs=_pk("next_sprint"),
        done=_gone("next_sprint"),
    ),
    Prepared(
        "api:backlog:sprint-start",
        "post",
        EDIT,
        kwargs=_pk("next_sprint"),
        done=lambda t: _fresh(t, "next_sprint").status == "active",
        prepare=_no_active_sprint,
    ),
    Request(
        "api:backlog:sprint-close",
        "post",
        EDIT,
        kwargs=_pk("sprint"),
        body=lambda t: {"move_to": t.backlog.next_sprint.pk},
        done=lambda t: _fresh(t, "story").sprint_id == t.backlog.next_sprint.pk,
    ),
    # --- Settings
    Request("api:backlog:backlog-settings", "get", VIEW, kwargs=_product_pk),
    Request(
        "api:backlog:backlog-settings",
        "patch",
        CONFIGURE,
        kwargs=_product_pk,
        body=lambda t: {"wip_limits": {"in_progress": 3}},
        done=lambda t: (
            BacklogSettings.objects.get(product=t.product).wip_limits == {"in_progress": 3}
        ),
    ),
    # --- Imports
    Request("api:backlog:import-list", "get", VIEW, kwargs=_product_pk),
    Request(
        "api:backlog:import-list",
        "post",
        EDIT,
        kwargs=_product_pk,
        body=lambda t: {"format": "pmhub", "content": "title,kind\nImported,bug\n"},
        done=lambda t: ImportJob.objects.filter(product=t.product, status="queued").exists(),
    ),
    Request("api:backlog:import-detail", "get", VIEW, kwargs=_pk("job")),
]

PAGE_CASES: list[Request] = []

# --- Isolation ------------------------------------------------------------------------------------


def _a_product(w: W) -> dict[str, Any]:
    return {"product_pk": w.a.product.pk}


def _b_product(w: W) -> dict[str, Any]:
    return {"product_pk": w.b.product.pk}


def _b(attribute: str) -> Callable[[W], dict[str, Any]]:
    """kwargs naming B's sample row ``attribute`` by pk (``_a``: A's)."""
    return lambda w: {"pk": getattr(w.b_backlog, attribute).pk}


def _a(attribute: str) -> Callable[[W], dict[str, Any]]:
    return lambda w: {"pk": getattr(w.a_backlog, attribute).pk}


def _ids(*attributes: str) -> tuple[Callable[[W], list[int]], Callable[[W], list[int]]]:
    """Markers of an API list: the ids of A's rows ``attributes``, and of B's."""
    return (
        lambda w: [getattr(w.a_backlog, name).pk for name in attributes],
        lambda w: [getattr(w.b_backlog, name).pk for name in attributes],
    )


def _history(sample) -> list[int]:
    return list(sample.story.history.values_list("pk", flat=True))


_RW = ("get", "patch", "delete")
_CSV = "title\nplanted\n"

CASES: Cases = {
    "api:backlog:item-list": (
        Foreign(_b_product, ("get", "post"), lambda w: {"title": "planted"}),
        Rows(*_ids("feature", "story", "bug"), _a_product),
        Lands(
            "post",
            lambda w: {"title": "landed"},
            lambda w: w.a.product.items.filter(title="landed").exists(),
            _a_product,
        ),
    ),
    "api:backlog:item-detail": (Foreign(_b("feature"), _RW, lambda w: {"title": "taken"}),),
    "api:backlog:item-move": (Foreign(_b("bug"), ("post",), lambda w: {"position": "top"}),),
    "api:backlog:item-history": (
        Foreign(_b("story"), ("get",)),
        Rows(lambda w: _history(w.a_backlog), lambda w: _history(w.b_backlog), _a("story")),
    ),
    # B's product is a 404; B's item ids under A's product: test_api_items.py (a 400 on items).
    "api:backlog:item-bulk": (
        Foreign(
            _b_product,
            ("post",),
            lambda w: {"items": [w.b_backlog.bug.pk], "action": "set", "status": "ready"},
        ),
    ),
    "api:backlog:item-score-order": (Foreign(_b_product, ("post",)),),
    "api:backlog:label-list": (
        Foreign(_b_product, ("get", "post"), lambda w: {"name": "planted"}),
        Rows(*_ids("label"), _a_product),
        Lands(
            "post",
            lambda w: {"name": "landed"},
            lambda w: w.a.product.labels.filter(name="landed").exists(),
            _a_product,
        ),
    ),
    "api:backlog:label-detail": (Foreign(_b("label"), _RW, lambda w: {"name": "taken"}),),
    "api:backlog:custom-field-list": (
        Foreign(_b_product, ("get", "post"), lambda w: {"key": "x", "name": "x", "kind": "text"}),
        Rows(*_ids("field"), _a_product),
        Lands(
            "post",
            lambda w: {"key": "landed", "name": "Landed", "kind": "number"},
            lambda w: w.a.product.custom_fields.filter(key="landed").exists(),
            _a_product,
        ),
    ),
    "api:backlog:custom-field-detail": (Foreign(_b("field"), _RW, lambda w: {"name": "taken"}),),
    "api:backlog:saved-view-list": (
        Foreign(_b_product, ("get", "post"), lambda w: {"name": "planted"}),
        Rows(*_ids("view"), _a_product),
        Lands(
            "post",
            lambda w: {"name": "landed", "query": "kind=bug"},
            lambda w: w.a.product.saved_views.filter(name="landed").exists(),
            _a_product,
        ),
    ),
    # B's shared view: not visible from A, whoever asks.
    "api:backlog:saved-view-detail": (Foreign(_b("view"), _RW, lambda w: {"name": "taken"}),),
    "api:backlog:sprint-list": (
        Foreign(_b_product, ("get", "post"), lambda w: {**_SPRINT, "name": "planted"}),
        Rows(*_ids("sprint", "next_sprint"), _a_product),
        Lands(
            "post",
            lambda w: _SPRINT,
            lambda w: w.a.product.sprints.filter(name="landed").exists(),
            _a_product,
        ),
    ),
    "api:backlog:sprint-detail": (Foreign(_b("next_sprint"), _RW, lambda w: {"goal": "taken"}),),
    "api:backlog:sprint-start": (Foreign(_b("next_sprint"), ("post",)),),
    "api:backlog:sprint-close": (Foreign(_b("sprint"), ("post",), lambda w: {"move_to": None}),),
    # One object per product, without an id of its own: B's product is a 404 for both methods,
    # and a change through A's lands in A.
    "api:backlog:backlog-settings": (
        Foreign(_b_product, ("get", "patch"), lambda w: {"scale": "linear"}),
        Lands(
            "patch",
            lambda w: {"scale": "linear"},
            lambda w: BacklogSettings.objects.get(product=w.a.product).scale == "linear",
            _a_product,
        ),
    ),
    "api:backlog:import-list": (
        Foreign(_b_product, ("get", "post"), lambda w: {"format": "pmhub", "content": _CSV}),
        Rows(*_ids("job"), _a_product),
        Lands(
            "post",
            lambda w: {"format": "pmhub", "content": _CSV, "filename": "landed.csv"},
            lambda w: w.a.product.imports.filter(filename="landed.csv").exists(),
            _a_product,
        ),
    ),
    "api:backlog:import-detail": (Foreign(_b("job"), ("get",)),),
}
