"""Recomputing a product's metrics from its events, and the KPI alerts that follow."""

from __future__ import annotations

import functools

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from metrics.models import (
    DirtyDay,
    Metric,
    MetricPoint,
)
from pmhub.models import Product


def metrics_recompute_dirty(*, product: Product) -> int:
    """Recompute ``product``'s metrics for the days ingestion marked, and unmark them.

    Claiming the marks, computing and writing the points is one transaction: if the worker dies
    half-way nothing is written and the marks are still there for the next run. Marks written
    while this runs (new events) are not claimed and wait for the next run. Returns the number of
    days recomputed.
    """
    from metrics.compute import recompute

    with transaction.atomic():
        claimed = list(
            DirtyDay.objects.select_for_update(skip_locked=True)
            .filter(product=product)
            .values_list("pk", "day")
        )
        if not claimed:
            return 0
        recompute(product, {day for _, day in claimed})
        DirtyDay.objects.filter(pk__in=[pk for pk, _ in claimed]).delete()
        kpi_alerts_check(product=product)
    return len(claimed)


def kpi_alerts_check(*, product: Product) -> list[Metric]:
    """Email each KPI owner whose KPI has just gone off target; returns the KPIs alerted.

    A KPI is judged on its latest finished day (today is still filling up). Its owner hears
    once per crossing: ``alerted_at`` is set when the email is sent and cleared when the KPI is
    back above its bad threshold, so a recompute that changes nothing sends nothing.
    """
    today = timezone.now().date()
    latest_finished_day = (
        MetricPoint.objects.filter(metric=OuterRef("pk"), interval="day", bucket__lt=today)
        .order_by("-bucket")
        .values("value")[:1]
    )
    kpis = (
        Metric.objects.filter(product=product, bad_threshold__isnull=False)
        .select_related("owner", "product")
        .annotate(latest=Subquery(latest_finished_day))
    )
    alerted: list[Metric] = []
    for metric in kpis:
        off_target = metric.status_of(metric.latest) == "bad"
        if off_target and metric.alerted_at is None:
            metric.alerted_at = timezone.now()
            metric.save(update_fields=["alerted_at"])
            alerted.append(metric)
            if metric.owner and metric.owner.email:
                transaction.on_commit(
                    functools.partial(_send_kpi_alert, metric, metric.owner.email, metric.latest)
                )
        elif not off_target and metric.alerted_at is not None:
            metric.alerted_at = None
            metric.save(update_fields=["alerted_at"])
    return alerted


def _send_kpi_alert(metric: Metric, email: str, value: float) -> None:
    from django.core.mail import send_mail

    send_mail(
        subject=f"{metric.product.name}: {metric.name} is off target",
        message=(
            f"{metric.name} of {metric.product.name} is at {value:g}, past its bad threshold "
            f"of {metric.bad_threshold:g}"
            + (f" (target {metric.target:g})." if metric.target is not None else ".")
            + "\n\nYou get this once; the next email comes if it recovers and falls again."
        ),
        from_email=None,
        recipient_list=[email],
    )


def metrics_recompute_all(*, product: Product) -> int:
    """Rebuild every rollup and point of ``product`` from its events; returns the days covered."""
    from metrics.compute import recompute

    with transaction.atomic():
        DirtyDay.objects.filter(product=product).delete()
        days = recompute(product, None).days
        kpi_alerts_check(product=product)
        return days
