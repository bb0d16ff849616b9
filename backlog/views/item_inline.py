"""A backlog row edited in place (htmx): title, status (the workflow's next statuses), estimate
(the product's scale) and the current framework's score inputs. Saving answers the redrawn row
with its new score; a refusal answers the edit row with the service's error on its field.

Without JavaScript the same form is a small page of its own (``backlog/item_inline.html``).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods

from backlog.models import Item, Status
from backlog.selectors import with_labels
from backlog.services.items import TRANSITIONS, item_update
from backlog.services.scores import settings_for
from backlog.views.backlog_list import RowUrls, item_row, list_query
from backlog.views.list_forms import InlineForm
from pmhub.capabilities import Action, role_can
from pmhub.errors import ApplicationError
from pmhub.forms import add_service_error
from pmhub.models import Product
from pmhub.selectors import product_get
from pmhub.tenancy import WorkspaceHttpRequest, get_scoped_or_404, workspace_view

ROW = "backlog/_item_row.html"
EDIT_ROW = "backlog/_item_edit_row.html"


def _item(request: WorkspaceHttpRequest, slug: str, pk: int) -> tuple[Product, Item]:
    product = product_get(workspace=request.workspace, slug=slug)
    items = with_labels(Item.objects.filter(product=product)).select_related(
        "assignee", "sprint", "release", "initiative"
    )
    return product, get_scoped_or_404(items, request.workspace, pk=pk)


def next_statuses(item: Item) -> list[str]:
    """The statuses the workflow lets ``item`` go to next, in the workflow's order."""
    return [status for status in Status.values if status in TRANSITIONS[item.status]]


def _row(request: WorkspaceHttpRequest, product: Product, item: Item) -> HttpResponse:
    settings = settings_for(product)
    context = {
        "row": item_row(item, settings.framework, RowUrls(product)),
        "product": product,
        "editor": role_can(request.membership.role, Action.BACKLOG_EDIT),
        "query": list_query(request)[0],
        "selected": (),
    }
    response = render(request, ROW, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
@workspace_view(Action.BACKLOG_VIEW)
def item_row_view(request: WorkspaceHttpRequest, slug: str, pk: int) -> HttpResponse:
    """One row of the list as shown (an edit cancelled), for htmx."""
    product, item = _item(request, slug, pk)
    return _row(request, product, item)


@require_http_methods(["GET", "POST"])
@workspace_view(Action.BACKLOG_EDIT)
def item_inline_view(request: WorkspaceHttpRequest, slug: str, pk: int) -> HttpResponse:
    """GET: the row's edit form; POST: save it through ``item_update`` (all or nothing)."""
    product, item = _item(request, slug, pk)
    settings = settings_for(product)
    form = InlineForm(
        request.POST if request.method == "POST" else None,
        item=item,
        settings=settings,
        next_statuses=next_statuses(item),
    )
    if request.method == "POST" and form.is_valid():
        try:
            item_update(item=item, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            add_service_error(form, error)
            item.refresh_from_db()  # show the row as saved, whatever the service had set
        else:
            if request.htmx:
                return _row(request, product, item)
            messages.success(request, f"“{item.title}” saved.")
            return redirect("backlog:list", slug=product.slug)
    context = {
        "form": form,
        "row": item_row(item, settings.framework, RowUrls(product)),
        "product": product,
        "columns": 10,
        "query": list_query(request)[0],
        "framework_label": settings.get_framework_display(),
    }
    response = render(request, EDIT_ROW if request.htmx else "backlog/item_inline.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response
