"""Role and isolation cases of the backlog's grooming (see tests/backlog/cases/__init__.py)."""

from __future__ import annotations

from backlog.models import SavedView
from backlog.services.fields import saved_view_create
from pmhub.capabilities import Action
from pmhub.models import AuditEvent
from tests.role_matrix import Request
from tests.tenancy_walk import Cases, Foreign, Lands, Rows

API_CASES: list[Request] = []

# === The backlog list (backlog/views/backlog_list.py, item_inline.py) ============================
# The index of backlogs, a product's list, quick add, a row and its inline edit, moves, the bulk
# bar, "apply score order" and saved views.


def _list_slug(t):
    return {"slug": t.product.slug}


def _list_row(pick):
    """Page kwargs of a row of the team's sample backlog (``pick(sample)``)."""
    return lambda t: {"slug": t.product.slug, "pk": pick(t.backlog).pk}


def _inline_body(t):
    """A valid inline edit of the bug (the form's fields carry the item's prefix)."""
    prefix = f"item-{t.backlog.bug.pk}"
    return {f"{prefix}-title": "matrix bug", f"{prefix}-status": "new", f"{prefix}-estimate": "2"}


def _own_view(t):
    """A view of the actor's own to delete (only its owner may; every role may own views)."""
    view = saved_view_create(product=t.product, actor=t.actor, name="matrix mine", query="")
    return {"slug": t.product.slug, "pk": view.pk}


def _first(t):
    return t.product.items.order_by("rank").first()


PAGE_CASES: list[Request] = [
    Request("backlog:index", "get", Action.BACKLOG_VIEW),
    Request("backlog:list", "get", Action.BACKLOG_VIEW, _list_slug),
    Request(
        "backlog:item-create",
        "post",
        Action.BACKLOG_EDIT,
        _list_slug,
        body=lambda t: {"title": "matrix item", "kind": "bug"},
        done=lambda t: t.product.items.filter(title="matrix item").exists(),
    ),
    Request("backlog:item-row", "get", Action.BACKLOG_VIEW, _list_row(lambda s: s.story)),
    Request("backlog:item-inline", "get", Action.BACKLOG_EDIT, _list_row(lambda s: s.bug)),
    Request(
        "backlog:item-inline",
        "post",
        Action.BACKLOG_EDIT,
        _list_row(lambda s: s.bug),
        body=_inline_body,
        done=lambda t: t.product.items.filter(pk=t.backlog.bug.pk, title="matrix bug").exists(),
    ),
    Request(
        "backlog:item-move",
        "post",
        Action.BACKLOG_EDIT,
        _list_row(lambda s: s.bug),
        body=lambda t: {"position": "top"},
        done=lambda t: _first(t).pk == t.backlog.bug.pk,
    ),
    Request(
        "backlog:bulk",
        "post",
        Action.BACKLOG_EDIT,
        _list_slug,
        body=lambda t: {
            "items": [t.backlog.bug.pk, t.backlog.feature.pk],
            "action": "sprint",
            "sprint": t.backlog.next_sprint.pk,
        },
        done=lambda t: t.product.items.filter(sprint=t.backlog.next_sprint).count() == 2,
    ),
    Request(
        "backlog:score-order",
        "post",
        Action.BACKLOG_EDIT,
        _list_slug,
        done=lambda t: AuditEvent.objects.filter(
            workspace=t.workspace, action="backlog.score_order_applied"
        ).exists(),
    ),
    Request(
        "backlog:saved-view-create",
        "post",
        Action.BACKLOG_VIEW,
        _list_slug,
        body=lambda t: {"name": "matrix view", "query": "kind=bug&sort=score"},
        done=lambda t: SavedView.objects.filter(
            product=t.product, owner=t.actor, name="matrix view", query="kind=bug&sort=score"
        ).exists(),
    ),
    Request(
        "backlog:saved-view-delete",
        "post",
        Action.BACKLOG_VIEW,
        _own_view,
        done=lambda t: not SavedView.objects.filter(product=t.product, name="matrix mine").exists(),
    ),
]


