"""Timelines: a product's initiatives as bars across months, quarters or years (grouped by theme
or objective), releases as markers and dependencies as arrows; the portfolio draws every product
of the workspace the same way. Planners drag a bar to move it and its end to resize it
(static/pmhub/roadmap_timeline.js posts the new dates to ``initiative_dates_view``)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from pmhub.capabilities import Action, role_can
from pmhub.errors import ApplicationError, error_body
from pmhub.forms import add_service_error
from pmhub.models import Product
from pmhub.selectors import product_get, product_list
from pmhub.tenancy import WorkspaceHttpRequest, workspace_view
from roadmaps import selectors
from roadmaps import timeline as layout
from roadmaps.services.initiatives import initiative_update
from roadmaps.views.planning_forms import DatesForm

BODY = "roadmaps/timeline.html#timeline-body"
ZOOM_LABELS = (("month", "Months"), ("quarter", "Quarters"), ("year", "Years"))


def _start(value: str) -> date | None:
    """The window's first month from ``?start=YYYY-MM`` (anything else: the default)."""
    try:
        year, month = (int(part) for part in value.split("-")[:2])
        return date(year, month, 1) if 1900 <= year <= 2200 else None
    except ValueError:
        return None


def _layout(
    request: WorkspaceHttpRequest, products: list[Product], group: str | None = None
) -> layout.Timeline:
    zoom = request.GET.get("zoom", "month")
    if group is None:
        group = request.GET.get("group", "theme")
        group = group if group in layout.TIMELINE_GROUPS else "theme"
    window = layout.timeline_window(zoom=zoom, start=_start(request.GET.get("start", "")))
    return layout.timeline_layout(products=products, window=window, group=group)


def _render(request: WorkspaceHttpRequest, template: str, context: dict) -> HttpResponse:
    context["planner"] = role_can(request.membership.role, Action.ROADMAP_PLAN)
    context["zooms"] = ZOOM_LABELS
    response = render(request, BODY if request.htmx else template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@workspace_view(Action.ROADMAP_VIEW)
def timeline(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """A product's timeline; ``?zoom=month|quarter|year&group=theme|objective&start=YYYY-MM``."""
    product = product_get(workspace=request.workspace, slug=slug)
    return _render(
        request,
        "roadmaps/timeline.html",
        {"product": product, "timeline": _layout(request, [product])},
    )


@workspace_view(Action.ROADMAP_VIEW)
def portfolio(request: WorkspaceHttpRequest) -> HttpResponse:
    """Every active product of the workspace on one timeline, a group per product."""
    products = list(product_list(workspace=request.workspace).order_by("name"))
    return _render(
        request,
        "roadmaps/portfolio.html",
        {"products": products, "timeline": _layout(request, products, group="product")},
    )


@require_POST
@workspace_view(Action.ROADMAP_PLAN)
def initiative_dates_view(request: WorkspaceHttpRequest, pk: int) -> HttpResponse:
    """Give an initiative new first and last days (a dragged or resized bar).

    Scripts asking for JSON get the saved dates, or the error format with the field at fault;
    a plain form post goes back to the timeline with a message.
    """
    initiative = selectors.initiative_get(workspace=request.workspace, pk=pk)
    form = DatesForm(request.POST)
    if form.is_valid():
        try:
            initiative_update(initiative=initiative, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            add_service_error(form, error)
    wants_json = "application/json" in request.headers.get("Accept", "")
    if form.errors:
        fields = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
        message = next(iter(fields.values()))[0]
        if wants_json:
            return JsonResponse(error_body("invalid", message, fields), status=400)
        messages.error(request, message)
    elif wants_json:
        saved = {name: str(form.cleaned_data[name]) for name in ("starts_on", "ends_on")}
        return JsonResponse(saved)
    return redirect("roadmaps:timeline", slug=initiative.product.slug)
