"""Role and isolation cases of the backlog's sprints (see tests/backlog/cases/__init__.py): the
kanban board and its moves, the sprints list, a sprint, its form, delete, start, close, notes,
and planning (backlog/views/board.py and sprints.py)."""

from __future__ import annotations

from typing import Any

from backlog.models import Item, Sprint, SprintStatus
from pmhub.capabilities import Action
from tests.role_matrix import Request
from tests.tenancy_walk import Cases, Foreign, Lands, Rows

API_CASES: list[Request] = []


def _slug(t) -> dict[str, Any]:
    return {"slug": t.product.slug}


def _in_sprint(pick):
    """Page kwargs of a sprint of the team's sample backlog (``pick(sample)``)."""
    return lambda t: {"slug": t.product.slug, "pk": pick(t.backlog).pk}


def _sprint(t, pick) -> Sprint:
    return Sprint.objects.get(pk=pick(t.backlog).pk)


def _item(t, pick) -> Item:
    return Item.objects.get(pk=pick(t.backlog).pk)


_SPRINT_BODY = {
    "name": "matrix sprint",
    "goal": "Matrix",
    "starts_on": "2027-01-04",
    "ends_on": "2027-01-15",
    "capacity": "13",
}

PAGE_CASES: list[Request] = [
    # The kanban board: every role reads it; the delivery team moves cards.
    Request("backlog:board", "get", Action.BACKLOG_VIEW, _slug),
    Request(
        "backlog:board-move",
        "post",
        Action.BACKLOG_EDIT,
        lambda t: {"slug": t.product.slug, "pk": t.backlog.story.pk},
        body=lambda t: {"status": "in_progress"},
        done=lambda t: _item(t, lambda s: s.story).status == "in_progress",
    ),
    # Sprints: the list with velocity, one sprint with its burndown, the form.
    Request("backlog:sprints", "get", Action.BACKLOG_VIEW, _slug),
    Request("backlog:sprint", "get", Action.BACKLOG_VIEW, _in_sprint(lambda s: s.sprint)),
    Request("backlog:sprint-create", "get", Action.BACKLOG_EDIT, _slug),
    Request(
        "backlog:sprint-create",
        "post",
        Action.BACKLOG_EDIT,
        _slug,
        body=lambda t: _SPRINT_BODY,
        done=lambda t: Sprint.objects.filter(product=t.product, name="matrix sprint").exists(),
    ),
    Request("backlog:sprint-edit", "get", Action.BACKLOG_EDIT, _in_sprint(lambda s: s.next_sprint)),
    Request(
        "backlog:sprint-edit",
        "post",
        Action.BACKLOG_EDIT,
        _in_sprint(lambda s: s.next_sprint),
        body=lambda t: _SPRINT_BODY,
        done=lambda t: _sprint(t, lambda s: s.next_sprint).name == "matrix sprint",
    ),
    Request(
        "backlog:sprint-delete",
        "post",
        Action.BACKLOG_EDIT,
        _in_sprint(lambda s: s.next_sprint),
        done=lambda t: not Sprint.objects.filter(pk=t.backlog.next_sprint.pk).exists(),
    ),
    # The sample runs an active sprint, so starting the next one is refused by the service for
    # every role the matrix lets through (a redirect that says why, nothing written): this case
    # proves the role gate; tests/backlog/test_pages_sprints.py proves a start.
    Request(
        "backlog:sprint-start", "post", Action.BACKLOG_EDIT, _in_sprint(lambda s: s.next_sprint)
    ),
    Request(
        "backlog:sprint-close",
        "post",
        Action.BACKLOG_EDIT,
        _in_sprint(lambda s: s.sprint),
        body=lambda t: {"move_to": t.backlog.next_sprint.pk},
        done=lambda t: (
            _sprint(t, lambda s: s.sprint).status == SprintStatus.CLOSED
            and _item(t, lambda s: s.story).sprint_id == t.backlog.next_sprint.pk
        ),
    ),
    Request(
        "backlog:sprint-notes",
        "post",
        Action.BACKLOG_EDIT,
        _in_sprint(lambda s: s.sprint),
        body=lambda t: {"review": "matrix review", "actions": "matrix actions"},
        done=lambda t: _sprint(t, lambda s: s.sprint).review == "matrix review",
    ),
    # Planning: every role reads the plan; the delivery team moves items in and out.
    Request("backlog:sprint-plan", "get", Action.BACKLOG_VIEW, _in_sprint(lambda s: s.next_sprint)),
    Request(
        "backlog:sprint-plan-move",
        "post",
        Action.BACKLOG_EDIT,
        lambda t: {
            "slug": t.product.slug,
            "pk": t.backlog.next_sprint.pk,
            "item": t.backlog.bug.pk,
        },
        body=lambda t: {"target": "sprint"},
        done=lambda t: _item(t, lambda s: s.bug).sprint_id == t.backlog.next_sprint.pk,
    ),
]


# --- Isolation ------------------------------------------------------------------------------------


def _a_slug(w) -> dict[str, Any]:
    return {"slug": w.a.product.slug}


def _b_slug(w) -> dict[str, Any]:
    return {"slug": w.b.product.slug}


