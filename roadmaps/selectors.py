"""Reads of the roadmaps app that are more than a one-line queryset."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from metrics.models import Interval, MetricPoint
from pmhub.models import Product, Workspace
from pmhub.tenancy import get_scoped_or_404, scope
from roadmaps.models import (
    Horizon,
    Initiative,
    KeyResult,
    Objective,
    Release,
    health_of,
)


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


# --- Planning pages: the board, the timeline, the OKR tree, the export -------------------------


def initiative_get(*, workspace: Workspace, pk: int) -> Initiative:
    """One initiative of ``workspace`` with its product, theme and owner; 404 for any other."""
    return get_scoped_or_404(
        Initiative.objects.select_related("product__workspace", "theme", "owner"),
        workspace,
        pk=pk,
    )


def objective_get(*, workspace: Workspace, pk: int) -> Objective:
    """One objective of ``workspace`` with its product; 404 for any other workspace's."""
    return get_scoped_or_404(
        Objective.objects.select_related("workspace", "product", "parent", "owner"),
        workspace,
        pk=pk,
    )


def key_result_get(*, workspace: Workspace, pk: int) -> KeyResult:
    """One key result of ``workspace`` with its objective; 404 for any other workspace's."""
    return get_scoped_or_404(
        KeyResult.objects.select_related("objective__workspace", "objective__product", "metric"),
        workspace,
        pk=pk,
    )


HORIZON_ORDER = tuple(Horizon.values)  # now, next, later: the board's columns, left to right


@dataclass(frozen=True)
class BoardMove:
    """A keyboard move of a card: into ``horizon`` above the card ``before`` (None: the bottom).

    ``direction`` is up, down (within the column), left or right (a neighbouring column's
    bottom).
    """

    direction: str
    horizon: str
    before: int | None

    @property
    def label(self) -> str:
        return self.direction if self.direction in ("up", "down") else f"to {self.horizon}"


@dataclass(frozen=True)
class BoardCard:
    """An initiative on the board, its dependency count and its keyboard moves."""

    initiative: Initiative
    dependencies: int
    moves: list[BoardMove]


def _moves(items: list[Initiative], n: int, horizon: str, index: int) -> list[BoardMove]:
    moves = []
    if n > 0:  # above the card now above it
        moves.append(BoardMove("up", horizon, items[n - 1].pk))
    if n + 1 < len(items):  # above the card two below (none: the bottom)
        moves.append(BoardMove("down", horizon, items[n + 2].pk if n + 2 < len(items) else None))
    if index > 0:
        moves.append(BoardMove("left", HORIZON_ORDER[index - 1], None))
    if index + 1 < len(HORIZON_ORDER):
        moves.append(BoardMove("right", HORIZON_ORDER[index + 1], None))
    return moves


@dataclass(frozen=True)
class BoardColumn:
    horizon: str
    label: str
    cards: list[BoardCard]


def board_columns(*, product: Product) -> list[BoardColumn]:
    """The Now/Next/Later columns of ``product``: its initiatives in rank order, with theme,
    owner and dependency count (one query however many initiatives)."""
    initiatives = (
        Initiative.objects.filter(product=product)
        .select_related("theme", "owner")
        .annotate(dependency_count=Count("depends_on"))
        .order_by("rank", "pk")
    )
    by_horizon: dict[str, list[Initiative]] = {horizon: [] for horizon in HORIZON_ORDER}
    for initiative in initiatives:
        by_horizon.setdefault(initiative.horizon, []).append(initiative)
    columns = []
    for index, (horizon, label) in enumerate(Horizon.choices):
        items = by_horizon[horizon]
        cards = [
            BoardCard(
                initiative=initiative,
                dependencies=initiative.dependency_count,  # type: ignore[attr-defined]
                moves=_moves(items, n, horizon, index),
            )
            for n, initiative in enumerate(items)
        ]
        columns.append(BoardColumn(horizon=horizon, label=label, cards=cards))
    return columns


