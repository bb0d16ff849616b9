"""A plausible backlog for demos and benchmarks: labels, sprints (closed ones with history, an
active one, a planned one) and items of every kind with estimates, score inputs and scores.

``backlog_fill`` writes in bulk (a few statements per table), so a benchmark can make 10,000
items in seconds; the rows obey the services' rules (estimates on the product's scale, inputs in
range, ranks in order, history that replays to each item's status, sprint and estimate), and
scores come from ``item_rescore``, the one place that computes them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from backlog.models import (
    HistoryField,
    Item,
    ItemHistory,
    ItemKind,
    Label,
    Sprint,
    SprintStatus,
    Status,
)
from backlog.services.scores import SCALE_POINTS, item_rescore, settings_for
from pmhub.models import Product
from pmhub.ranking import rank_after
from roadmaps.models import Initiative, Release

LABELS = [
    ("frontend", "#2563eb"),
    ("backend", "#7c3aed"),
    ("mobile", "#db2777"),
    ("billing", "#059669"),
    ("customer-request", "#d97706"),
    ("security", "#dc2626"),
]
VERBS = ["Add", "Improve", "Fix", "Speed up", "Redesign", "Support", "Remove", "Document"]
THINGS = [
    "CSV export of reports",
    "SSO login with Okta",
    "the onboarding checklist",
    "invoice PDFs",
    "search on the members page",
    "dark mode in the dashboard",
    "webhook retries",
    "the mobile sign-up flow",
    "rate limits for the public API",
    "audit log filters",
    "Slack notifications for alerts",
    "bulk edit of contacts",
    "two-factor recovery codes",
    "empty states in reports",
    "the pricing page A/B test",
]
KIND_WEIGHTS = [
    (ItemKind.STORY, 50),
    (ItemKind.BUG, 20),
    (ItemKind.FEATURE, 10),
    (ItemKind.TECH_DEBT, 10),
    (ItemKind.CHORE, 6),
    (ItemKind.SPIKE, 4),
]


@dataclass(frozen=True)
class FilledBacklog:
    items: int
    sprints: int


def _moment(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


@transaction.atomic
def backlog_fill(
    *,
    product: Product,
    owner: User | None,
    items: int,
    today: date,
    closed_sprints: int = 4,
    seed: int = 11,
) -> FilledBacklog:
    """Give ``product`` a backlog of ``items`` items around ``today`` (repeatable by seed):
    ``closed_sprints`` two-week sprints before the active one, then a planned one."""
    rng = random.Random(seed)  # noqa: S311 - demo data: repeatable, not secret
    settings = settings_for(product)
    points = [p for p in SCALE_POINTS[settings.scale] if 0 < p <= 13]
    labels = Label.objects.bulk_create(
        Label(product=product, name=name, colour=colour) for name, colour in LABELS
    )
    initiatives = list(Initiative.objects.filter(product=product)[:8])
    releases = list(Release.objects.filter(product=product)[:4])
    active_start = today - timedelta(days=today.weekday())  # Monday of this week
    sprints = []
    for n in range(closed_sprints + 2):
        starts = active_start + timedelta(days=14 * (n - closed_sprints))
        status = (
            SprintStatus.CLOSED
            if n < closed_sprints
            else SprintStatus.ACTIVE
            if n == closed_sprints
            else SprintStatus.PLANNED
        )
        sprints.append(
            Sprint(
                product=product,
                name=f"Sprint {n + 1}",
                goal=rng.choice(["Ship SSO", "Faster reports", "Billing polish", "Fix top bugs"]),
                starts_on=starts,
                ends_on=starts + timedelta(days=11),
                capacity=30,
                status=status,
                started_at=_moment(starts, 9) if status != SprintStatus.PLANNED else None,
                closed_at=_moment(starts + timedelta(days=11), 17)
                if status == SprintStatus.CLOSED
                else None,
            )
        )
    sprints = Sprint.objects.bulk_create(sprints)
    kinds, weights = zip(*KIND_WEIGHTS, strict=True)
    rank = None
    rows, plans = [], []
    for n in range(items):
        rank = rank_after(rank)
        sprint = sprints[n % len(sprints)] if n < 12 * len(sprints) else None
        if sprint is not None and sprint.status == SprintStatus.CLOSED:
            item_status = rng.choice([Status.DONE] * 4 + [Status.WONT_DO])
        elif sprint is not None and sprint.status == SprintStatus.ACTIVE:
            item_status = rng.choice(
                [Status.READY, Status.IN_PROGRESS, Status.IN_REVIEW, Status.DONE]
            )
        else:
            item_status = rng.choice([Status.NEW] * 3 + [Status.READY])
        item = Item(
            product=product,
            kind=rng.choices(kinds, weights)[0],
            title=f"{rng.choice(VERBS)} {rng.choice(THINGS)}",
            description="As a customer I want this so that my team saves time.",
            status=item_status,
            estimate=rng.choice(points) if rng.random() < 0.85 else None,
            reporter=owner,
            assignee=owner if rng.random() < 0.3 else None,
            sprint=sprint,
            initiative=rng.choice(initiatives) if initiatives and rng.random() < 0.4 else None,
            release=rng.choice(releases) if releases and rng.random() < 0.2 else None,
            rank=rank,
            reach=rng.choice([100, 500, 1000, 5000]),
            impact=rng.choice([0.25, 0.5, 1, 2, 3]),
            confidence=rng.choice([50, 80, 100]),
            effort=rng.choice([0.5, 1, 2, 3, 5]),
            business_value=rng.choice([1, 2, 3, 5, 8]),
            time_criticality=rng.choice([1, 2, 3, 5, 8]),
            risk_reduction=rng.choice([1, 2, 3, 5]),
            job_size=rng.choice([1, 2, 3, 5, 8]),
            value=rng.randint(1, 10),
        )
        item_rescore(item, settings)
        rows.append(item)
        plans.append(sprint)
    rows = Item.objects.bulk_create(rows, batch_size=2000)
    Item.labels.through.objects.bulk_create(
        [
            Item.labels.through(item_id=item.pk, label_id=rng.choice(labels).pk)
            for item in rows
            if rng.random() < 0.6
        ],
        batch_size=5000,
    )
    ItemHistory.objects.bulk_create(_history(rows, plans, today, rng, owner), batch_size=5000)
    for sprint in sprints:  # what velocity reads: recorded as sprint_start / sprint_close do
        if sprint.status == SprintStatus.PLANNED:
            continue
        carried = [item for item, plan in zip(rows, plans, strict=True) if plan == sprint]
        sprint.committed_points = sum(item.estimate or 0 for item in carried)
        if sprint.status == SprintStatus.CLOSED:
            sprint.completed_points = sum(
                item.estimate or 0 for item in carried if item.status == Status.DONE
            )
    Sprint.objects.bulk_update(sprints, ["committed_points", "completed_points"])
    return FilledBacklog(items=len(rows), sprints=len(sprints))


def _history(rows, plans, today, rng, owner):
    """Creation before the item's sprint starts, then its way through the workflow to its
    status on days of that sprint (or, for backlog items, a day in the last month)."""
    path = [Status.READY, Status.IN_PROGRESS, Status.IN_REVIEW, Status.DONE]
    for item, sprint in zip(rows, plans, strict=True):
        first = sprint.starts_on - timedelta(days=3) if sprint else today - timedelta(days=30)
        yield ItemHistory(
            item=item,
            field=HistoryField.CREATED,
            new=Status.NEW,
            at=_moment(first, 10),
            actor=owner,
        )
        if item.estimate is not None:
            yield ItemHistory(
                item=item,
                field=HistoryField.ESTIMATE,
                new=f"{item.estimate:g}",
                at=_moment(first, 10),
                actor=owner,
            )
        if sprint is not None:
            yield ItemHistory(
                item=item,
                field=HistoryField.SPRINT,
                new=str(sprint.pk),
                at=_moment(first, 11),
                actor=owner,
            )
        last_day = min(sprint.ends_on, today) if sprint else today
        steps = (
            []
            if item.status == Status.NEW
            else (
                [Status.WONT_DO]
                if item.status == Status.WONT_DO
                else path[: path.index(item.status) + 1]
            )
        )
        start = sprint.starts_on if sprint else first + timedelta(days=1)
        span = max((last_day - start).days, 0)
        old = Status.NEW
        for hour, step in enumerate(steps, start=12):  # later steps of one day, later hours
            day = start + timedelta(days=rng.randint(0, span))
            start, span = day, max((last_day - day).days, 0)
            yield ItemHistory(
                item=item,
                field=HistoryField.STATUS,
                old=old,
                new=step,
                at=_moment(day, hour),
                actor=owner,
            )
            old = step
