"""Reads of the roadmaps app that are more than a one-line queryset."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

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
    health_of,
)
from roadmaps.progress import Progress, initiatives_progress


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


def objectives_in_order() -> Prefetch:
    """Prefetch the objectives an initiative serves, earliest period first."""
    return Prefetch("objectives", queryset=Objective.objects.order_by("starts_on", "title", "pk"))


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
    progress: Progress | None = None  # from its work items, when it has any


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
    progress = initiatives_progress(i.pk for items in by_horizon.values() for i in items)
    columns = []
    for index, (horizon, label) in enumerate(Horizon.choices):
        items = by_horizon[horizon]
        cards = [
            BoardCard(
                initiative=initiative,
                dependencies=initiative.dependency_count,  # type: ignore[attr-defined]
                moves=_moves(items, n, horizon, index),
                progress=progress.get(initiative.pk),
            )
            for n, initiative in enumerate(items)
        ]
        columns.append(BoardColumn(horizon=horizon, label=label, cards=cards))
    return columns


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
        .prefetch_related(objectives_in_order())
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