def _list_b_row(pick, methods, body=lambda w: {}):
    """B's row addressed under B's product and under A's: both are 404s."""
    return (
        Foreign(lambda w: {"slug": w.b.product.slug, "pk": pick(w.b_backlog).pk}, methods, body),
        Foreign(lambda w: {"slug": w.a.product.slug, "pk": pick(w.b_backlog).pk}, methods, body),
    )


def _list_b_slug(w):
    return {"slug": w.b.product.slug}


def _list_a_slug(w):
    return {"slug": w.a.product.slug}


CASES: Cases = {
    "backlog:index": (Rows(lambda w: ["Alpha Product"], lambda w: ["Bravo Product"]),),
    "backlog:list": (
        Foreign(_list_b_slug, ("get",)),
        # The rows, the filter menus (labels, initiatives, releases, sprints) and saved views.
        Rows(
            lambda w: [
                "alpha feature",
                "alpha story",
                "alpha bug",
                "alpha-label",
                "alpha initiative",
                "alpha 1.0",
                "alpha sprint 2",
                "alpha bugs",
            ],
            lambda w: ["bravo"],
            _list_a_slug,
        ),
    ),
    "backlog:item-create": (
        Foreign(_list_b_slug, ("post",), lambda w: {"title": "planted", "kind": "bug"}),
        Lands(
            "post",
            lambda w: {"title": "landed", "kind": "bug"},
            lambda w: w.a.product.items.filter(title="landed").exists(),
            _list_a_slug,
        ),
    ),
    "backlog:item-row": _list_b_row(lambda s: s.story, ("get",)),
    "backlog:item-inline": _list_b_row(
        lambda s: s.bug, ("get", "post"), lambda w: {f"item-{w.b_backlog.bug.pk}-title": "planted"}
    ),
    "backlog:item-move": _list_b_row(lambda s: s.bug, ("post",), lambda w: {"position": "top"}),
    "backlog:bulk": (
        Foreign(
            _list_b_slug,
            ("post",),
            lambda w: {"items": [w.b_backlog.bug.pk], "action": "status", "status": "wont_do"},
        ),
    ),
    "backlog:score-order": (Foreign(_list_b_slug, ("post",)),),
    "backlog:saved-view-create": (
        Foreign(_list_b_slug, ("post",), lambda w: {"name": "planted", "query": ""}),
        Lands(
            "post",
            lambda w: {"name": "landed", "query": "kind=bug"},
            lambda w: SavedView.objects.filter(product=w.a.product, name="landed").exists(),
            _list_a_slug,
        ),
    ),
    "backlog:saved-view-delete": _list_b_row(lambda s: s.view, ("post",)),
}

# === End of the backlog list's cases ==============================================================


# === Items, settings, custom fields, labels and the quadrant =====================================
# (backlog/views/items.py, settings.py, quadrant.py; the list page's cases are above.)

from backlog.models import BacklogSettings, CustomField, Item, Label  # noqa: E402
from pmhub.capabilities import Action  # noqa: E402
from tests.tenancy_walk import Foreign, Lands, Rows  # noqa: E402


def _row_of(pick):
    """Page kwargs of a row of the team's sample backlog (``pick(sample)``)."""
    return lambda t: {"slug": t.product.slug, "pk": pick(t.backlog).pk}


def _slug(t):
    return {"slug": t.product.slug}


def _item_done(t, **lookup):
    return Item.objects.filter(product=t.product, **lookup).exists()


