"""HTML pages of the metrics app: a product's event explorer and its event sources (write keys)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from metrics import selectors
from metrics.filters import EventFilter
from metrics.forms import WriteKeyForm
from metrics.services import write_key_create, write_key_revoke
from pmhub.capabilities import Action
from pmhub.errors import ApplicationError
from pmhub.forms import add_service_error
from pmhub.selectors import product_get
from pmhub.tenancy import WorkspaceHttpRequest, workspace_view

EXPLORER_ROWS = 50  # events per screen; older ones are a "before" cursor away
REJECTIONS_SHOWN = 20
PLACEHOLDER_KEY = "YOUR_WRITE_KEY"


def _cursor(raw: str | None) -> int | None:
    """The ``?before=<event id>`` of an older screen (digits only; anything else is ignored)."""
    return int(raw) if raw and raw.isascii() and raw.isdigit() and len(raw) <= 18 else None


@workspace_view(Action.EVENT_VIEW)
def product_events(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """The event explorer; htmx polls get the ``events-table`` (or ``rejections``) fragment."""
    product = product_get(workspace=request.workspace, slug=slug)
    if request.htmx.target == "rejections":
        rejections = selectors.rejection_list(product=product)[:REJECTIONS_SHOWN]
        context = {"product": product, "rejections": rejections}
        return _render(request, "metrics/events.html#rejections-panel", context)
    filters = EventFilter(request.GET, queryset=selectors.event_list(product=product))
    before = _cursor(request.GET.get("before"))
    rows = []
    if filters.is_valid():
        events = filters.qs if before is None else filters.qs.filter(id__lt=before)
        rows = list(events[: EXPLORER_ROWS + 1])
    context = {
        "product": product,
        "filters": filters,
        "events": rows[:EXPLORER_ROWS],
        "older": rows[EXPLORER_ROWS - 1].pk if len(rows) > EXPLORER_ROWS else None,
        "live": before is None,
    }
    if request.htmx:
        return _render(request, "metrics/events.html#events-table", context)
    context["rejections"] = selectors.rejection_list(product=product)[:REJECTIONS_SHOWN]
    return _render(request, "metrics/events.html", context)


def _render(request: WorkspaceHttpRequest, template: str, context: dict) -> HttpResponse:
    """Render the page or one of its fragments: one URL, so caches must key on HX-Request."""
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@workspace_view(Action.WRITE_KEY_MANAGE)
def product_sources(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """A product's write keys, a form for a new one (shown once), and SDK set-up snippets."""
    product = product_get(workspace=request.workspace, slug=slug)
    form = WriteKeyForm(request.POST or None)
    new_key = None
    if request.method == "POST" and product.is_archived:
        form.add_error(None, "This product is archived; restore it before adding a write key.")
    elif request.method == "POST" and form.is_valid():
        try:
            _, new_key = write_key_create(
                product=product, actor=request.user, name=form.cleaned_data["name"]
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            form = WriteKeyForm()
    root = request.build_absolute_uri("/").rstrip("/")
    context = {
        "product": product,
        "form": form,
        "keys": selectors.write_key_list(workspace=request.workspace, product=product),
        "new_key": new_key,
        "snippet_key": new_key or PLACEHOLDER_KEY,
        "server_root": root,
        "server_scheme": urlsplit(root).scheme,
        "server_host": urlsplit(root).netloc,
    }
    return render(request, "metrics/sources.html", context)


@require_POST
@workspace_view(Action.WRITE_KEY_MANAGE)
def write_key_revoke_view(request: WorkspaceHttpRequest, slug: str, pk: int) -> HttpResponse:
    product = product_get(workspace=request.workspace, slug=slug)
    key = selectors.write_key_get(workspace=request.workspace, product=product, pk=pk)
    write_key_revoke(key=key, actor=request.user)
    messages.success(request, f"Write key “{key.name}” was revoked; its events are now refused.")
    return redirect("metrics:product-sources", slug=product.slug)
