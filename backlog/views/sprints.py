"""HTML pages of sprints: a product's sprints with the velocity chart, one sprint with its items,
burndown chart, start and close, review and retrospective notes, the sprint form, and planning
(the backlog and the sprint side by side; items dragged between them with SortableJS,
static/pmhub/backlog_sprint.js, or moved with their buttons)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from backlog.burndown import Burndown, sprint_burndown, velocity, velocity_average
from backlog.models import CLOSED_STATUSES, Item, Sprint, SprintStatus, Status
from backlog.selectors import product_sprints, search
from backlog.services.items import item_update
from backlog.services.ranking import item_move
from backlog.services.sprints import (
    sprint_close,
    sprint_create,
    sprint_delete,
    sprint_start,
    sprint_update,
)
from pmhub.capabilities import Action, role_can
from pmhub.errors import ApplicationError
from pmhub.forms import add_service_error
from pmhub.models import Product
from pmhub.selectors import product_get
from pmhub.tenancy import WorkspaceHttpRequest, get_scoped_or_404, workspace_view

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PLAN_BODY = "backlog/sprint_plan.html#plan-body"
# The planning page lists this many backlog items at most; the text filter finds the others.
PLAN_LIMIT = 200
# The review and the retrospective's three notes, as the sprint page heads them.
NOTE_SECTIONS = (
    ("review", "Review"),
    ("went_well", "Went well"),
    ("to_improve", "To improve"),
    ("actions", "Actions"),
)
NOTE_FIELDS = tuple(field for field, _ in NOTE_SECTIONS)


# --- Forms: shape only; the sprint services enforce the rules ------------------------------------


class SprintForm(forms.Form):
    name = forms.CharField(max_length=120)
    goal = forms.CharField(
        max_length=500, required=False, help_text="What the team means to achieve, in a sentence."
    )
    starts_on = forms.DateField(label="Starts", widget=DATE_INPUT)
    ends_on = forms.DateField(label="Ends", widget=DATE_INPUT)
    capacity = forms.FloatField(
        required=False,
        label="Capacity (story points)",
        help_text="What the team can take on; planning shows when the sprint goes over it.",
    )

    @classmethod
    def for_sprint(cls, sprint: Sprint, data: Any = None) -> SprintForm:
        initial = {name: getattr(sprint, name) for name in cls.base_fields}
        return cls(data, initial=initial)


class NotesForm(forms.Form):
    review = forms.CharField(
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Sprint review",
        help_text="What was shown and what the stakeholders said. Markdown.",
    )
    went_well = forms.CharField(
        required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 3})
    )
    to_improve = forms.CharField(
        required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 3})
    )
    actions = forms.CharField(
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What the team will do differently next sprint.",
    )


class CloseForm(forms.Form):
    move_to = forms.ModelChoiceField(
        queryset=Sprint.objects.none(),
        required=False,
        empty_label="Back to the backlog",
        label="Unfinished items go",
    )

    def __init__(self, *args: Any, sprint: Sprint, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["move_to"].queryset = Sprint.objects.filter(  # type: ignore[attr-defined]
            product=sprint.product_id, status=SprintStatus.PLANNED
        ).order_by("starts_on", "pk")
        self.fields["move_to"].label_from_instance = lambda s: f"To {s.name}"  # type: ignore[attr-defined]


class PlanMoveForm(forms.Form):
    """Where a planned item goes: into the sprint or back to the backlog, above ``before`` or
    below ``after`` (neither keeps its rank)."""

    target = forms.ChoiceField(choices=[("sprint", "The sprint"), ("backlog", "The backlog")])
    before = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    after = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


# --- Reads ----------------------------------------------------------------------------------------


def _sprint(request: WorkspaceHttpRequest, slug: str, pk: int) -> Sprint:
    """A sprint of the product in the URL (of the request's workspace), else a 404."""
    product = product_get(workspace=request.workspace, slug=slug)
    sprint = get_scoped_or_404(Sprint.objects.all(), request.workspace, product=product, pk=pk)
    sprint.product = product
    return sprint


@dataclass
class SprintRow:
    sprint: Sprint
    committed: float  # recorded at the start; for a planned sprint, what it holds now
    completed: float  # done points (recorded at the close)
    items: int
    over_capacity: bool


def sprint_rows(product: Product) -> list[SprintRow]:
    """The product's sprints (active, planned, then closed) with their points, in one query."""
    sprints = product_sprints(product).annotate(
        item_count=Count("items"),
        open_points=Sum("items__estimate", filter=~Q(items__status__in=CLOSED_STATUSES)),
        done_points=Sum("items__estimate", filter=Q(items__status=Status.DONE)),
    )
    rows = []
    for sprint in sprints:
        committed = sprint.committed_points
        if committed is None:
            committed = sprint.open_points or 0.0  # type: ignore[attr-defined]
        completed = sprint.completed_points
        if completed is None:
            completed = sprint.done_points or 0.0  # type: ignore[attr-defined]
        rows.append(
            SprintRow(
                sprint=sprint,
                committed=committed,
                completed=completed,
                items=sprint.item_count,  # type: ignore[attr-defined]
                over_capacity=sprint.capacity is not None and committed > sprint.capacity,
            )
        )
    return rows


def velocity_chart(product: Product) -> dict[str, Any]:
    """The velocity chart's data: committed and completed points of the last closed sprints."""
    points = velocity(product)
    average = velocity_average(points)
    return {
        "labels": [point.sprint.name for point in points],
        "committed": [point.committed for point in points],
        "completed": [point.completed for point in points],
        "average": round(average, 1) if average is not None else None,
    }


def burndown_chart(burndown: Burndown) -> dict[str, Any]:
    """The burndown chart's data (and the remaining points now, for its summary)."""
    known = [value for value in burndown.remaining if value is not None]
    return {
        "labels": [f"{day:%-d %b}" for day in burndown.days],
        "days": [day.isoformat() for day in burndown.days],
        "remaining": burndown.remaining,
        "ideal": [round(value, 2) for value in burndown.ideal],
        "committed": burndown.committed,
        "scope_added": burndown.scope_added,
        "remaining_now": known[-1] if known else None,
    }


def _points(items: list[Item]) -> tuple[float, float]:
    """Open and done story points of ``items``."""
    open_points = sum(i.estimate or 0 for i in items if i.status not in CLOSED_STATUSES)
    done_points = sum(i.estimate or 0 for i in items if i.status == Status.DONE)
    return float(open_points), float(done_points)


def _render(request: WorkspaceHttpRequest, template: str, context: dict) -> HttpResponse:
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _editor(request: WorkspaceHttpRequest) -> bool:
    return role_can(request.membership.role, Action.BACKLOG_EDIT)


# --- Pages ----------------------------------------------------------------------------------------


@workspace_view(Action.BACKLOG_VIEW)
def sprint_list(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """A product's sprints (active, planned, closed) and the velocity of the last closed ones."""
    product = product_get(workspace=request.workspace, slug=slug)
    rows = sprint_rows(product)
    context = {
        "product": product,
        "active": [r for r in rows if r.sprint.status == SprintStatus.ACTIVE],
        "planned": [r for r in rows if r.sprint.status == SprintStatus.PLANNED],
        "closed": [r for r in rows if r.sprint.status == SprintStatus.CLOSED],
        "velocity": velocity_chart(product),
        "editor": _editor(request),
    }
    return render(request, "backlog/sprints.html", context)


@workspace_view(Action.BACKLOG_VIEW)
def sprint_detail(request: WorkspaceHttpRequest, slug: str, pk: int) -> HttpResponse:
    """A sprint: goal, dates, capacity, its items by status, the burndown, start and close,
    review and retrospective."""
    sprint = _sprint(request, slug, pk)
    return _sprint_page(request, sprint)


def _sprint_page(
    request: WorkspaceHttpRequest,
    sprint: Sprint,
    *,
    close_form: CloseForm | None = None,
    notes_form: NotesForm | None = None,
) -> HttpResponse:
    items = list(Item.objects.filter(sprint=sprint).select_related("assignee").order_by("rank"))
    by_status = [
        (label, [item for item in items if item.status == status])
        for status, label in Status.choices
    ]
    open_points, done_points = _points(items)
    editor = _editor(request)
    context = {
        "product": sprint.product,
        "sprint": sprint,
        "by_status": [(label, group) for label, group in by_status if group],
        "item_count": len(items),
        "open_points": open_points,
        "done_points": done_points,
        "burndown": None,
        "editor": editor,
        "close_form": None,
        "notes": [(field, heading, getattr(sprint, field)) for field, heading in NOTE_SECTIONS],
        "notes_form": notes_form,
        "close_open": close_form is not None,
        "notes_open": notes_form is not None,
    }
    if sprint.status != SprintStatus.PLANNED:
        context["burndown"] = burndown_chart(sprint_burndown(sprint))
    if editor and sprint.status == SprintStatus.ACTIVE:
        context["close_form"] = close_form or CloseForm(sprint=sprint)
    if editor and notes_form is None:
        context["notes_form"] = NotesForm(initial={n: getattr(sprint, n) for n in NOTE_FIELDS})
    return _render(request, "backlog/sprint.html", context)


@workspace_view(Action.BACKLOG_EDIT)
def sprint_create_view(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """Plan a new sprint of the product."""
    return _sprint_form(request, product_get(workspace=request.workspace, slug=slug))


@workspace_view(Action.BACKLOG_EDIT)
def sprint_edit(request: WorkspaceHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Change a sprint's name, goal, dates or capacity."""
    sprint = _sprint(request, slug, pk)
    return _sprint_form(request, sprint.product, sprint)


def _sprint_form(
    request: WorkspaceHttpRequest, product: Product, sprint: Sprint | None = None
) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = SprintForm.for_sprint(sprint, data) if sprint else SprintForm(data)
    if request.method == "POST" and form.is_valid():
        try:
            if sprint is None:
                saved = sprint_create(product=product, actor=request.user, **form.cleaned_data)
            else:
                saved = sprint_update(sprint=sprint, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Sprint “{saved.name}” saved.")
            return redirect("backlog:sprint", slug=product.slug, pk=saved.pk)
    context = {"product": product, "sprint": sprint, "form": form}
    return render(request, "backlog/sprint_form.html", context)


@require_POST
@workspace_view(Action.BACKLOG_EDIT)
def sprint_delete_view(request: WorkspaceHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Delete a planned sprint; its items go back to the backlog."""
    sprint = _sprint(request, slug, pk)
    try:
        sprint_delete(sprint=sprint, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("backlog:sprint", slug=slug, pk=pk)
    messages.success(request, f"Sprint “{sprint.name}” deleted; its items are back in the backlog.")
    return redirect("backlog:sprints", slug=slug)


@require_POST
@workspace_view(Action.BACKLOG_EDIT)
def sprint_start_view(request: WorkspaceHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Start a planned sprint: it commits to the points it holds."""
    sprint = _sprint(request, slug, pk)
    try:
        sprint_start(sprint=sprint, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"“{sprint.name}” started, committed to {sprint.committed_points:g} points.",
        )
    return redirect("backlog:sprint", slug=slug, pk=pk)


@require_POST
@workspace_view(Action.BACKLOG_EDIT)
def sprint_close_view(request: WorkspaceHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Close the active sprint; unfinished items go back to the backlog or to a planned sprint."""
    sprint = _sprint(request, slug, pk)
    form = CloseForm(request.POST, sprint=sprint)
    if form.is_valid():
        move_to = form.cleaned_data["move_to"]
        try:
            sprint_close(sprint=sprint, actor=request.user, move_to=move_to)
        except ApplicationError as error:
            if error.field not in form.fields:
                messages.error(request, error.message)
                return redirect("backlog:sprint", slug=slug, pk=pk)
            add_service_error(form, error)
        else:
            where = move_to.name if move_to else "the backlog"
            messages.success(
                request,
                f"“{sprint.name}” closed with {sprint.completed_points:g} points completed; "
                f"unfinished items went to {where}.",
            )
            return redirect("backlog:sprint", slug=slug, pk=pk)
    return _sprint_page(request, sprint, close_form=form)


@require_POST
@workspace_view(Action.BACKLOG_EDIT)
def sprint_notes(request: WorkspaceHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Save the sprint's review and retrospective (at any time, after it closed too)."""
    sprint = _sprint(request, slug, pk)
    form = NotesForm(request.POST)
    if form.is_valid():
        sprint_update(sprint=sprint, actor=request.user, **form.cleaned_data)
        messages.success(request, "Review and retrospective saved.")
        return redirect(reverse("backlog:sprint", args=[slug, pk]) + "#notes")
    return _sprint_page(request, sprint, notes_form=form)


# --- Planning -------------------------------------------------------------------------------------


def _backlog_items(product: Product, text: str) -> QuerySet[Item]:
    """Items in no sprint and not finished, in rank order, matching ``text``."""
    items = Item.objects.filter(product=product, sprint__isnull=True).exclude(
        status__in=CLOSED_STATUSES
    )
    return search(items, text).select_related("assignee").order_by("rank")


@workspace_view(Action.BACKLOG_VIEW)
def sprint_plan(request: WorkspaceHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Plan a sprint: the backlog and the sprint side by side, with its points against its
    capacity."""
    return _plan(request, _sprint(request, slug, pk))


def _plan(request: WorkspaceHttpRequest, sprint: Sprint) -> HttpResponse:
    text = request.GET.get("q", "").strip()[:200]
    backlog = list(_backlog_items(sprint.product, text)[: PLAN_LIMIT + 1])
    items = list(Item.objects.filter(sprint=sprint).select_related("assignee").order_by("rank"))
    committed, _ = _points(items)
    capacity = sprint.capacity
    context = {
        "product": sprint.product,
        "sprint": sprint,
        "backlog": backlog[:PLAN_LIMIT],
        "backlog_more": len(backlog) > PLAN_LIMIT,
        "plan_limit": PLAN_LIMIT,
        "items": items,
        "q": text,
        "query": urlencode({"q": text}) if text else "",
        "committed": committed,
        "capacity": capacity,
        "over_capacity": capacity is not None and committed > capacity,
        "over_by": committed - capacity if capacity is not None else 0,
        "fill": min(100, round(100 * committed / capacity)) if capacity else 0,
        "editor": _editor(request) and sprint.status != SprintStatus.CLOSED,
    }
    return _render(request, PLAN_BODY if request.htmx else "backlog/sprint_plan.html", context)


@require_POST
@workspace_view(Action.BACKLOG_EDIT)
def sprint_plan_move(request: WorkspaceHttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    """Put an item into the sprint or back to the backlog (and next to ``before``/``after``).

    A move that cannot be made changes nothing and redraws the plan as saved, saying why.
    """
    sprint = _sprint(request, slug, pk)
    moved = get_scoped_or_404(
        Item.objects.all(), request.workspace, product=sprint.product, pk=item
    )
    moved.product = sprint.product
    form = PlanMoveForm(request.POST)
    try:
        if not form.is_valid():
            raise ApplicationError("The move was not understood; the plan is shown as saved.")
        _plan_move(request, sprint, moved, form.cleaned_data)
    except ApplicationError as error:
        messages.error(request, error.message)
    if request.htmx:
        return _plan(request, sprint)
    url = reverse("backlog:sprint-plan", args=[slug, pk])
    query = request.GET.urlencode()
    return redirect(f"{url}?{query}" if query else url)


def _plan_move(request: WorkspaceHttpRequest, sprint: Sprint, item: Item, data: dict) -> None:
    into_sprint = data["target"] == "sprint"
    if not into_sprint and item.sprint_id != sprint.pk:
        raise ApplicationError(f"“{item.title}” is not in {sprint.name}.")
    with transaction.atomic():  # a refused sprint or place leaves the item as it was
        if into_sprint and item.sprint_id != sprint.pk:
            item_update(item=item, actor=request.user, sprint=sprint)
        elif not into_sprint:
            item_update(item=item, actor=request.user, sprint=None)
        before, after = (_neighbour(item, data[side]) for side in ("before", "after"))
        if before is not None:
            item_move(item=item, actor=request.user, before=before)
        elif after is not None:
            item_move(item=item, actor=request.user, after=after)


def _neighbour(item: Item, pk: int | None) -> Item | None:
    if pk is None or pk == item.pk:
        return None
    neighbour = Item.objects.filter(product=item.product_id, pk=pk).first()
    if neighbour is None:
        raise ApplicationError("That item is no longer here; the plan is shown afresh.")
    return neighbour