PAGE_CASES += [
    Request("backlog:item", "get", Action.BACKLOG_VIEW, _row_of(lambda s: s.story)),
    Request("backlog:item-edit", "get", Action.BACKLOG_EDIT, _row_of(lambda s: s.bug)),
    Request(
        "backlog:item-edit",
        "post",
        Action.BACKLOG_EDIT,
        _row_of(lambda s: s.bug),
        body=lambda t: {"kind": "bug", "title": "matrix bug", "status": "new"},
        done=lambda t: _item_done(t, title="matrix bug"),
    ),
    Request(
        "backlog:item-delete",
        "post",
        Action.BACKLOG_EDIT,
        _row_of(lambda s: s.bug),
        done=lambda t: not _item_done(t, pk=t.backlog.bug.pk),
    ),
    Request(
        "backlog:item-status",
        "post",
        Action.BACKLOG_EDIT,
        _row_of(lambda s: s.bug),
        body=lambda t: {"status": "in_progress"},
        done=lambda t: _item_done(t, pk=t.backlog.bug.pk, status="in_progress"),
    ),
    Request(
        "backlog:item-acceptance",
        "post",
        Action.BACKLOG_EDIT,
        _row_of(lambda s: s.bug),
        body=lambda t: {"acceptance": "matrix check"},
        done=lambda t: _item_done(t, pk=t.backlog.bug.pk, acceptance__0__text="matrix check"),
    ),
    Request(
        "backlog:item-acceptance-tick",
        "post",
        Action.BACKLOG_EDIT,
        lambda t: {"slug": t.product.slug, "pk": t.backlog.story.pk, "index": 0},
        body=lambda t: {"done": "on"},
        done=lambda t: _item_done(t, pk=t.backlog.story.pk, acceptance__0__done=True),
    ),
    Request("backlog:settings", "get", Action.BACKLOG_VIEW, _slug),
    Request(
        "backlog:settings-save",
        "post",
        Action.BACKLOG_CONFIGURE,
        _slug,
        body=lambda t: {"framework": "wsjf", "formula": "", "scale": "fibonacci"},
        done=lambda t: BacklogSettings.objects.filter(product=t.product, framework="wsjf").exists(),
    ),
    Request("backlog:formula-check", "get", Action.BACKLOG_CONFIGURE, _slug),
    Request(
        "backlog:custom-field-create",
        "post",
        Action.BACKLOG_CONFIGURE,
        _slug,
        body=lambda t: {"name": "Matrix", "key": "matrix", "kind": "number"},
        done=lambda t: CustomField.objects.filter(product=t.product, key="matrix").exists(),
    ),
    Request(
        "backlog:custom-field-edit", "get", Action.BACKLOG_CONFIGURE, _row_of(lambda s: s.field)
    ),
    Request(
        "backlog:custom-field-edit",
        "post",
        Action.BACKLOG_CONFIGURE,
        _row_of(lambda s: s.field),
        body=lambda t: {"name": "Renamed"},
        done=lambda t: CustomField.objects.filter(product=t.product, name="Renamed").exists(),
    ),
    Request(
        "backlog:custom-field-delete",
        "post",
        Action.BACKLOG_CONFIGURE,
        _row_of(lambda s: s.field),
        done=lambda t: not CustomField.objects.filter(pk=t.backlog.field.pk).exists(),
    ),
    Request(
        "backlog:label-create",
        "post",
        Action.BACKLOG_CONFIGURE,
        _slug,
        body=lambda t: {"name": "matrix", "colour": "#123456"},
        done=lambda t: Label.objects.filter(product=t.product, name="matrix").exists(),
    ),
    Request("backlog:label-edit", "get", Action.BACKLOG_CONFIGURE, _row_of(lambda s: s.label)),
    Request(
        "backlog:label-edit",
        "post",
        Action.BACKLOG_CONFIGURE,
        _row_of(lambda s: s.label),
        body=lambda t: {"name": "renamed", "colour": "#654321"},
        done=lambda t: Label.objects.filter(product=t.product, name="renamed").exists(),
    ),
    Request(
        "backlog:label-delete",
        "post",
        Action.BACKLOG_CONFIGURE,
        _row_of(lambda s: s.label),
        done=lambda t: not Label.objects.filter(pk=t.backlog.label.pk).exists(),
    ),
    Request("backlog:quadrant", "get", Action.BACKLOG_VIEW, _slug),
]


def _b_row(pick):
    """B's row addressed under B's product, and under A's (both must be 404s)."""
    return (
        lambda w: {"slug": w.b.product.slug, "pk": pick(w.b_backlog).pk},
        lambda w: {"slug": w.a.product.slug, "pk": pick(w.b_backlog).pk},
    )


