"""The timeline: initiatives as bars across months, quarters or years, grouped by theme or
objective, with releases as markers and dependencies as links, laid out in Python so the page
needs no layout script. Used by a product's timeline, the portfolio and the share page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

from pmhub.models import Product
from roadmaps.models import Initiative, Release
from roadmaps.progress import Progress, initiatives_progress
from roadmaps.selectors import HORIZON_ORDER, objectives_in_order

# How many header columns each zoom shows, and the fixed heights the template and the dependency
# lines share.
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
    progress: Progress | None = None  # from its work items, when it has any

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
        .prefetch_related(objectives_in_order())
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
    progress = initiatives_progress(placed)
    for pk, bar in placed.items():
        bar.progress = progress.get(pk)
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
