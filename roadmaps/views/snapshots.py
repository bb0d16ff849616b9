"""HTML pages of roadmap snapshots: a product's snapshots, saving one, and the diff between two
snapshots (or a snapshot and the roadmap as it is now)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from pmhub.capabilities import Action
from pmhub.errors import ApplicationError
from pmhub.forms import add_service_error
from pmhub.models import Product
from pmhub.selectors import product_get
from pmhub.tenancy import WorkspaceHttpRequest, get_scoped_or_404, workspace_view
from roadmaps.models import Horizon, InitiativeStatus, Snapshot
from roadmaps.services.snapshots import (
    NAME_MAX,
    roadmap_state,
    snapshot_delete,
    snapshot_diff,
    snapshot_take,
)

SNAPSHOTS_SHOWN = 100  # newest first; a weekly snapshot makes ~52 a year
NOW = "now"
# The diff page's sections, in order, with what each change's before → after shows.
SECTIONS = (
    ("added", "Added", None),
    ("removed", "Removed", None),
    ("moved", "Moved to another horizon", "horizon"),
    ("rescheduled", "Dates shifted", "dates"),
    ("status_changed", "Status changed", "status"),
)


class SnapshotForm(forms.Form):
    name = forms.CharField(
        required=False,
        max_length=NAME_MAX,
        help_text="e.g. “Before the Q3 planning”. Blank: named by its date.",
    )


class DiffForm(forms.Form):
    """Which two states to compare: ``from`` a snapshot, ``to`` a later one or "now"."""

    to = forms.ChoiceField()

    def __init__(self, *args: Any, snapshots: list[Snapshot], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(s.pk), f"{s} ({s.taken_at:%Y-%m-%d %H:%M})") for s in snapshots]
        self.fields["from"] = forms.ChoiceField(choices=choices, label="From")
        self.fields["to"].choices = [(NOW, "The roadmap now"), *choices]  # type: ignore[attr-defined]
        self.fields["to"].label = "To"
        self.order_fields(["from", "to"])
        self.by_pk = {str(s.pk): s for s in snapshots}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("from") and data.get("from") == data.get("to"):
            self.add_error("to", "Pick another state to compare the snapshot with.")
        return data


def _snapshots(product: Product) -> list[Snapshot]:
    """The product's snapshots, newest first, without their data (one query)."""
    rows = Snapshot.objects.filter(product=product).select_related("taken_by").defer("data")
    return list(rows[:SNAPSHOTS_SHOWN])


@workspace_view(Action.ROADMAP_VIEW)
def snapshot_list(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """A product's snapshots, the "Save a snapshot" form and the pick of two to compare."""
    product = product_get(workspace=request.workspace, slug=slug)
    return _list_page(request, product, SnapshotForm())


def _list_page(request: WorkspaceHttpRequest, product: Product, form: SnapshotForm) -> HttpResponse:
    snapshots = _snapshots(product)
    initial = {"from": snapshots[0].pk, "to": NOW} if snapshots else {}
    context = {
        "product": product,
        "snapshots": snapshots,
        "form": form,
        "diff_form": DiffForm(initial=initial, snapshots=snapshots),
    }
    return render(request, "roadmaps/snapshots.html", context)


@require_POST
@workspace_view(Action.ROADMAP_PLAN)
def snapshot_create(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """Save the product's roadmap as it is now."""
    product = product_get(workspace=request.workspace, slug=slug)
    form = SnapshotForm(request.POST)
    if form.is_valid():
        try:
            snapshot = snapshot_take(
                product=product, actor=request.user, name=form.cleaned_data["name"]
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Snapshot “{snapshot}” saved.")
            return redirect("roadmaps:snapshot-list", slug=product.slug)
    return _list_page(request, product, form)


@require_POST
@workspace_view(Action.ROADMAP_PLAN)
def snapshot_remove(request: WorkspaceHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Delete a snapshot of the product."""
    product = product_get(workspace=request.workspace, slug=slug)
    snapshot = get_scoped_or_404(
        Snapshot.objects.select_related("product", "product__workspace").defer("data"),
        request.workspace,
        product=product,
        pk=pk,
    )
    snapshot_delete(snapshot=snapshot, actor=request.user)
    messages.success(request, f"Snapshot “{snapshot}” deleted.")
    return redirect("roadmaps:snapshot-list", slug=product.slug)


@workspace_view(Action.ROADMAP_VIEW)
def snapshot_compare(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """What changed from one snapshot (``?from=<id>``) to another or to now (``&to=now``),
    grouped by kind of change with each value before → after."""
    product = product_get(workspace=request.workspace, slug=slug)
    snapshots = _snapshots(product)
    form = DiffForm(request.GET or None, snapshots=snapshots)
    context: dict[str, Any] = {"product": product, "diff_form": form}
    if form.is_valid():
        older = _snapshot_data(request, product, form.cleaned_data["from"])
        to = form.cleaned_data["to"]
        newer = roadmap_state(product) if to == NOW else _snapshot_data(request, product, to)
        diff = snapshot_diff(older, newer)
        context |= {
            "older": form.by_pk[form.cleaned_data["from"]],
            "newer": None if to == NOW else form.by_pk[to],
            "diff": diff,
            "change_groups": [  # not "sections": base.html names its navigation so
                {"kind": kind, "title": title, "shows": shows, "changes": _labelled(diff, kind)}
                for kind, title, shows in SECTIONS
            ],
        }
    return render(request, "roadmaps/snapshot_diff.html", context)


def _snapshot_data(request: WorkspaceHttpRequest, product: Product, pk: str) -> dict[str, Any]:
    snapshot = get_scoped_or_404(
        Snapshot.objects.only("data", "product"),
        request.workspace,
        product=product,
        pk=pk,
    )
    return snapshot.data


def _day(value: str | None) -> str:
    return date.fromisoformat(value).strftime("%-d %b %Y") if value else "no date"


def _span(dates: Any) -> str:
    """ "1 Jan 2026 – 31 Mar 2026" from a snapshot's (start, end) ISO dates."""
    start, end = dates
    return f"{_day(start)} – {_day(end)}"


_LABELS = {**dict(Horizon.choices), **dict(InitiativeStatus.choices)}


def _labelled(diff: Any, kind: str) -> list[dict[str, Any]]:
    """Changes of ``kind`` with readable values: labels for horizons and statuses, dates kept."""
    rows = []
    for change in getattr(diff, kind):
        before, after = change.before, change.after
        if kind in ("moved", "status_changed"):
            before, after = _LABELS.get(before, before), _LABELS.get(after, after)
        elif kind == "rescheduled":
            before, after = _span(before), _span(after)
        rows.append({"id": change.id, "title": change.title, "before": before, "after": after})
    return rows
