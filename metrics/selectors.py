"""Composed reads of the metrics app, shared by the HTML views and the API.

Every function takes a product that came from a scoped getter (``pmhub.selectors.product_get``)
or a workspace, so no row of another workspace is ever read.
"""

from __future__ import annotations

from django.db.models import QuerySet

from metrics.models import Event, Rejection, WriteKey
from pmhub.models import Product, Workspace
from pmhub.tenancy import get_scoped_or_404, scope


def write_key_list(*, workspace: Workspace, product: Product | None = None) -> QuerySet[WriteKey]:
    """Write keys of ``workspace`` (or of one of its products), newest first, with their product."""
    qs = scope(WriteKey.objects.select_related("product", "created_by"), workspace)
    if product is not None:
        qs = qs.filter(product=product)
    return qs.order_by("-created_at", "-id")


def write_key_get(*, workspace: Workspace, product: Product | None = None, pk: int) -> WriteKey:
    """One write key of ``workspace`` (and of ``product`` when given); 404 for anyone else's."""
    return get_scoped_or_404(write_key_list(workspace=workspace, product=product), workspace, pk=pk)


def event_list(*, product: Product) -> QuerySet[Event]:
    """The events of ``product``, newest arrival first (ids grow with arrival).

    The rows carry their JSON columns; callers slice or paginate. Filtering is left to
    ``metrics.filters.EventFilter`` so the page and the API accept the same parameters.
    """
    return Event.objects.filter(product=product).order_by("-id")


def rejection_list(*, product: Product) -> QuerySet[Rejection]:
    """The messages of ``product`` that ingestion refused, newest first, with their reasons."""
    return Rejection.objects.filter(product=product).order_by("-received_at", "-id")
