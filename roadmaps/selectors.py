"""Reads of the roadmaps app that are more than a one-line queryset."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from metrics.models import Interval, MetricPoint
from roadmaps.models import KeyResult, Objective, health_of


def key_results_with_values(objectives: QuerySet[Objective] | list[Objective]) -> QuerySet:
    """The key results of ``objectives`` with ``live_value``: their metric's latest daily point
    (one query however many key results)."""
    latest = (
        MetricPoint.objects.filter(metric=OuterRef("metric_id"), interval=Interval.DAY)
        .order_by("-bucket")
        .values("value")[:1]
    )
    return (
        KeyResult.objects.filter(objective__in=objectives)
        .select_related("objective", "metric", "owner")
        .annotate(live_value=Subquery(latest))
    )


@dataclass(frozen=True)
class KeyResultState:
    key_result: KeyResult
    current: float | None  # the metric's latest value, or the one entered by hand
    progress: float | None
    health: str | None


def key_result_state(key_result: KeyResult, *, today: date | None = None) -> KeyResultState:
    """Current value, progress and health of ``key_result`` (read from
    ``key_results_with_values`` when the metric's value is needed)."""
    today = today or timezone.now().date()
    if key_result.metric_id is not None:
        current = getattr(key_result, "live_value", None)
    else:
        current = key_result.current_value
    progress = key_result.progress(current)
    return KeyResultState(
        key_result=key_result,
        current=current,
        progress=progress,
        health=health_of(progress, key_result.objective.elapsed(today)),
    )
