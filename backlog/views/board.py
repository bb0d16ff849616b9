"""The kanban board of a product's backlog: a column per status, cards in rank order, filtered by
sprint (the active one by default), assignee and label. A card is dragged to another column or
place (SortableJS, static/pmhub/backlog_board.js) or moved with its menu; every move goes through
the workflow (``item_update``) and the ranking (``item_move``) and answers the redrawn
``board-body`` (htmx) or redirects back to the board with its filters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from backlog.models import (
    CLOSED_STATUSES,
    BacklogSettings,
    Item,
    Label,
    Sprint,
    SprintStatus,
    Status,
)
from backlog.selectors import product_sprints, with_labels
from backlog.services.items import TRANSITIONS, item_update
from backlog.services.ranking import item_move
from pmhub.capabilities import Action, role_can
from pmhub.errors import ApplicationError
from pmhub.models import Product
from pmhub.selectors import product_get
from pmhub.tenancy import WorkspaceHttpRequest, get_scoped_or_404, workspace_view

User = get_user_model()
BODY = "backlog/board.html#board-body"
# Without a sprint chosen the board shows open work, and finished work of the last two weeks (so
# a card dropped into Done stays in sight, and old work does not pile up there).
RECENT_DAYS = 14
ALL = "all"


@dataclass
class Column:
    status: str
    label: str
    cards: list[Item]
    count: int  # items of this status in the sprint (or scope), whatever the other filters
    limit: int | None
    moves: list[tuple[str, str]]  # (status, label) a card of this column may go to
    collapsed: bool = False

    @property
    def exceeded(self) -> bool:
        return self.limit is not None and self.count > self.limit


@dataclass
class BoardFilters:
    """What the board shows: a sprint (None: every open item), an assignee, a label."""

    sprint: Sprint | None = None
    sprint_choice: str = ""  # as asked: "" (the default), "all" or a sprint id
    assignee: int | None = None
    label: int | None = None
    sprints: list[Sprint] = field(default_factory=list)

    def query(self) -> str:
        """The filters as a query string (blank when all are defaults)."""
        params = {
            "sprint": self.sprint_choice,
            "assignee": self.assignee or "",
            "label": self.label or "",
        }
        return urlencode({key: value for key, value in params.items() if value})


def _int(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 0 < number < 2**63 else None


def board_filters(product: Product, params: QueryDict) -> BoardFilters:
    """Read the board's filters; an unknown sprint, assignee or label is ignored."""
    sprints = list(product_sprints(product))
    choice = params.get("sprint", "")
    sprint_id = _int(choice)
    sprint = next((s for s in sprints if s.pk == sprint_id), None)
    if sprint is None and choice != ALL:
        choice = ""
        sprint = next((s for s in sprints if s.status == SprintStatus.ACTIVE), None)
    return BoardFilters(
        sprint=sprint,
        sprint_choice=str(sprint.pk) if sprint_id and sprint else choice,
        assignee=_int(params.get("assignee")),
        label=_int(params.get("label")),
        sprints=sprints,
    )


def _scope(product: Product, filters: BoardFilters) -> QuerySet[Item]:
    items = Item.objects.filter(product=product)
    if filters.sprint is not None:
        return items.filter(sprint=filters.sprint)
    recent = timezone.now() - timedelta(days=RECENT_DAYS)
    return items.filter(~Q(status__in=CLOSED_STATUSES) | Q(updated_at__gte=recent))


def board_columns(product: Product, filters: BoardFilters) -> list[Column]:
    """The board's columns, cards in rank order (three queries however many items)."""
    scope = _scope(product, filters)
    counts = dict(scope.values_list("status").annotate(n=Count("pk")).order_by())
    cards = scope
    if filters.assignee:
        cards = cards.filter(assignee=filters.assignee)
    if filters.label:
        cards = cards.filter(labels=filters.label)
    by_status: dict[str, list[Item]] = {status: [] for status in Status.values}
    for item in with_labels(cards.select_related("assignee").order_by("rank")):
        by_status[item.status].append(item)
    limits = (
        BacklogSettings.objects.filter(product=product).values_list("wip_limits", flat=True).first()
        or {}
    )
    return [
        Column(
            status=status,
            label=label,
            cards=by_status[status],
            count=counts.get(status, 0),
            limit=limits.get(status),
            moves=[(s, lbl) for s, lbl in Status.choices if s in TRANSITIONS[status]],
            collapsed=status == Status.WONT_DO,
        )
        for status, label in Status.choices
    ]


@workspace_view(Action.BACKLOG_VIEW)
def board(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """A product's kanban board; the delivery team moves cards between statuses."""
    return _board(request, product_get(workspace=request.workspace, slug=slug))


def _board(request: WorkspaceHttpRequest, product: Product) -> HttpResponse:
    filters = board_filters(product, request.GET)
    context = {
        "product": product,
        "filters": filters,
        "query": filters.query(),
        "columns": board_columns(product, filters),
        "editor": role_can(request.membership.role, Action.BACKLOG_EDIT),
        "assignees": User.objects.filter(memberships__workspace=product.workspace_id).order_by(
            "username"
        ),
        "labels": Label.objects.filter(product=product).order_by("name"),
        "recent_days": RECENT_DAYS,
    }
    response = render(request, BODY if request.htmx else "backlog/board.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


class BoardMoveForm(forms.Form):
    """Where a dropped (or menu-moved) card goes: a status, and the card it now sits above
    (``before``) or below (``after``); neither keeps its rank."""

    status = forms.ChoiceField(choices=Status.choices)
    before = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    after = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


@require_POST
@workspace_view(Action.BACKLOG_EDIT)
def board_move(request: WorkspaceHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Move a card to ``status`` (the workflow decides) and next to ``before``/``after``.

    A move the workflow forbids changes nothing: the board is redrawn as saved, saying why.
    """
    product = product_get(workspace=request.workspace, slug=slug)
    item = get_scoped_or_404(Item.objects.all(), request.workspace, product=product, pk=pk)
    item.product = product
    form = BoardMoveForm(request.POST)
    try:
        if not form.is_valid():
            raise ApplicationError("The move was not understood; the board is shown as saved.")
        _move(request, item, form.cleaned_data)
    except ApplicationError as error:
        messages.error(request, error.message)
    if request.htmx:
        return _board(request, product)
    url = reverse("backlog:board", args=[product.slug])
    query = request.GET.urlencode()
    return redirect(f"{url}?{query}" if query else url)


def _move(request: WorkspaceHttpRequest, item: Item, data: dict) -> None:
    old = item.get_status_display()
    changes_status = data["status"] != item.status
    with transaction.atomic():  # a refused status or place leaves the card as it was
        if changes_status:
            item_update(item=item, actor=request.user, status=data["status"])
        before, after = (_card(item, data[side]) for side in ("before", "after"))
        if before is not None:
            item_move(item=item, actor=request.user, before=before)
        elif after is not None:
            item_move(item=item, actor=request.user, after=after)
    if changes_status:
        messages.success(
            request, f"“{item.title}” moved from {old} to {item.get_status_display()}."
        )


def _card(item: Item, pk: int | None) -> Item | None:
    if pk is None or pk == item.pk:
        return None
    card = Item.objects.filter(product=item.product_id, pk=pk).first()
    if card is None:
        raise ApplicationError("That card is no longer on this board; the board is shown afresh.")
    return card
