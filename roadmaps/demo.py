"""A plausible roadmap for demos and benchmarks: themes, objectives with key results,
initiatives across Now/Next/Later with dates, releases carrying them, and dependencies.

``roadmap_fill`` writes in bulk (a few statements per table), so a benchmark can make 500
initiatives and 2,000 dependencies in a second; the rows obey every rule the services check
(dates in order, ranks in order, dependencies only on earlier initiatives, so never a cycle).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db import transaction

from metrics.models import Metric
from pmhub.models import Product
from pmhub.ranking import rebalanced
from roadmaps.models import (
    ChecklistItem,
    Horizon,
    Initiative,
    InitiativeStatus,
    KeyResult,
    Objective,
    Release,
    ReleaseStatus,
    Theme,
)

THEMES = [
    ("Activation", "#1f77b4"),
    ("Retention", "#2ca02c"),
    ("Monetisation", "#d62728"),
    ("Platform", "#9467bd"),
    ("Enterprise", "#ff7f0e"),
]
WORK = [
    "Guided onboarding",
    "Single sign-on",
    "Usage-based billing",
    "Audit log export",
    "Slack alerts",
    "Saved reports",
    "Mobile dashboards",
    "Team workspaces",
    "Data retention controls",
    "In-app NPS survey",
    "Annual plans",
    "Faster event pipeline",
    "Public API v2",
    "Custom roles",
    "Scheduled exports",
    "Self-serve upgrades",
]
CHECKLIST = ["Release notes written", "Support briefed", "Docs updated", "Launch email drafted"]


@dataclass(frozen=True)
class FilledRoadmap:
    initiatives: int
    releases: int
    dependencies: int


@transaction.atomic
def roadmap_fill(
    *,
    product: Product,
    owner: User | None,
    initiatives: int,
    releases: int,
    dependencies: int,
    start: date,
    seed: int = 7,
) -> FilledRoadmap:
    """Give ``product`` a roadmap of the given size starting at ``start`` (repeatable by seed)."""
    rng = random.Random(seed)  # noqa: S311 - demo data: repeatable, not secret
    themes = Theme.objects.bulk_create(
        Theme(product=product, name=name, colour=colour) for name, colour in THEMES
    )
    quarter_end = start + timedelta(days=90)
    objectives = Objective.objects.bulk_create(
        Objective(
            workspace=product.workspace,
            product=product,
            title=title,
            period="Next quarter",
            starts_on=start,
            ends_on=quarter_end,
            owner=owner,
        )
        for title in ("Activate new teams in their first week", "Grow revenue per account")
    )
    mau = Metric.objects.filter(product=product, key="mau").first()
    KeyResult.objects.bulk_create(
        [
            KeyResult(
                objective=objectives[0],
                title="Monthly active users",
                start_value=1000,
                target_value=1500,
                metric=mau,
            ),
            KeyResult(
                objective=objectives[0],
                title="Week-1 activation rate (%)",
                start_value=30,
                target_value=45,
                current_value=36,
                unit="%",
                position=1,
            ),
            KeyResult(
                objective=objectives[1],
                title="Average revenue per account ($)",
                start_value=120,
                target_value=160,
                current_value=131,
                unit="$",
            ),
        ]
    )
    horizons = [Horizon.NOW, Horizon.NEXT, Horizon.LATER]
    per_horizon = -(-initiatives // 3)
    ranks = rebalanced(per_horizon)
    rows, placed = [], dict.fromkeys(horizons, 0)
    for n in range(initiatives):
        horizon = horizons[n * 3 // initiatives] if initiatives else Horizon.NOW
        offset = {Horizon.NOW: 0, Horizon.NEXT: 60, Horizon.LATER: 150}[horizon]
        begins = start + timedelta(days=offset + rng.randrange(60))
        status = {
            Horizon.NOW: InitiativeStatus.IN_PROGRESS,
            Horizon.NEXT: InitiativeStatus.PLANNED,
            Horizon.LATER: InitiativeStatus.PROPOSED,
        }[horizon]
        title = WORK[n % len(WORK)] + (f" ({n // len(WORK) + 1})" if n >= len(WORK) else "")
        rows.append(
            Initiative(
                product=product,
                title=title,
                description=f"Why: customers asked for **{title.lower()}**.",
                status=status,
                horizon=horizon,
                rank=ranks[placed[horizon]],
                starts_on=begins,
                ends_on=begins + timedelta(days=14 + rng.randrange(60)),
                owner=owner,
                theme=themes[n % len(themes)],
                confidence=rng.choice([50, 70, 80, 90]),
            )
        )
        placed[horizon] += 1
    made = Initiative.objects.bulk_create(rows)
    Through = Initiative.objectives.through
    Through.objects.bulk_create(
        Through(initiative_id=i.pk, objective_id=objectives[n % 2].pk) for n, i in enumerate(made)
    )
    # Dependencies point from a later initiative to an earlier one: never a cycle.
    edges: set[tuple[int, int]] = set()
    possible = len(made) * (len(made) - 1) // 2
    while len(edges) < min(dependencies, possible):
        later = rng.randrange(1, len(made))
        edges.add((made[later].pk, made[rng.randrange(later)].pk))
    Depends = Initiative.depends_on.through
    Depends.objects.bulk_create(
        Depends(from_initiative_id=source, to_initiative_id=target) for source, target in edges
    )
    made_releases = Release.objects.bulk_create(
        Release(
            product=product,
            name=f"v{1 + n // 10}.{n % 10}",
            target_date=start + timedelta(days=14 * (n + 1)),
            status=ReleaseStatus.PLANNED,
            notes="- Highlights\n- Fixes",
        )
        for n in range(releases)
    )
    Carries = Release.initiatives.through
    Carries.objects.bulk_create(
        Carries(release_id=release.pk, initiative_id=made[(r * 7 + k) % len(made)].pk)
        for r, release in enumerate(made_releases)
        if made
        for k in range(min(5, len(made)))
    )
    ChecklistItem.objects.bulk_create(
        ChecklistItem(
            release=release,
            title=title,
            owner=owner,
            due_on=release.target_date - timedelta(days=7 - p),
            done=p < 2,
            position=p,
        )
        for release in made_releases
        for p, title in enumerate(CHECKLIST)
    )
    return FilledRoadmap(len(made), len(made_releases), len(edges))