def _foreign_row(pick, methods, body=lambda w: {}):
    under_b, under_a = _b_row(pick)
    return (Foreign(under_b, methods, body), Foreign(under_a, methods, body))


def _b_slug(w):
    return {"slug": w.b.product.slug}


def _a_slug(w):
    return {"slug": w.a.product.slug}


_PICKERS_OWN = ("alpha-label", "alpha initiative", "alpha feature", "alpha sprint 2")
_PICKERS_B = ("bravo-label", "bravo initiative", "bravo feature", "bravo sprint")

CASES.update(
    {
        "backlog:item": (
            *_foreign_row(lambda s: s.story, ("get",)),
            Rows(
                lambda w: ["alpha story", "alpha can log in", "alpha feature"],
                lambda w: ["bravo"],
                lambda w: {"slug": w.a.product.slug, "pk": w.a_backlog.story.pk},
            ),
        ),
        "backlog:item-edit": (
            *_foreign_row(
                lambda s: s.bug, ("get", "post"), lambda w: {"kind": "bug", "title": "planted"}
            ),
            # The pickers offer A's labels, initiatives, parents and sprints only.
            Rows(
                lambda w: _PICKERS_OWN,
                lambda w: _PICKERS_B,
                lambda w: {"slug": w.a.product.slug, "pk": w.a_backlog.bug.pk},
            ),
        ),
        "backlog:item-delete": _foreign_row(lambda s: s.bug, ("post",)),
        "backlog:item-status": _foreign_row(
            lambda s: s.bug, ("post",), lambda w: {"status": "in_progress"}
        ),
        "backlog:item-acceptance": _foreign_row(
            lambda s: s.story, ("post",), lambda w: {"acceptance": "planted"}
        ),
        "backlog:item-acceptance-tick": (
            Foreign(
                lambda w: {"slug": w.b.product.slug, "pk": w.b_backlog.story.pk, "index": 0},
                ("post",),
                lambda w: {"done": "on"},
            ),
            Foreign(
                lambda w: {"slug": w.a.product.slug, "pk": w.b_backlog.story.pk, "index": 0},
                ("post",),
                lambda w: {"done": "on"},
            ),
        ),
        "backlog:settings": (
            Foreign(_b_slug, ("get",)),
            Rows(
                lambda w: ["alpha-label", "alpha segment"],
                lambda w: ["bravo-label", "bravo segment"],
                _a_slug,
            ),
        ),
        "backlog:settings-save": (
            Foreign(_b_slug, ("post",), lambda w: {"framework": "ice", "scale": "linear"}),
        ),
        "backlog:formula-check": (Foreign(_b_slug, ("get",)),),
        "backlog:custom-field-create": (
            Foreign(_b_slug, ("post",), lambda w: {"name": "P", "key": "planted", "kind": "text"}),
            Lands(
                "post",
                lambda w: {"name": "Landed", "key": "landed", "kind": "text"},
                lambda w: CustomField.objects.filter(product=w.a.product, key="landed").exists(),
                _a_slug,
            ),
        ),
        "backlog:custom-field-edit": _foreign_row(
            lambda s: s.field, ("get", "post"), lambda w: {"name": "planted"}
        ),
        "backlog:custom-field-delete": _foreign_row(lambda s: s.field, ("post",)),
        "backlog:label-create": (
            Foreign(_b_slug, ("post",), lambda w: {"name": "planted", "colour": "#000000"}),
            Lands(
                "post",
                lambda w: {"name": "landed", "colour": "#000000"},
                lambda w: Label.objects.filter(product=w.a.product, name="landed").exists(),
                _a_slug,
            ),
        ),
        "backlog:label-edit": _foreign_row(
            lambda s: s.label, ("get", "post"), lambda w: {"name": "planted", "colour": "#000000"}
        ),
        "backlog:label-delete": _foreign_row(lambda s: s.label, ("post",)),
        "backlog:quadrant": (
            Foreign(_b_slug, ("get",)),
            Rows(lambda w: ["alpha feature", "alpha bug"], lambda w: ["bravo"], _a_slug),
        ),
    }
)
