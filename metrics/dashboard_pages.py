"""HTML pages of user-arranged dashboards: lists, the dashboard itself, and its edit mode.

In edit mode tiles are added, resized and removed with htmx forms and reordered by drag and drop
(SortableJS, static/pmhub/dashboard_edit.js) or with the move up / move down buttons; every
change answers the redrawn ``dashboard-body`` (htmx) or redirects back to the edit mode.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from metrics import selectors
from metrics.forms import DashboardForm, TileChangeForm, TileForm, TileMoveForm
from metrics.models import Annotation, ChartKind, Dashboard, Interval, Metric
from metrics.services.dashboards import (
    dashboard_create,
    dashboard_delete,
    dashboard_tile_add,
    dashboard_tile_move,
    dashboard_tile_remove,
    dashboard_tile_update,
)
from metrics.templatetags.metrics_tags import bucket_label
from pmhub.capabilities import Action, role_can
from pmhub.errors import ApplicationError
from pmhub.forms import add_service_error
from pmhub.selectors import product_get, product_list
from pmhub.tenancy import WorkspaceHttpRequest, scope, workspace_view

BODY = "metrics/custom_dashboard.html#dashboard-body"


@workspace_view(Action.METRIC_VIEW)
def dashboard_index(request: WorkspaceHttpRequest) -> HttpResponse:
    """The workspace's dashboards (executive ones first), and a form for a new one."""
    return _list_page(request, product=None)


