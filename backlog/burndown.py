"""Burndown and velocity, replayed from the items' history (``ItemHistory``).

The remaining work of a sprint at the end of a day is the sum of the estimates of the items that
were in the sprint then and not done or dropped then, each with the estimate it had then. Items
added mid-sprint raise the line (``scope_added`` says by how much); re-opened items raise it
again. Velocity is what each closed sprint committed to when it started and completed by its
close (recorded on the sprint by ``sprint_start`` / ``sprint_close``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from backlog.models import CLOSED_STATUSES, HistoryField, ItemHistory, Sprint, SprintStatus
from pmhub.models import Product


@dataclass(frozen=True)
class Burndown:
    days: list[date]
    remaining: list[float | None]  # at the end of each day; None for days still to come
    ideal: list[float]  # from the committed points on the first day to 0 on the last
    committed: float
    scope_added: float  # points that entered the sprint after it started


@dataclass(frozen=True)
class VelocityPoint:
    sprint: Sprint
    committed: float
    completed: float


@dataclass
class _State:
    status: str = ""
    in_sprint: bool = False
    estimate: float = 0.0

    @property
    def open_points(self) -> float:
        return self.estimate if self.in_sprint and self.status not in CLOSED_STATUSES else 0.0


def _end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def sprint_burndown(sprint: Sprint, *, today: date | None = None) -> Burndown:
    """The sprint's remaining points per day, its ideal line and the scope added; one query."""
    today = today or timezone.localdate()
    mark = str(sprint.pk)
    item_ids = (
        ItemHistory.objects.filter(field=HistoryField.SPRINT)
        .filter(Q(old=mark) | Q(new=mark))
        .values("item_id")
    )
    rows = list(
        ItemHistory.objects.filter(item_id__in=item_ids)
        .order_by("at", "pk")
        .values_list("item_id", "field", "new", "at")
    )
    days = [
        sprint.starts_on + timedelta(days=n)
        for n in range((sprint.ends_on - sprint.starts_on).days + 1)
    ]
    states: dict[int, _State] = defaultdict(_State)
    started = sprint.started_at or _end_of(sprint.starts_on - timedelta(days=1))
    scope_added, position = 0.0, 0

    def replay_until(moment: datetime) -> None:
        nonlocal position, scope_added
        while position < len(rows) and rows[position][3] < moment:
            item_id, field, new, at = rows[position]
            state = states[item_id]
            if field in (HistoryField.CREATED, HistoryField.STATUS):
                state.status = new
            elif field == HistoryField.SPRINT:
                entering = new == mark and not state.in_sprint
                state.in_sprint = new == mark
                if entering and at >= started:
                    scope_added += state.estimate
            elif field == HistoryField.ESTIMATE:
                state.estimate = float(new) if new else 0.0
            position += 1

    replay_until(started)
    at_start = sum(state.open_points for state in states.values())
    committed = sprint.committed_points if sprint.committed_points is not None else at_start
    remaining: list[float | None] = []
    for day in days:
        if day > today:
            remaining.append(None)
            continue
        replay_until(_end_of(day))
        remaining.append(sum(state.open_points for state in states.values()))
    steps = max(len(days) - 1, 1)
    ideal = [committed * (1 - n / steps) for n in range(len(days))]
    return Burndown(days, remaining, ideal, committed, scope_added)


def velocity(product: Product, *, last: int = 6) -> list[VelocityPoint]:
    """Committed and completed points of the product's last ``last`` closed sprints, oldest
    first; one query."""
    sprints = Sprint.objects.filter(product=product, status=SprintStatus.CLOSED).order_by(
        "-closed_at", "-pk"
    )[:last]
    return [
        VelocityPoint(s, s.committed_points or 0.0, s.completed_points or 0.0)
        for s in reversed(list(sprints))
    ]


def velocity_average(points: list[VelocityPoint]) -> float | None:
    """Mean completed points of ``points`` (None without closed sprints)."""
    return sum(p.completed for p in points) / len(points) if points else None
