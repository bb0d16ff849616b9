"""Composed reads of the metrics app, shared by the HTML views and the API.

Every function takes a product that came from a scoped getter (``pmhub.selectors.product_get``)
or a workspace, so no row of another workspace is ever read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Max, QuerySet
from django.http import Http404
from django.utils import timezone

from metrics.models import Event, Metric, MetricPoint, Rejection, WriteKey
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


def metric_list(*, product: Product) -> QuerySet[Metric]:
    """The metric definitions of ``product``, by key."""
    return Metric.objects.filter(product=product).select_related("numerator", "denominator")


def metric_get(*, product: Product, key: str) -> Metric:
    """One metric of ``product`` by key; a 404 otherwise."""
    metric = metric_list(product=product).filter(key=key).first()
    if metric is None:
        raise Http404("No metric with this key.")
    return metric


@dataclass
class Series:
    metric: Metric
    interval: str
    start: date
    end: date
    computed_at: datetime | None
    points: list[tuple[date, float | None]]


def metric_series(
    *,
    metric: Metric,
    interval: str,
    start: date | None = None,
    end: date | None = None,
    span_days: int = 90,
) -> Series:
    """The computed points of ``metric`` between ``start`` and ``end`` (both included).

    Without ``end``, the series ends at the metric's latest point (today when it has none);
    without ``start``, it covers ``span_days`` days before that. Reads only computed points.
    """
    points = MetricPoint.objects.filter(metric=metric, interval=interval)
    if end is None:
        latest = points.aggregate(last=Max("bucket"))["last"]
        end = latest or timezone.now().date()
    if start is None:
        start = end - timedelta(days=span_days - 1)
    rows = list(
        points.filter(bucket__range=(start, end))
        .order_by("bucket")
        .values_list("bucket", "value", "computed_at")
    )
    computed = max((row[2] for row in rows), default=None)
    return Series(
        metric=metric,
        interval=interval,
        start=start,
        end=end,
        computed_at=computed,
        points=[(bucket, value) for bucket, value, _ in rows],
    )