@workspace_view(Action.METRIC_VIEW)
def product_dashboards(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """A product's dashboards, and a form for a new one."""
    return _list_page(request, product=product_get(workspace=request.workspace, slug=slug))


def _list_page(request: WorkspaceHttpRequest, product: Any, form: Any = None) -> HttpResponse:
    products = product_list(workspace=request.workspace).order_by("name")
    context = {
        "product": product,
        "dashboards": selectors.dashboard_list(workspace=request.workspace, product=product),
        "form": form
        or DashboardForm(products=products, initial={"product": product.pk if product else None}),
    }
    return render(request, "metrics/dashboards.html", context)


@require_POST
@workspace_view(Action.METRIC_MANAGE)
def dashboard_create_view(request: WorkspaceHttpRequest) -> HttpResponse:
    """Create a dashboard and open it in edit mode; errors show on the list it was sent from."""
    form = DashboardForm(
        request.POST, products=product_list(workspace=request.workspace).order_by("name")
    )
    if form.is_valid():
        try:
            dashboard = dashboard_create(
                workspace=request.workspace,
                actor=request.user,
                name=form.cleaned_data["name"],
                product=form.cleaned_data["product"],
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            return redirect(_edit_url(dashboard))
    return _list_page(request, product=getattr(form, "cleaned_data", {}).get("product"), form=form)


def _edit_url(dashboard: Dashboard) -> str:
    return reverse("metrics:custom-dashboard", args=[dashboard.pk]) + "?edit=1"


@workspace_view(Action.METRIC_VIEW)
def dashboard_page(request: WorkspaceHttpRequest, pk: int) -> HttpResponse:
    """A dashboard's tiles; ``?edit=1`` (for those who manage metrics) arranges them."""
    dashboard = selectors.dashboard_get(workspace=request.workspace, pk=pk)
    editing = request.GET.get("edit") == "1" and role_can(
        request.membership.role, Action.METRIC_MANAGE
    )
    return _dashboard(request, dashboard, editing=editing)


def _dashboard(
    request: WorkspaceHttpRequest, dashboard: Dashboard, *, editing: bool, form: Any = None
) -> HttpResponse:
    views = selectors.dashboard_view(dashboard=dashboard)
    context = {
        "dashboard": dashboard,
        "views": views,
        "editing": editing,
        "widths": (1, 2, 3),
        "moves": (("up", -1), ("down", 1)),  # the keyboard's way to reorder
        "tile_form": form or TileForm(metrics=_metrics_for(dashboard)),
        "charts": _tile_chart_data(views),
    }
    template = BODY if request.htmx else "metrics/custom_dashboard.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _metrics_for(dashboard: Dashboard) -> Any:
    """The metrics a tile of ``dashboard`` may draw: its product's, or the workspace's."""
    metrics = scope(Metric.objects.select_related("product"), dashboard.workspace)
    if dashboard.product_id is not None:
        metrics = metrics.filter(product_id=dashboard.product_id)
    return metrics.filter(product__archived_at__isnull=True).order_by("product__name", "name")


def _tile_chart_data(views: list[selectors.TileView]) -> dict[str, Any]:
    """What the tiles' charts draw, for ``json_script`` (the product dashboard's format)."""
    tiles: dict[str, Any] = {}
    funnels: list[dict[str, Any]] = []
    products = {v.tile.metric.product_id for v in views if v.board is not None}
    boards = [v.board for v in views if v.board is not None]
    notes = list(
        Annotation.objects.filter(
            product_id__in=products,
            day__gte=min((b.start for b in boards), default=None) or "2000-01-01",
            day__lte=max((b.end for b in boards), default=None) or "2000-01-01",
        ).order_by("day", "id")
    )
    for view in views:
        tile, metric = view.tile, view.tile.metric
        if view.funnel is not None:
            funnels.append(
                {"name": metric.name, "steps": view.funnel.steps, "persons": view.funnel.persons}
            )
            tiles[str(tile.pk)] = {"funnel": len(funnels) - 1}
            continue
        if tile.kind not in (ChartKind.LINE, ChartKind.BAR, ChartKind.AREA):
            continue  # a number or a heatmap is HTML, not a chart
        interval = Interval.WEEK if metric.kind == "retention" else tile.interval
        buckets = [bucket for bucket, _ in view.points]
        at = {bucket: index for index, bucket in enumerate(buckets)}
        board = view.board
        tiles[str(tile.pk)] = {
            "kind": tile.kind,
            "name": metric.name,
            "format": selectors.value_format(metric),
            "labels": [bucket_label(b, interval, short=True) for b in buckets],
            "titles": [bucket_label(b, interval) for b in buckets],
            "values": [value for _, value in view.points],
            "annotations": [
                {"text": n.text, "at": at.get(selectors.bucket_start(n.day, interval))}
                for n in notes
                if n.product_id == metric.product_id and board and board.start <= n.day <= board.end
            ],
        }
    return {"tiles": tiles, "funnels": funnels, "annotations": []}


def _changed(request: WorkspaceHttpRequest, dashboard: Dashboard, form: Any = None) -> HttpResponse:
    """After an edit: the redrawn body in edit mode (htmx), else back to the edit mode."""
    if request.htmx:
        return _dashboard(request, dashboard, editing=True, form=form)
    if form is not None and form.errors:
        return _dashboard(request, dashboard, editing=True, form=form)
    return redirect(_edit_url(dashboard))


@require_POST
@workspace_view(Action.METRIC_MANAGE)
def dashboard_delete_view(request: WorkspaceHttpRequest, pk: int) -> HttpResponse:
    dashboard = selectors.dashboard_get(workspace=request.workspace, pk=pk)
    product = dashboard.product
    dashboard_delete(dashboard=dashboard, actor=request.user)
    messages.success(request, f"Dashboard “{dashboard.name}” was deleted.")
    if product is not None:
        return redirect("metrics:product-dashboards", slug=product.slug)
    return redirect("metrics:dashboard-index")


@require_POST
@workspace_view(Action.METRIC_MANAGE)
def tile_add_view(request: WorkspaceHttpRequest, pk: int) -> HttpResponse:
    """Add a tile at the end of the dashboard."""
    dashboard = selectors.dashboard_get(workspace=request.workspace, pk=pk)
    form = TileForm(request.POST, metrics=_metrics_for(dashboard))
    if form.is_valid():
        try:
            dashboard_tile_add(dashboard=dashboard, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            return _changed(request, dashboard)  # a fresh form for the next tile
    return _changed(request, dashboard, form)


@require_POST
@workspace_view(Action.METRIC_MANAGE)
def tile_change_view(request: WorkspaceHttpRequest, pk: int, tile_pk: int) -> HttpResponse:
    """Resize a tile (or change its chart or interval)."""
    dashboard = selectors.dashboard_get(workspace=request.workspace, pk=pk)
    tile = selectors.dashboard_tile_get(dashboard=dashboard, pk=tile_pk)
    form = TileChangeForm(request.POST)
    if form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        try:
            dashboard_tile_update(tile=tile, actor=request.user, **fields)
        except ApplicationError as error:
            messages.error(request, error.message)
    return _changed(request, dashboard)


@require_POST
@workspace_view(Action.METRIC_MANAGE)
def tile_move_view(request: WorkspaceHttpRequest, pk: int, tile_pk: int) -> HttpResponse:
    """Move a tile to ``position`` (drag and drop, or the move up / down buttons)."""
    dashboard = selectors.dashboard_get(workspace=request.workspace, pk=pk)
    tile = selectors.dashboard_tile_get(dashboard=dashboard, pk=tile_pk)
    form = TileMoveForm(request.POST)
    if form.is_valid():
        dashboard_tile_move(tile=tile, actor=request.user, position=form.cleaned_data["position"])
    return _changed(request, dashboard)


@require_POST
@workspace_view(Action.METRIC_MANAGE)
def tile_remove_view(request: WorkspaceHttpRequest, pk: int, tile_pk: int) -> HttpResponse:
    dashboard = selectors.dashboard_get(workspace=request.workspace, pk=pk)
    tile = selectors.dashboard_tile_get(dashboard=dashboard, pk=tile_pk)
    dashboard_tile_remove(tile=tile, actor=request.user)
    return _changed(request, dashboard)
