"""Composed reads of the metrics app, shared by the HTML views and the API.

Every function takes a product that came from a scoped getter (``pmhub.selectors.product_get``)
or a workspace, so no row of another workspace is ever read.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from metrics.links import KpiLink, kpi_links
from metrics.models import (
    Annotation,
    ChartKind,
    CohortWeek,
    Dashboard,
    DashboardTile,
    Event,
    Experiment,
    Interval,
    Metric,
    MetricKind,
    MetricPoint,
    Rejection,
    WriteKey,
)
from pmhub.models import Product, Workspace
from pmhub.selectors import product_list
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


def product_metric_get(*, workspace: Workspace, product_pk: int | str, key: str) -> Metric:
    """One metric by key of a product of ``workspace``, its product loaded, in one query; a 404
    otherwise (another workspace's product included)."""
    return get_scoped_or_404(
        Metric.objects.select_related("product"), workspace, product_id=product_pk, key=key
    )


@dataclass
class Series:
    metric: Metric
    interval: str
    start: date
    end: date
    computed_at: datetime | None
    points: list[tuple[date, float | None]]
    details: dict[date, dict] = field(default_factory=dict)  # e.g. a funnel's step counts


# The series API's read, the hottest of dashboards: a statement written once costs far less CPU
# than compiling the equivalent queryset on every request (the unique key serves it).
# Only the latest ``computed_at`` is sent: parsing a timestamp per point was a sixth of a request.
_SERIES_SQL = """
SELECT bucket, value, CASE WHEN row_number() OVER (ORDER BY computed_at DESC) = 1
                           THEN computed_at END, detail
FROM metrics_metricpoint
WHERE metric_id = %s AND interval = %s AND bucket BETWEEN %s AND %s ORDER BY bucket
"""


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
    with connection.cursor() as cursor:
        cursor.execute(_SERIES_SQL, [metric.pk, interval, start, end])
        rows = [
            (bucket, value, computed, json.loads(detail) if isinstance(detail, str) else detail)
            for bucket, value, computed, detail in cursor.fetchall()
        ]
    computed = next((row[2] for row in rows if row[2] is not None), None)
    return Series(
        metric=metric,
        interval=interval,
        start=start,
        end=end,
        computed_at=computed,
        points=[(bucket, value) for bucket, value, _, _ in rows],
        details={bucket: detail for bucket, _, _, detail in rows if detail},
    )


# --- KPI dashboards ------------------------------------------------------------------------------

# The product dashboard's tiles and charts, and the workspace overview's tiles, by metric key.
DASHBOARD_KEYS = ("dau", "wau", "mau", "new_users", "stickiness", "retention_w1", "revenue", "arpu")
OVERVIEW_KEYS = ("dau", "mau", "revenue", "arpu")
# Points read before a range's first bucket, so its first tile still has a previous bucket.
_LOOKBACK: dict[str, int] = {Interval.DAY: 2, Interval.WEEK: 14, Interval.MONTH: 62}


def value_format(metric: Metric) -> str:
    """How a metric's values read: ``percent`` (a share), ``decimal`` (money, ratios), ``count``."""
    if metric.unit == "ratio" or metric.kind in (MetricKind.STICKINESS, MetricKind.RETENTION):
        return "percent"
    if metric.kind in (MetricKind.SUM, MetricKind.AVERAGE, MetricKind.RATIO):
        return "decimal"
    return "count"


@dataclass
class Tile:
    """One KPI: its latest finished bucket, the bucket before, and the range's points up to it.

    ``current`` is the latest bucket that is over (today's day, week or month is still filling
    up, so comparing it with a whole bucket would mislead); when none in the range is over, the
    latest one, with ``partial`` set. A retention cohort is over once its following week is.
    """

    metric: Metric
    interval: str
    points: list[tuple[date, float | None]]
    current: tuple[date, float | None] | None
    previous: tuple[date, float | None] | None
    partial: bool
    links: list[KpiLink] = field(default_factory=list)  # the key results it measures, …

    @property
    def key(self) -> str:
        return self.metric.key

    @property
    def status(self) -> str | None:
        """good / warning / bad against the KPI's thresholds; None without a target."""
        return self.metric.status_of(self.current[1]) if self.current else None

    @property
    def format(self) -> str:
        return value_format(self.metric)

    @property
    def change(self) -> float | None:
        """Change vs the previous bucket: points for shares (0.02), else relative (0.1 = 10 %)."""
        if self.current is None or self.previous is None:
            return None
        now, before = self.current[1], self.previous[1]
        if now is None or before is None:
            return None
        if self.format == "percent":
            return now - before
        return (now - before) / abs(before) if before else None

    @property
    def change_unit(self) -> str:
        """How ``change`` reads: ``points`` (shares) or ``relative`` (0.1 = 10 %)."""
        return "points" if self.format == "percent" else "relative"

    @property
    def direction(self) -> str:
        change = self.change
        if change is None:
            return "none"
        if abs(change) < 1e-9:
            return "flat"
        return "up" if change > 0 else "down"


@dataclass
class KpiBoard:
    """The KPIs of one product over a date range, in one interval (retention: always weeks)."""

    product: Product
    interval: str
    start: date
    end: date
    last_day: date | None  # the last day with computed data; None: nothing computed yet
    today: date
    computed_at: datetime | None
    metrics: dict[str, Metric]
    series: dict[str, list[tuple[date, float | None]]]
    tiles: list[Tile]

    @property
    def has_data(self) -> bool:
        return self.last_day is not None

    @property
    def has_points_in_range(self) -> bool:
        return any(points for points in self.series.values())


def _interval_of(metric: Metric, interval: str) -> str:
    return Interval.WEEK if metric.kind == MetricKind.RETENTION else interval


def bucket_start(day: date, interval: str) -> date:
    """The first day of the ``interval`` bucket holding ``day`` (weeks start on Monday)."""
    if interval == Interval.WEEK:
        return day - timedelta(days=day.weekday())
    if interval == Interval.MONTH:
        return day.replace(day=1)
    return day


def bucket_over(
    bucket: date, interval: str, metric: Metric, *, today: date, last_day: date
) -> bool:
    """Whether ``bucket`` is over: its last day is past (a cohort: its follow-up week too)."""
    if metric.kind == MetricKind.RETENTION:
        follow_up_end = bucket + timedelta(weeks=metric.retention_weeks, days=6)
        return follow_up_end <= min(last_day, today - timedelta(days=1))
    if interval == Interval.WEEK:
        return bucket + timedelta(days=6) < today
    if interval == Interval.MONTH:
        return (bucket.replace(day=28) + timedelta(days=4)).replace(day=1) <= today
    return bucket < today


def _tile(
    metric: Metric,
    interval: str,
    fetched: list[tuple[date, float | None]],
    in_range: list[tuple[date, float | None]],
    *,
    today: date,
    last_day: date | None,
) -> Tile:
    """The tile of ``metric``: ``fetched`` holds the range's points and a few before it."""
    if not in_range or last_day is None:
        return Tile(metric, interval, in_range, None, None, partial=False)
    first_shown = len(fetched) - len(in_range)
    current = len(fetched) - 1
    partial = True
    for index in range(current, first_shown - 1, -1):
        if bucket_over(fetched[index][0], interval, metric, today=today, last_day=last_day):
            current, partial = index, False
            break
    previous = fetched[current - 1] if current > 0 else None
    # The sparkline ends with the value the tile shows, not with a bucket still filling up.
    shown = in_range[: current - first_shown + 1]
    return Tile(metric, interval, shown, fetched[current], previous, partial=partial)


def kpi_boards(
    *,
    products: list[Product],
    keys: tuple[str, ...] | None,
    interval: str,
    start: date | None = None,
    end: date | None = None,
    span_days: int = 90,
    max_days: int = 1100,
    today: date | None = None,
    targets_only: bool = False,
) -> dict[int, KpiBoard]:
    """The KPI tiles and series of ``keys`` for each of ``products`` (from scoped getters).

    ``keys`` None: every metric of the products, by key; ``targets_only``: only the metrics
    that have a target (the KPIs).

    Without ``end``, a product's range ends on its last day with data; without ``start``, it
    covers ``span_days`` days up to ``end``; never more than ``max_days`` (the start moves up).
    A bucket is in the range when it overlaps it. Four
    queries whatever the number of products, metrics and buckets: the metrics, each product's
    last day, the points, and what the tiles link to (``metrics.links``: the key results that
    roadmaps registers). Missing metrics (a key deleted) get no tile.
    """
    today = today or timezone.now().date()
    if not products:
        return {}
    chosen = Metric.objects.filter(product__in=products).select_related("owner")
    if keys is not None:
        chosen = chosen.filter(key__in=keys)
    if targets_only:
        chosen = chosen.filter(target__isnull=False)
    metrics = list(chosen.order_by("product_id", "key"))
    by_product: dict[int, dict[str, Metric]] = {p.pk: {} for p in products}
    for each in metrics:
        by_product[each.product_id][each.key] = each
    last_days = {
        row["metric__product_id"]: row["day"] or row["any"]
        for row in MetricPoint.objects.filter(metric__in=metrics)
        .values("metric__product_id")
        .annotate(day=Max("bucket", filter=Q(interval=Interval.DAY)), any=Max("bucket"))
    }
    ranges: dict[int, tuple[date, date]] = {}
    wanted = Q(pk__in=[])
    for product in products:
        last = end or last_days.get(product.pk) or today
        first = start or last - timedelta(days=span_days - 1)
        first = max(first, last - timedelta(days=max_days - 1))
        ranges[product.pk] = (first, last)
        grouped: dict[str, list[int]] = defaultdict(list)
        for each in by_product[product.pk].values():
            grouped[_interval_of(each, interval)].append(each.pk)
        for own, ids in grouped.items():
            low = bucket_start(first, own) - timedelta(days=_LOOKBACK[own])
            wanted |= Q(metric__in=ids, interval=own, bucket__range=(low, last))
    links = kpi_links(metrics)
    rows: dict[int, list[tuple[date, float | None]]] = defaultdict(list)
    computed: dict[int, datetime] = {}
    for metric_id, bucket, value, at in (
        MetricPoint.objects.filter(wanted)
        .order_by("bucket")
        .values_list("metric_id", "bucket", "value", "computed_at")
    ):
        rows[metric_id].append((bucket, value))
        computed[metric_id] = max(at, computed.get(metric_id, at))
    boards = {}
    for product in products:
        first, last = ranges[product.pk]
        own_metrics = by_product[product.pk]
        last_day = last_days.get(product.pk)
        series: dict[str, list[tuple[date, float | None]]] = {}
        tiles = []
        for key in keys if keys is not None else sorted(own_metrics):
            metric = own_metrics.get(key)
            if metric is None:
                continue
            own = _interval_of(metric, interval)
            fetched = rows[metric.pk]
            series[key] = [p for p in fetched if p[0] >= bucket_start(first, own)]
            tile = _tile(metric, own, fetched, series[key], today=today, last_day=last_day)
            tile.links = links.get(metric.pk, [])
            tiles.append(tile)
        stamps = [computed[m.pk] for m in own_metrics.values() if m.pk in computed]
        boards[product.pk] = KpiBoard(
            product=product,
            interval=interval,
            start=first,
            end=last,
            last_day=last_day,
            today=today,
            computed_at=max(stamps, default=None),
            metrics=own_metrics,
            series=series,
            tiles=tiles,
        )
    return boards


def kpi_board(
    *,
    product: Product,
    interval: str,
    start: date | None = None,
    end: date | None = None,
    span_days: int = 90,
) -> KpiBoard:
    """The product KPI dashboard: a tile and a series per standard KPI (see ``kpi_boards``)."""
    return kpi_boards(
        products=[product],
        keys=DASHBOARD_KEYS,
        interval=interval,
        start=start,
        end=end,
        span_days=span_days,
    )[product.pk]


def kpi_overview(
    *, workspace: Workspace, interval: str = Interval.DAY, span_days: int = 30
) -> list[KpiBoard]:
    """The executive overview: the headline KPIs of every active product of ``workspace``.

    Five queries whatever the number of products: the products, then ``kpi_boards``'s four.
    """
    products = list(product_list(workspace=workspace).order_by("name", "pk"))
    boards = kpi_boards(
        products=products, keys=OVERVIEW_KEYS, interval=interval, span_days=span_days
    )
    return [boards[p.pk] for p in products]


# --- Annotations ---------------------------------------------------------------------------------


def annotation_list(
    *, product: Product, start: date | None = None, end: date | None = None
) -> QuerySet[Annotation]:
    """The notes on ``product``'s charts from ``start`` to ``end`` (both included), by day."""
    qs = Annotation.objects.filter(product=product).select_related("created_by")
    if start is not None:
        qs = qs.filter(day__gte=start)
    if end is not None:
        qs = qs.filter(day__lte=end)
    return qs.order_by("day", "id")


def annotation_get(*, product: Product, pk: int) -> Annotation:
    """One annotation of ``product`` (with its product); a 404 for anyone else's."""
    return get_scoped_or_404(
        annotation_list(product=product).select_related("product__workspace"),
        product.workspace,
        pk=pk,
    )


def bucket_end(bucket: date, interval: str) -> date:
    """The last day of the bucket that starts on ``bucket``."""
    if interval == Interval.WEEK:
        return bucket + timedelta(days=6)
    if interval == Interval.MONTH:
        return (bucket.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return bucket


def kpi_list(
    *, products: list[Product], interval: str = Interval.DAY, today: date | None = None
) -> list[tuple[KpiBoard, Tile]]:
    """Every KPI (a metric with a target) of ``products``, as its dashboard tile shows it.

    By product (in the given order), then key; the value is the latest finished bucket (see
    ``Tile``). Four queries whatever the number of products and KPIs (``kpi_boards``).
    """
    boards = kpi_boards(
        products=products, keys=None, interval=interval, targets_only=True, today=today
    )
    return [(boards[p.pk], tile) for p in products for tile in boards[p.pk].tiles]


# --- The retention cohort table and funnels ------------------------------------------------------

# The heatmap's size: the latest cohorts of the range, and the weeks after each (week 0 included).
RETENTION_COHORTS = 12
RETENTION_WEEKS = 12
# Rollups of any event (``metrics.compute.ANY``): who was active on a day.
ANY_ACTIVITY = "any"


@dataclass
class CohortRow:
    """A weekly cohort (persons first seen that ISO week) and the share active each week after.

    ``shares[k]`` is None while week *k* is not over (or past the data).
    """

    cohort: date
    size: int
    shares: list[float | None]


@dataclass
class RetentionTable:
    weeks: int
    rows: list[CohortRow]


def retention_table(
    *,
    product: Product,
    start: date,
    end: date,
    last_day: date | None,
    today: date | None = None,
    cohorts: int = RETENTION_COHORTS,
    weeks: int = RETENTION_WEEKS,
) -> RetentionTable:
    """The cohort table of ``product``: the latest ``cohorts`` weekly cohorts of the range
    (persons first seen that ISO week) × weeks 0 … ``weeks`` − 1 after: the share of the cohort
    with any event in that week.

    Reads the cohort table a recompute keeps (``CohortWeek``, its week 0 being the cohort's
    size): one query of at most cohorts × weeks rows. A week counts once it is over, within the
    data (as ``bucket_over``).
    """
    today = today or timezone.now().date()
    if last_day is None:
        return RetentionTable(weeks=weeks, rows=[])
    known = min(last_day, today - timedelta(days=1))  # the last day whose activity is final
    last_cohort = bucket_start(min(end, last_day), Interval.WEEK)
    first_cohort = max(
        bucket_start(start, Interval.WEEK), last_cohort - timedelta(weeks=cohorts - 1)
    )
    if first_cohort > last_cohort:
        return RetentionTable(weeks=weeks, rows=[])
    cells = CohortWeek.objects.filter(
        product=product, cohort__range=(first_cohort, last_cohort)
    ).values_list("cohort", "week", "persons")
    returned = {(cohort, (week - cohort).days // 7): n for cohort, week, n in cells}
    sizes = {cohort: n for (cohort, k), n in returned.items() if k == 0}
    rows = []
    cohort = last_cohort
    while cohort >= first_cohort:
        size = sizes.get(cohort, 0)
        shares: list[float | None] = []
        for k in range(weeks):
            over = cohort + timedelta(weeks=k, days=6) <= known
            shares.append(returned.get((cohort, k), 0) / size if size and over else None)
        rows.append(CohortRow(cohort=cohort, size=size, shares=shares))
        cohort -= timedelta(weeks=1)
    while rows and not rows[-1].size:  # weeks before anyone was first seen
        rows.pop()
    return RetentionTable(weeks=weeks, rows=rows)


@dataclass
class FunnelBars:
    """A funnel over a range: the persons reaching each step, summed over its days' entries."""

    metric: Metric
    steps: list[str]
    persons: list[int]

    @property
    def conversion(self) -> float | None:
        return self.persons[-1] / self.persons[0] if self.persons and self.persons[0] else None


def funnel_bars(*, product: Product, start: date, end: date) -> list[FunnelBars]:
    """Every funnel metric of ``product``, by key, with its persons per step from ``start`` to
    ``end``: the sum of its daily points' step counts (a person entering on two days counts
    twice). Two queries: the funnels and their daily points.
    """
    funnels = list(Metric.objects.filter(product=product, kind=MetricKind.FUNNEL).order_by("key"))
    totals = {m.pk: [0] * len(m.steps) for m in funnels}
    for metric_id, detail in MetricPoint.objects.filter(
        metric__in=funnels, interval=Interval.DAY, bucket__range=(start, end)
    ).values_list("metric_id", "detail"):
        counts = (detail or {}).get("persons") or []
        if len(counts) == len(totals[metric_id]):  # a point of older steps is left out
            totals[metric_id] = [a + b for a, b in zip(totals[metric_id], counts, strict=True)]
    return [FunnelBars(metric=m, steps=list(m.steps), persons=totals[m.pk]) for m in funnels]


# --- User-arranged dashboards --------------------------------------------------------------------


def dashboard_list(*, workspace: Workspace, product: Product | None = None) -> QuerySet[Dashboard]:
    """Dashboards of ``workspace`` (or of one of its products) by name, with their tile counts."""
    qs = scope(
        Dashboard.objects.select_related("product", "created_by").annotate(
            tile_count=Count("tiles")
        ),
        workspace,
    )
    if product is not None:
        qs = qs.filter(product=product)
    return qs.order_by("name", "id")


def dashboard_get(*, workspace: Workspace, pk: int) -> Dashboard:
    """One dashboard of ``workspace`` (with its product and workspace); a 404 otherwise."""
    return get_scoped_or_404(
        Dashboard.objects.select_related("product", "workspace", "created_by"), workspace, pk=pk
    )


def dashboard_tile_list(*, dashboard: Dashboard) -> QuerySet[DashboardTile]:
    """The tiles of ``dashboard`` in order, with their metric and its product."""
    return dashboard.tiles.select_related("metric__product").order_by("position", "id")


def dashboard_tile_get(*, dashboard: Dashboard, pk: int) -> DashboardTile:
    """One tile of ``dashboard``; a 404 for any other dashboard's."""
    tile = dashboard_tile_list(dashboard=dashboard).filter(pk=pk).first()
    if tile is None:
        raise Http404("No tile of this dashboard has this id.")
    tile.dashboard = dashboard
    return tile


@dataclass
class TileView:
    """What a dashboard tile draws: its KPI tile and series, or a cohort table or a funnel."""

    tile: DashboardTile
    board: KpiBoard | None
    kpi: Tile | None = None
    retention: RetentionTable | None = None
    funnel: FunnelBars | None = None

    @property
    def points(self) -> list[tuple[date, float | None]]:
        """The range's points, bucket by bucket (the KPI tile's stop at its finished bucket)."""
        if self.board is None:
            return []
        return self.board.series.get(self.tile.metric.key, [])


def dashboard_view(*, dashboard: Dashboard, today: date | None = None) -> list[TileView]:
    """Every tile of ``dashboard`` with what it draws over the latest 90 days of its product.

    The line, bar, area and number tiles are read by ``kpi_boards``, four queries per interval
    in use; a heatmap tile reads its cohort table (two), a funnel tile its points (two).
    """
    tiles = list(dashboard_tile_list(dashboard=dashboard))
    boards: dict[tuple[str, int], KpiBoard] = {}
    for interval in sorted({t.interval for t in tiles}):
        group = [t for t in tiles if t.interval == interval]
        products = list({t.metric.product_id: t.metric.product for t in group}.values())
        keys = tuple(sorted({t.metric.key for t in group}))
        for pk, each in kpi_boards(
            products=products, keys=keys, interval=interval, today=today
        ).items():
            boards[(interval, pk)] = each
    views = []
    for tile in tiles:
        board = boards.get((tile.interval, tile.metric.product_id))
        view = TileView(tile=tile, board=board)
        if board is not None:
            view.kpi = next((k for k in board.tiles if k.metric.pk == tile.metric_id), None)
            if tile.kind == ChartKind.HEATMAP:
                view.retention = retention_table(
                    product=tile.metric.product,
                    start=board.start,
                    end=board.end,
                    last_day=board.last_day,
                    today=board.today,
                )
            elif tile.kind == ChartKind.FUNNEL:
                bars = funnel_bars(product=tile.metric.product, start=board.start, end=board.end)
                view.funnel = next((f for f in bars if f.metric.pk == tile.metric_id), None)
        views.append(view)
    return views


def experiment_list(*, product: Product) -> QuerySet[Experiment]:
    """The experiments of ``product``, newest first, with who decided them."""
    return Experiment.objects.filter(product=product).select_related("decided_by")


def experiment_get(*, product: Product, key: str) -> Experiment:
    """One experiment of ``product`` by key (with its product); a 404 otherwise."""
    experiment = experiment_list(product=product).select_related("product").filter(key=key).first()
    if experiment is None:
        raise Http404("No experiment with this key.")
    return experiment
