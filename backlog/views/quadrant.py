"""The value vs effort matrix of a product's open items: a scatter with the four quadrants and,
underneath, the same items as four lists (and the ones that cannot be placed yet)."""

from __future__ import annotations

from statistics import median
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse

from backlog.models import CLOSED_STATUSES, Item
from backlog.scoring import Quadrant, quadrant
from pmhub.capabilities import Action
from pmhub.models import Product
from pmhub.selectors import product_get
from pmhub.tenancy import WorkspaceHttpRequest, workspace_view

VALUE_MID = 5
# Where each quadrant sits and what it advises, in reading order (top left first).
ADVICE = {
    Quadrant.QUICK_WIN: "High value, low effort: do these first.",
    Quadrant.BIG_BET: "High value, high effort: plan them.",
    Quadrant.FILL_IN: "Low value, low effort: when there is time.",
    Quadrant.MONEY_PIT: "Low value, high effort: avoid.",
}


def value_effort_matrix(product: Product) -> dict[str, Any]:
    """Place the product's open items on the matrix (one query): the median effort of the placed
    items divides low from high effort, a value of 5 low from high value."""
    items = list(
        Item.objects.filter(product=product)
        .exclude(status__in=CLOSED_STATUSES)
        .only("pk", "title", "kind", "status", "value", "effort", "product_id")
        .order_by("rank")
    )
    placed = [item for item in items if item.value is not None and item.effort is not None]
    efforts = [item.effort for item in placed if item.effort is not None]
    effort_mid = median(efforts) if efforts else 0.0
    groups: dict[Quadrant, list[Item]] = {q: [] for q in ADVICE}
    for item in placed:
        where = quadrant(item.value, item.effort, value_mid=VALUE_MID, effort_mid=effort_mid)
        if where is not None:
            groups[where].append(item)
    return {
        "effort_mid": effort_mid,
        "value_mid": VALUE_MID,
        "quadrants": [
            {"key": q.value, "label": q.label, "advice": ADVICE[q], "items": groups[q]}
            for q in ADVICE
        ],
        "unplaced": [item for item in items if item.value is None or item.effort is None],
        "placed_count": len(placed),
    }


@workspace_view(Action.BACKLOG_VIEW)
def quadrant_page(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    product = product_get(workspace=request.workspace, slug=slug)
    matrix = value_effort_matrix(product)
    # The item URL is reversed once and filled in per point (no reverse per item).
    item_url = reverse("backlog:item", args=[product.slug, 0]).replace("/0/", "/{}/")
    chart = {
        "value_mid": matrix["value_mid"],
        "effort_mid": matrix["effort_mid"],
        "quadrants": [
            {
                "key": group["key"],
                "label": group["label"],
                "points": [
                    {
                        "x": item.effort,
                        "y": item.value,
                        "title": item.title,
                        "url": item_url.format(item.pk),
                    }
                    for item in group["items"]
                ],
            }
            for group in matrix["quadrants"]
        ],
    }
    context = {"product": product, "chart": chart, **matrix}
    return render(request, "backlog/quadrant.html", context)
