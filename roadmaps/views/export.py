"""A product's roadmap taken away: a CSV of its initiatives and a page made for printing."""

from __future__ import annotations

import csv

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from pmhub.capabilities import Action
from pmhub.selectors import product_get
from pmhub.tenancy import WorkspaceHttpRequest, workspace_view
from roadmaps import selectors

# A spreadsheet runs a cell that starts with one of these as a formula; a quote keeps it text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


@workspace_view(Action.ROADMAP_VIEW)
def roadmap_csv(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """The initiatives of the product, Now then Next then Later, one row each."""
    product = product_get(workspace=request.workspace, slug=slug)
    stamp = timezone.now().date().isoformat()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{product.slug}-roadmap-{stamp}.csv"'
    writer = csv.writer(response)
    writer.writerow(selectors.EXPORT_COLUMNS)
    for row in selectors.roadmap_export_rows(product=product):
        writer.writerow([_cell(value) for value in row])
    return response


@workspace_view(Action.ROADMAP_VIEW)
def roadmap_print(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """The roadmap as a document: each horizon's initiatives with their details."""
    product = product_get(workspace=request.workspace, slug=slug)
    context = {
        "product": product,
        "columns": selectors.board_columns(product=product),
        "printed_on": timezone.now(),
    }
    return render(request, "roadmaps/print.html", context)