def _row(tenant, sample, pick, **more):
    """kwargs of a sprint: ``tenant(w)``'s product slug, ``pick(sample(w))``'s pk and ``more``
    (each ``name=(sample, pick)``, a row's pk)."""
    return lambda w: {
        "slug": tenant(w).product.slug,
        "pk": pick(sample(w)).pk,
        **{name: get(source(w)).pk for name, (source, get) in more.items()},
    }


def _a(w):
    return w.a


def _b(w):
    return w.b


def _a_sample(w):
    return w.a_backlog


def _b_sample(w):
    return w.b_backlog


def _alpha(*titles: str):
    return lambda w: [f"alpha {title}" for title in titles]


def _bravo(*titles: str):
    return lambda w: [f"bravo {title}" for title in titles]


_B_SPRINT = _row(_b, _b_sample, lambda s: s.sprint)
_B_SPRINT_IN_A = _row(_a, _b_sample, lambda s: s.sprint)
_B_NEXT = _row(_b, _b_sample, lambda s: s.next_sprint)
_B_NEXT_IN_A = _row(_a, _b_sample, lambda s: s.next_sprint)
_POST = ("post",)
_GET_POST = ("get", "post")


def _b_pairs(kwargs_b, kwargs_b_in_a, methods, body=lambda w: {}) -> tuple[Foreign, Foreign]:
    return Foreign(kwargs_b, methods, body), Foreign(kwargs_b_in_a, methods, body)


CASES: Cases = {
    "backlog:board": (
        Foreign(_b_slug, ("get",)),
        # The active sprint's story shows; none of B's rows, nor B's sprint asked by id.
        Rows(_alpha("story", "sprint 1"), _bravo("story", "sprint 1"), _a_slug),
    ),
    "backlog:board-move": (
        Foreign(
            lambda w: {"slug": w.b.product.slug, "pk": w.b_backlog.story.pk},
            _POST,
            lambda w: {"status": "in_progress"},
        ),
        Foreign(
            lambda w: {"slug": w.a.product.slug, "pk": w.b_backlog.story.pk},
            _POST,
            lambda w: {"status": "in_progress"},
        ),
    ),
    "backlog:sprints": (
        Foreign(_b_slug, ("get",)),
        Rows(_alpha("sprint 1", "sprint 2"), _bravo("sprint 1", "sprint 2"), _a_slug),
    ),
    "backlog:sprint-create": (
        Foreign(_b_slug, _GET_POST, lambda w: _SPRINT_BODY),
        Lands(
            "post",
            lambda w: {**_SPRINT_BODY, "name": "landed"},
            lambda w: Sprint.objects.filter(product=w.a.product, name="landed").exists(),
            _a_slug,
        ),
    ),
    "backlog:sprint": (
        *_b_pairs(_B_SPRINT, _B_SPRINT_IN_A, ("get",)),
        Rows(_alpha("story", "sprint 1"), _bravo("story"), _row(_a, _a_sample, lambda s: s.sprint)),
    ),
    "backlog:sprint-edit": _b_pairs(
        _B_NEXT, _B_NEXT_IN_A, _GET_POST, lambda w: {**_SPRINT_BODY, "name": "taken"}
    ),
    "backlog:sprint-delete": _b_pairs(_B_NEXT, _B_NEXT_IN_A, _POST),
    "backlog:sprint-start": _b_pairs(_B_NEXT, _B_NEXT_IN_A, _POST),
    "backlog:sprint-close": (
        *_b_pairs(_B_SPRINT, _B_SPRINT_IN_A, _POST),
        # B's sprint closed from A into B's planned sprint: still B's sprint, a 404.
        Foreign(_B_SPRINT_IN_A, _POST, lambda w: {"move_to": w.b_backlog.next_sprint.pk}),
    ),
    "backlog:sprint-notes": _b_pairs(
        _B_SPRINT, _B_SPRINT_IN_A, _POST, lambda w: {"review": "planted"}
    ),
    "backlog:sprint-plan": (
        *_b_pairs(_B_NEXT, _B_NEXT_IN_A, ("get",)),
        # The backlog beside A's planned sprint: A's open items outside a sprint, none of B's.
        Rows(
            _alpha("bug", "feature"),
            _bravo("bug", "feature"),
            _row(_a, _a_sample, lambda s: s.next_sprint),
        ),
    ),
    "backlog:sprint-plan-move": (
        # B's sprint and item, through B's slug and through A's.
        Foreign(
            _row(_b, _b_sample, lambda s: s.next_sprint, item=(_b_sample, lambda s: s.bug)),
            _POST,
            lambda w: {"target": "sprint"},
        ),
        Foreign(
            _row(_a, _b_sample, lambda s: s.next_sprint, item=(_b_sample, lambda s: s.bug)),
            _POST,
            lambda w: {"target": "sprint"},
        ),
        # A's sprint with B's item, and B's sprint with A's item: both 404s, nothing moves.
        Foreign(
            _row(_a, _a_sample, lambda s: s.next_sprint, item=(_b_sample, lambda s: s.bug)),
            _POST,
            lambda w: {"target": "sprint"},
        ),
        Foreign(
            _row(_a, _b_sample, lambda s: s.next_sprint, item=(_a_sample, lambda s: s.bug)),
            _POST,
            lambda w: {"target": "sprint"},
        ),
    ),
}
