"""The backlog list, where a team grooms every day: a product's items 50 a page with filters,
sorts and saved views in the query string; quick add; ranking by drag and drop (SortableJS,
static/pmhub/backlog_list.js) or the top/bottom buttons; "apply score order"; the bulk bar.

Each write answers the redrawn ``backlog-body`` fragment for htmx (with the list's query string,
which every action URL carries) or redirects back to the list. The page reads a fixed number of
queries whatever the size of the backlog (``tests/backlog/test_pages_list.py`` counts them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from backlog.models import CLOSED_STATUSES, Item, ItemKind, SavedView, Status
from backlog.scoring import Framework, describe
from backlog.selectors import items_filtered, with_labels
from backlog.services.fields import saved_view_create, saved_view_delete
from backlog.services.items import item_create, items_bulk_delete, items_bulk_update
from backlog.services.ranking import item_move, items_apply_score_order
from backlog.services.scores import settings_for
from backlog.views.list_forms import (
    SORT_CHOICES,
    BulkForm,
    FilterForm,
    ListOptions,
    MoveForm,
    QuickAddForm,
    SavedViewForm,
)
from pmhub.capabilities import Action, role_can
from pmhub.errors import ApplicationError
from pmhub.forms import add_service_error
from pmhub.models import Product
from pmhub.selectors import product_get, product_list, with_related_columns
from pmhub.tenancy import WorkspaceHttpRequest, get_scoped_or_404, workspace_view

PAGE_SIZE = 50
PAGE = "backlog/list.html"
BODY = "backlog/list.html#backlog-body"

KIND_ICONS = {
    ItemKind.FEATURE: "bi-stars",
    ItemKind.STORY: "bi-person-lines-fill",
    ItemKind.BUG: "bi-bug",
    ItemKind.TECH_DEBT: "bi-tools",
    ItemKind.SPIKE: "bi-lightning-charge",
    ItemKind.CHORE: "bi-check2-square",
}


KIND_LABELS = dict(ItemKind.choices)
STATUS_LABELS = dict(Status.choices)


@dataclass
class Row:
    """One item as its row shows it, with the URLs of its actions. The kind and status labels
    come from a dict: ``get_kind_display()`` rebuilds the choices on every call, a millisecond
    of a 50-row page (bench/backlog.py)."""

    # The top and bottom buttons: (position, icon).
    MOVES: ClassVar = (("top", "bi-chevron-bar-up"), ("bottom", "bi-chevron-bar-down"))

    item: Item
    icon: str
    kind_label: str
    status_label: str
    score: str
    url: str  # the item's page
    row_url: str
    edit_url: str
    move_url: str


class RowUrls:
    """The URLs of a product's rows: each route reversed once, the row's id put in its place.

    Four reversals a row were a sixth of a 50-row page's time (bench/backlog.py)."""

    STAND_IN = 987654321987  # an id in the reversed URL, replaced by each row's

    def __init__(self, product: Product) -> None:
        self.parts = {
            name: reverse(f"backlog:{name}", args=[product.slug, self.STAND_IN]).rpartition(
                str(self.STAND_IN)
            )
            for name in ("item", "item-row", "item-inline", "item-move")
        }

    def __call__(self, name: str, pk: int) -> str:
        before, _, after = self.parts[name]
        return f"{before}{pk}{after}"


def item_row(item: Item, framework: str, urls: RowUrls) -> Row:
    """The row of ``item``; its score shown as the framework's category for MoSCoW and Kano."""
    if item.score is None:
        score = ""
    elif framework == Framework.MOSCOW:
        score = item.get_moscow_display()
    elif framework == Framework.KANO:
        score = item.get_kano_display()
    else:
        score = f"{item.score:,.2f}".rstrip("0").rstrip(".")
    return Row(
        item=item,
        icon=KIND_ICONS.get(ItemKind(item.kind), "bi-square"),
        kind_label=KIND_LABELS.get(item.kind, item.kind),
        status_label=STATUS_LABELS.get(item.status, item.status),
        score=score,
        url=urls("item", item.pk),
        row_url=urls("item-row", item.pk),
        edit_url=urls("item-inline", item.pk),
        move_url=urls("item-move", item.pk),
    )


def list_query(request: WorkspaceHttpRequest) -> tuple[str, str]:
    """The list's query string as every action URL carries it, and without the page number
    (what a saved view keeps)."""
    params = request.GET.copy()
    query = params.urlencode()
    params.pop("page", None)
    return query, params.urlencode()


