"""Recomputing a product's metrics from its events, and the KPI alerts that follow."""

from __future__ import annotations

import functools

from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from metrics.models import (
    DirtyDay,
    Metric,
    MetricPoint,
    PendingEvents,
)
from pmhub.models import Product


def metrics_recompute_dirty(*, product: Product) -> int:
    """Recompute ``product``'s metrics where ingestion (or a merge, or a changed metric) left
    marks: add the new events to the rollups, rebuild the days marked for it, recompute the
    points those days reach, and remove the marks.

    One transaction, one at a time per product: if the worker dies half-way nothing is written
    and the marks are still there for the next run. Marks written while this runs (new events)
    are not claimed and wait for the next run. Returns the number of days recomputed.
    """
    from metrics.compute import recompute

    with transaction.atomic():
        _lock(product)
        claimed = list(
            DirtyDay.objects.select_for_update(skip_locked=True)
            .filter(product=product)
            .values_list("pk", "day", "rebuild")
        )
        pending = _claim_pending(product)
        if not claimed and not pending:
            return 0
        result = recompute(
            product,
            {day for _, day, rebuild in claimed if rebuild},
            touched={day for _, day, rebuild in claimed if not rebuild},
            pending=pending,
        )
        DirtyDay.objects.filter(pk__in=[pk for pk, _, _ in claimed]).delete()
        PendingEvents.objects.filter(pk__in=pending).delete()
        kpi_alerts_check(product=product)
    return result.days


def _lock(product: Product) -> None:
    """Serialize recomputes of one product: each changes the summaries the next one reads."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7302, product.pk])


def _claim_pending(product: Product) -> list[int]:
    return list(
        PendingEvents.objects.select_for_update(skip_locked=True)
        .filter(product=product)
        .values_list("pk", flat=True)
    )


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
        _lock(product)
        DirtyDay.objects.filter(product=product).delete()
        pending = _claim_pending(product)
        days = recompute(product, None, pending=pending).days
        PendingEvents.objects.filter(pk__in=pending).delete()
        kpi_alerts_check(product=product)
        return days