# The timeline: how many header columns each zoom shows, and the fixed heights the template and
# the dependency lines share (bars are placed in Python, so the page needs no layout script).
ZOOMS = {"month": 6, "quarter": 6, "year": 3}
ZOOM_MONTHS = {"month": 1, "quarter": 3, "year": 12}
TIMELINE_GROUPS = ("theme", "objective")
ROW_HEIGHT = 34
GROUP_HEIGHT = 30


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _floor(day: date, zoom: str) -> date:
    step = ZOOM_MONTHS[zoom]
    return date(day.year, (day.month - 1) // step * step + 1, 1)


def _column_label(start: date, zoom: str) -> str:
    if zoom == "month":
        return start.strftime("%b %Y")
    if zoom == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    return str(start.year)


@dataclass(frozen=True)
class TimelineColumn:
    label: str
    start: date
    left: float  # percent of the window
    width: float


@dataclass(frozen=True)
class TimelineWindow:
    """The dates a timeline shows: ``start`` up to (not including) ``end``, in ``columns``."""

    zoom: str
    start: date
    end: date
    columns: list[TimelineColumn]
    previous: date
    next: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def percent(self, day: date) -> float:
        return (day - self.start).days * 100 / self.days


def timeline_window(
    *, zoom: str, start: date | None = None, today: date | None = None
) -> TimelineWindow:
    """The window of a timeline at ``zoom`` (month, quarter or year) from ``start``'s period;
    by default from the period before today's (this year's at the year zoom)."""
    zoom = zoom if zoom in ZOOMS else "month"
    today = today or timezone.now().date()
    step = ZOOM_MONTHS[zoom]
    if start is None:
        start = _add_months(_floor(today, zoom), 0 if zoom == "year" else -step)
    first = _floor(start, zoom)
    count = ZOOMS[zoom]
    end = _add_months(first, step * count)
    total = (end - first).days
    columns = []
    for n in range(count):
        column_start = _add_months(first, step * n)
        column_end = _add_months(column_start, step)
        columns.append(
            TimelineColumn(
                label=_column_label(column_start, zoom),
                start=column_start,
                left=(column_start - first).days * 100 / total,
                width=(column_end - column_start).days * 100 / total,
            )
        )
    shift = step * max(1, count // 2)
    return TimelineWindow(
        zoom=zoom,
        start=first,
        end=end,
        columns=columns,
        previous=_add_months(first, -shift),
        next=_add_months(first, shift),
    )


@dataclass
class TimelineBar:
    """An initiative's row; ``visible`` when it has both dates and they meet the window."""

    initiative: Initiative
    top: int = 0  # px from the top of the timeline body
    visible: bool = False
    left: float = 0.0  # percent of the track
    width: float = 0.0
    clipped_start: bool = False
    clipped_end: bool = False
    span: str = ""  # "1 Dec 2026 – 25 Dec 2026", for its title and label

    @property
    def middle(self) -> int:
        return self.top + ROW_HEIGHT // 2

    @property
    def right(self) -> float:
        return self.left + self.width


@dataclass
class TimelineGroup:
    label: str
    colour: str
    top: int = 0
    bars: list[TimelineBar] = field(default_factory=list)


@dataclass(frozen=True)
class TimelineLink:
    """A dependency drawn from the end of the bar it waits for to the start of its own bar;
    ``late`` when it starts before the other one ends."""

    x1: float
    y1: int
    x2: float
    y2: int
    late: bool
    label: str


@dataclass(frozen=True)
class TimelineMarker:
    release: Release
    left: float


@dataclass(frozen=True)
class Timeline:
    window: TimelineWindow
    group: str
    groups: list[TimelineGroup]
    links: list[TimelineLink]
    releases: list[TimelineMarker]
    today: float | None
    height: int

    @property
    def bars(self) -> list[TimelineBar]:
        return [bar for group in self.groups for bar in group.bars]


def _objectives_in_order() -> Prefetch:
    return Prefetch("objectives", queryset=Objective.objects.order_by("starts_on", "title", "pk"))


def _place(bar: TimelineBar, window: TimelineWindow) -> None:
    starts, ends = bar.initiative.starts_on, bar.initiative.ends_on
    if starts is None or ends is None:
        return
    after_end = ends + timedelta(days=1)  # an end date is the bar's last day, drawn in full
    if starts >= window.end or after_end <= window.start:
        return
    bar.visible = True
    bar.span = f"{starts.day} {starts:%b %Y} – {ends.day} {ends:%b %Y}"
    bar.clipped_start, bar.clipped_end = starts < window.start, after_end > window.end
    bar.left = max(0.0, window.percent(starts))
    bar.width = min(100.0, window.percent(after_end)) - bar.left


def _group_key(initiative: Initiative, group: str) -> tuple:
    """Sort key and (label, colour) of ``initiative``'s group; the ungrouped come last."""
    if group == "product":
        product = initiative.product
        return (0, product.name.lower(), product.pk), (product.name, "#4f46e5")
    if group == "objective":
        objectives = list(initiative.objectives.all())
        if objectives:
            first = objectives[0]
            return (0, first.starts_on, first.title, first.pk), (first.title, "#4f46e5")
        return (1,), ("No objective", "#9ca3af")
    theme = initiative.theme
    if theme is not None:
        return (0, theme.name.lower(), theme.pk), (theme.name, theme.colour)
    return (1,), ("No theme", "#9ca3af")


def timeline_layout(
    *,
    products: Iterable[Product],
    window: TimelineWindow,
    group: str = "theme",
    today: date | None = None,
) -> Timeline:
    """Bars, release markers and dependency lines of ``products``' initiatives in ``window``,
    grouped by ``group`` (theme, objective, or product for the portfolio).

    Four queries whatever the number of initiatives, releases and dependencies. An initiative
    serving several objectives is drawn once, under the first of them.
    """
    today = today or timezone.now().date()
    product_ids = [product.pk for product in products]
    initiatives = (
        Initiative.objects.filter(product_id__in=product_ids)
        .select_related("theme", "owner", "product")
        .prefetch_related(_objectives_in_order())
    )
    by_group: dict[tuple, TimelineGroup] = {}
    for initiative in initiatives:
        key, (label, colour) = _group_key(initiative, group)
        by_group.setdefault(key, TimelineGroup(label=label, colour=colour)).bars.append(
            TimelineBar(initiative=initiative)
        )
    groups = [by_group[key] for key in sorted(by_group)]
    top = 0
    placed: dict[int, TimelineBar] = {}
    horizon_rank = {horizon: n for n, horizon in enumerate(HORIZON_ORDER)}
    for timeline_group in groups:
        timeline_group.top = top
        top += GROUP_HEIGHT
        timeline_group.bars.sort(
            key=lambda bar: (
                bar.initiative.starts_on is None,
                bar.initiative.starts_on or window.start,
                horizon_rank.get(bar.initiative.horizon, 3),
                bar.initiative.rank,
            )
        )
        for bar in timeline_group.bars:
            bar.top = top
            top += ROW_HEIGHT
            _place(bar, window)
            placed[bar.initiative.pk] = bar
    links = []
    edges = Initiative.depends_on.through.objects.filter(
        from_initiative__product_id__in=product_ids
    ).values_list("from_initiative_id", "to_initiative_id")
    for waiting, awaited in edges:
        after, before = placed.get(waiting), placed.get(awaited)
        if after is None or before is None or not (after.visible and before.visible):
            continue
        # Both bars are visible, so both initiatives have both dates.
        late = after.initiative.starts_on <= before.initiative.ends_on  # type: ignore[operator]
        links.append(
            TimelineLink(
                x1=before.right,
                y1=before.middle,
                x2=after.left,
                y2=after.middle,
                late=late,
                label=f"{after.initiative.title} waits for {before.initiative.title}",
            )
        )
    releases = Release.objects.filter(
        product_id__in=product_ids, target_date__gte=window.start, target_date__lt=window.end
    ).order_by("target_date", "name")
    markers = [
        TimelineMarker(release=release, left=window.percent(release.target_date) + 50 / window.days)
        for release in releases
    ]
    return Timeline(
        window=window,
        group=group,
        groups=groups,
        links=links,
        releases=markers,
        today=window.percent(today) if window.start <= today < window.end else None,
        height=top,
    )


@dataclass
class ObjectiveNode:
    """An objective in the OKR tree, with its key results' states and its aligned children.

    ``progress`` is the mean of its key results' progress (None without any value yet).
    """

    objective: Objective
    key_results: list[KeyResultState] = field(default_factory=list)
    children: list[ObjectiveNode] = field(default_factory=list)

    @property
    def progress(self) -> float | None:
        values = [state.progress for state in self.key_results if state.progress is not None]
        return sum(values) / len(values) if values else None


def objective_periods(*, workspace: Workspace) -> list[str]:
    """The period labels the objectives of ``workspace`` use, for the period filter."""
    labels = scope(Objective.objects.exclude(period=""), workspace).values_list("period", flat=True)
    return sorted(set(labels))


def objective_tree(
    *,
    workspace: Workspace,
    product: Product | None = None,
    period: str = "",
    today: date | None = None,
) -> list[ObjectiveNode]:
    """The OKR tree of ``workspace``: company objectives with the product objectives aligned
    under them, each with its key results (current value, progress, health). Two queries.

    With ``product``, only its objectives and those they align under; with ``period``, only
    objectives of that period label.
    """
    chosen = scope(Objective.objects.select_related("owner", "product"), workspace)
    if period:
        chosen = chosen.filter(period=period)
    objectives = list(chosen.order_by("product__name", "starts_on", "title", "pk"))
    nodes = {objective.pk: ObjectiveNode(objective=objective) for objective in objectives}
    if nodes:
        for key_result in key_results_with_values(objectives).order_by("position", "pk"):
            node = nodes[key_result.objective_id]
            key_result.objective = node.objective  # one instance: the period is read once
            node.key_results.append(key_result_state(key_result, today=today))
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.objective.parent_id) if node.objective.parent_id else None
        if parent is not None:
            parent.children.append(node)
        else:
            roots.append(node)
    roots.sort(key=lambda node: node.objective.product_id is not None)  # the company's first
    if product is not None:
        roots = [node for node in roots if _serves(node, product)]
        for node in roots:
            _prune(node, product)
    return roots


def _serves(node: ObjectiveNode, product: Product) -> bool:
    return node.objective.product_id == product.pk or any(
        _serves(child, product) for child in node.children
    )


def _prune(node: ObjectiveNode, product: Product) -> None:
    node.children = [child for child in node.children if _serves(child, product)]
    for child in node.children:
        _prune(child, product)


EXPORT_COLUMNS = (
    "title",
    "horizon",
    "status",
    "starts_on",
    "ends_on",
    "theme",
    "objectives",
    "owner",
    "confidence",
    "health",
)


def roadmap_export_rows(*, product: Product) -> list[list[str]]:
    """The roadmap of ``product`` as rows of ``EXPORT_COLUMNS``: Now, Next, Later in rank order
    (two queries)."""
    initiatives = (
        Initiative.objects.filter(product=product)
        .select_related("theme", "owner")
        .prefetch_related(_objectives_in_order())
    )
    order = {horizon: n for n, horizon in enumerate(HORIZON_ORDER)}
    rows = []
    for initiative in sorted(initiatives, key=lambda i: (order[i.horizon], i.rank, i.pk)):
        rows.append(
            [
                initiative.title,
                initiative.get_horizon_display(),
                initiative.get_status_display(),
                initiative.starts_on.isoformat() if initiative.starts_on else "",
                initiative.ends_on.isoformat() if initiative.ends_on else "",
                initiative.theme.name if initiative.theme else "",
                "; ".join(objective.title for objective in initiative.objectives.all()),
                initiative.owner.get_username() if initiative.owner else "",
                "" if initiative.confidence is None else str(initiative.confidence),
                initiative.get_health_display() if initiative.health else "",
            ]
        )
    return rows