def _with_sort(request: WorkspaceHttpRequest, sort: str) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    params["sort"] = sort
    return params.urlencode()


def _selected(request: WorkspaceHttpRequest) -> set[int]:
    return {int(pk) for pk in request.POST.getlist("items") if pk.isdigit()}


def render_list(
    request: WorkspaceHttpRequest,
    product: Product,
    *,
    fragment: bool | None = None,
    quick_form: QuickAddForm | None = None,
    bulk_form: BulkForm | None = None,
    view_form: SavedViewForm | None = None,
    selected: set[int] | frozenset[int] = frozenset(),
) -> HttpResponse:
    """The list page (or its ``backlog-body`` fragment for htmx) for the request's filters."""
    settings = settings_for(product)
    options = ListOptions.load(product)
    filter_form = FilterForm(request.GET, options=options)
    filters, sort = filter_form.filters()
    items = with_labels(items_filtered(product, filters, sort))
    items = with_related_columns(items, assignee=["username"], sprint=["name"], release=["name"])
    # A row never shows the long texts: leave them in the database.
    items = items.defer("description", "acceptance", "custom")
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    urls = RowUrls(product)
    editor = role_can(request.membership.role, Action.BACKLOG_EDIT)
    query, view_query = list_query(request)
    context: dict[str, Any] = {
        "product": product,
        "settings": settings,
        "framework_label": settings.get_framework_display(),
        "framework_formula": describe(settings.framework),
        "filter_form": filter_form,
        "filtered": filter_form.active,
        "sort": sort,
        "sort_label": dict(SORT_CHOICES)[sort],
        "rank_sorted": sort == "rank",
        "rank_query": _with_sort(request, "rank"),
        "page": page,
        "rows": [item_row(item, settings.framework, urls) for item in page.object_list],
        "editor": editor,
        "columns": 10 if editor else 8,
        "query": query,
        "view_query": view_query,
        "selected": selected,
        "quick_form": quick_form or (QuickAddForm() if editor else None),
        "bulk_form": bulk_form or (BulkForm(options=options) if editor else None),
    }
    if fragment is None:
        fragment = bool(request.htmx)
    if not fragment:
        views = SavedView.objects.filter(product=product).filter(
            Q(owner=request.user) | Q(shared=True)
        )
        context["saved_views"] = views.select_related("owner").order_by("name", "pk")
        context["view_form"] = view_form or SavedViewForm(initial={"query": view_query})
        context["view_form_open"] = view_form is not None
    response = render(request, BODY if fragment else PAGE, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _product(request: WorkspaceHttpRequest, slug: str) -> Product:
    return product_get(workspace=request.workspace, slug=slug)


def _back(product: Product, request: WorkspaceHttpRequest) -> HttpResponse:
    """Back to the list with the filters the action was made under."""
    url = reverse("backlog:list", args=[product.slug])
    return redirect(f"{url}?{request.GET.urlencode()}" if request.GET else url)


def _after_write(request: WorkspaceHttpRequest, product: Product, **context: Any) -> HttpResponse:
    if request.htmx:
        return render_list(request, product, **context)
    return _back(product, request)


@workspace_view(Action.BACKLOG_VIEW)
def backlog_index(request: WorkspaceHttpRequest) -> HttpResponse:
    """The workspace's products, each with how many items its backlog holds and how many are
    open, linking to their backlogs."""
    products = product_list(workspace=request.workspace).annotate(
        item_count=Count("items"),
        open_count=Count("items", filter=~Q(items__status__in=CLOSED_STATUSES)),
    )
    return render(request, "backlog/index.html", {"products": products.order_by("name")})


@workspace_view(Action.BACKLOG_VIEW)
def backlog_list(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """A product's backlog, 50 a page, filtered and sorted by the query string."""
    return render_list(request, _product(request, slug))


@require_POST
@workspace_view(Action.BACKLOG_EDIT)
def item_create_view(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """Quick add: a new item at the bottom of the backlog; errors show by their field."""
    product = _product(request, slug)
    form = QuickAddForm(request.POST)
    if form.is_valid():
        try:
            item = item_create(product=product, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"“{item.title}” was added at the bottom of the backlog.")
            return _after_write(request, product)
    return render_list(request, product, quick_form=form)


def _neighbour(product: Product, pk: int | None) -> Item | None:
    if pk is None:
        return None
    item = Item.objects.filter(product=product, pk=pk).first()
    if item is None:
        raise ApplicationError("That item is no longer in this backlog; the list is shown afresh.")
    return item


@require_POST
@workspace_view(Action.BACKLOG_EDIT)
def item_move_view(request: WorkspaceHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Rank an item just above ``before``, just below ``after``, or at the top or bottom (one
    row written). A move that cannot be made redraws the list as saved, saying why."""
    product = _product(request, slug)
    item = get_scoped_or_404(Item.objects.filter(product=product), request.workspace, pk=pk)
    form = MoveForm(request.POST)
    try:
        if not form.is_valid():
            raise ApplicationError("The move was not understood; the list is shown as saved.")
        data = form.cleaned_data
        item_move(
            item=item,
            actor=request.user,
            before=_neighbour(product, data["before"]),
            after=_neighbour(product, data["after"]),
            position=data["position"] or None,
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        if data["position"]:
            messages.success(request, f"“{item.title}” moved to the {data['position']}.")
    return _after_write(request, product)


@require_POST
@workspace_view(Action.BACKLOG_EDIT)
def score_order_view(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """Make the manual order the score order (highest first, unscored items after)."""
    product = _product(request, slug)
    try:
        count = items_apply_score_order(product=product, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"The backlog's {count} items are now ranked by score.")
    return _after_write(request, product)


BULK_DONE = {
    "status": "status set",
    "label": "labelled",
    "sprint": "sprint set",
    "release": "release set",
    "assignee": "assignee set",
}


@require_POST
@workspace_view(Action.BACKLOG_EDIT)
def bulk_view(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """Apply one action to the checked items, all or nothing: a refused item (a transition its
    workflow forbids) refuses the whole action and the error names it."""
    product = _product(request, slug)
    form = BulkForm(request.POST, options=ListOptions.load(product))
    if form.is_valid():
        ids = form.cleaned_data["items"]
        items = list(Item.objects.filter(product=product, pk__in=ids).order_by("rank"))
        action = form.cleaned_data["action"]
        try:
            if len(items) != len(ids):
                raise ApplicationError(
                    "Some selected items are no longer in this backlog; select them again.",
                    field="items",
                )
            if action == "delete":
                count = items_bulk_delete(product=product, actor=request.user, items=items)
                messages.success(request, f"{count} item{'s' * (count != 1)} deleted.")
            else:
                field = "add_label" if action == "label" else action
                items_bulk_update(
                    product=product, actor=request.user, items=items, **{field: form.value()}
                )
                count = len(items)
                done = BULK_DONE[action]
                messages.success(request, f"{count} item{'s' * (count != 1)} {done}.")
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            return _after_write(request, product)
    if not request.htmx:
        for errors in form.errors.values():
            messages.error(request, " ".join(str(error) for error in errors))
        return _back(product, request)
    return render_list(request, product, bulk_form=form, selected=_selected(request))


@require_POST
@workspace_view(Action.BACKLOG_VIEW)
def saved_view_create_view(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """Save the list's filters under a name (one's own, or shared with the team) and show them."""
    product = _product(request, slug)
    form = SavedViewForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        query = QueryDict(data["query"]).copy()
        query.pop("page", None)
        try:
            view = saved_view_create(
                product=product,
                actor=request.user,
                name=data["name"],
                query=query.urlencode(),
                shared=data["shared"],
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"View “{view.name}” saved.")
            url = reverse("backlog:list", args=[product.slug])
            return redirect(f"{url}?{view.query}" if view.query else url)
    # Redraw the page the form was sent from: its filters travel in the form's query.
    request.GET = QueryDict(form.data.get("query", ""))
    return render_list(request, product, fragment=False, view_form=form)


@require_POST
@workspace_view(Action.BACKLOG_VIEW)
def saved_view_delete_view(request: WorkspaceHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Delete one of one's own saved views (someone else's shared view is refused)."""
    product = _product(request, slug)
    view = get_scoped_or_404(SavedView.objects.filter(product=product), request.workspace, pk=pk)
    try:
        saved_view_delete(view=view, actor=request.user)
    except ApplicationError as error:
        if error.status_code == 403:
            raise PermissionDenied(error.message) from None
        messages.error(request, error.message)
    else:
        messages.success(request, f"View “{view.name}” deleted.")
    return redirect("backlog:list", slug=product.slug)
