"""The impact review: did the work move the number?

For each shipped release that carries an initiative, and each metric measuring a key result of
the objectives the initiative serves, compare the metric's daily values over two equal windows
around the ship day: the ``w`` days before it and the ``w`` days from it on (``w`` is the review
window, shortened while fewer days have passed since shipping; today, still being counted, is
left out). For rate metrics whose counts are known (a ratio of two counts, a funnel) the change
is tested with a two-proportion z-test on the windows' summed counts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from metrics.models import Interval, Metric, MetricKind, MetricPoint
from metrics.stats import ZTest, z_test
from roadmaps.models import Initiative, KeyResult, Release, ReleaseStatus

REVIEW_DAYS = 28


@dataclass(frozen=True)
class Window:
    first: date
    last: date
    mean: float | None  # of the daily values present
    days: int  # days with a value
    successes: float | None = None  # rate metrics: the summed counts
    trials: float | None = None

    @property
    def length(self) -> int:
        """Days in the window (some may lack a value)."""
        return (self.last - self.first).days + 1

    @property
    def rate(self) -> float | None:
        if self.successes is None or not self.trials:
            return None
        return self.successes / self.trials


@dataclass(frozen=True)
class Impact:
    release: Release
    metric: Metric
    key_results: list[str]
    before: Window
    after: Window
    test: ZTest | None  # rate metrics with counts on both sides

    @property
    def change(self) -> float | None:
        if self.before.mean is None or self.after.mean is None:
            return None
        return self.after.mean - self.before.mean

    @property
    def relative(self) -> float | None:
        change = self.change
        return change / abs(self.before.mean) if change is not None and self.before.mean else None

    @property
    def significant(self) -> bool:
        return self.test is not None and self.test.p_value < 0.05


def _window(
    values: dict[date, tuple[float | None, dict | None]],
    parts: tuple[dict[date, float | None], dict[date, float | None]] | None,
    metric: Metric,
    first: date,
    last: date,
) -> Window:
    days = [first + timedelta(n) for n in range((last - first).days + 1)]
    present: list[float] = [v for d in days if d in values and (v := values[d][0]) is not None]
    successes = trials = None
    if metric.kind == MetricKind.FUNNEL:
        persons: list[list[int]] = []
        for d in days:
            detail = values[d][1] if d in values else None
            if detail and detail.get("persons"):
                persons.append(detail["persons"])
        if persons:
            trials = float(sum(p[0] for p in persons))
            successes = float(sum(p[-1] for p in persons))
    elif parts is not None:
        numerator, denominator = parts
        successes = float(sum(numerator.get(d) or 0 for d in days))
        trials = float(sum(denominator.get(d) or 0 for d in days))
        if successes > trials:  # not a proportion (e.g. revenue per user): no rate test
            successes = trials = None
    return Window(
        first=first,
        last=last,
        mean=sum(present) / len(present) if present else None,
        days=len(present),
        successes=successes,
        trials=trials,
    )


def impact_review(
    initiative: Initiative, *, days: int = REVIEW_DAYS, today: date | None = None
) -> list[Impact]:
    """Before/after of every key-result metric of ``initiative``, per shipped release (newest
    release first). Three queries whatever the number of releases and metrics."""
    today = today or timezone.localdate()
    releases = list(
        Release.objects.filter(
            initiatives=initiative, status=ReleaseStatus.SHIPPED, shipped_on__isnull=False
        ).order_by("-shipped_on", "name")
    )
    if not releases:
        return []
    measured: dict[int, list[str]] = defaultdict(list)
    metrics: dict[int, Metric] = {}
    for key_result in (
        KeyResult.objects.filter(objective__initiatives=initiative, metric__isnull=False)
        .select_related("metric")
        .order_by("objective_id", "position", "pk")
    ):
        metric = key_result.metric
        assert metric is not None  # filtered above
        metrics[metric.pk] = metric
        measured[metric.pk].append(key_result.title)
    if not metrics:
        return []
    ratio_parts = {
        m.pk: (m.numerator_id, m.denominator_id)
        for m in metrics.values()
        if m.kind == MetricKind.RATIO and m.numerator_id and m.denominator_id
    }
    wanted = set(metrics) | {pk for pair in ratio_parts.values() for pk in pair}
    ship_days = [r.shipped_on for r in releases if r.shipped_on is not None]
    earliest, latest = min(ship_days) - timedelta(days), max(ship_days) + timedelta(days)
    series: dict[int, dict[date, tuple[float | None, dict | None]]] = defaultdict(dict)
    for metric_id, bucket, value, detail in MetricPoint.objects.filter(
        metric_id__in=wanted, interval=Interval.DAY, bucket__gte=earliest, bucket__lte=latest
    ).values_list("metric_id", "bucket", "value", "detail"):
        series[metric_id][bucket] = (value, detail)
    impacts = []
    for release in releases:
        ship = release.shipped_on
        assert ship is not None
        width = min(days, (today - ship).days)  # after-window days fully counted so far
        if width <= 0:
            continue
        for metric_id, metric in metrics.items():
            pair = ratio_parts.get(metric_id)
            parts = (
                (
                    {d: v for d, (v, _) in series[pair[0]].items()},
                    {d: v for d, (v, _) in series[pair[1]].items()},
                )
                if pair
                else None
            )
            before = _window(
                series[metric_id], parts, metric, ship - timedelta(width), ship - timedelta(1)
            )
            after = _window(series[metric_id], parts, metric, ship, ship + timedelta(width - 1))
            test = None
            if before.trials and after.trials:
                test = z_test(
                    round(before.successes or 0),
                    round(before.trials),
                    round(after.successes or 0),
                    round(after.trials),
                )
            impacts.append(
                Impact(
                    release=release,
                    metric=metric,
                    key_results=measured[metric_id],
                    before=before,
                    after=after,
                    test=test,
                )
            )
    return impacts
