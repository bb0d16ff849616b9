"""The key results that a KPI measures, for its tiles on the metrics dashboards.

metrics cannot import roadmaps (roadmaps builds on it), so roadmaps registers this provider with
``metrics.links`` when the app is ready.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import cast

from django.db.models import F

from metrics.links import KpiLink
from metrics.models import Metric
from roadmaps.models import KeyResult


def key_result_links(metrics: Sequence[Metric]) -> dict[int, list[KpiLink]]:
    """The key results measured by each of ``metrics``, by metric id, in the OKR tree's order.

    One query. A key result counts only when its objective is in the metric's own workspace, so
    a link can never show another tenant's OKRs.
    """
    found = (
        KeyResult.objects.filter(
            metric__in=metrics, objective__workspace_id=F("metric__product__workspace_id")
        )
        .select_related("objective__product")
        .only("title", "metric_id", "objective__title", "objective__product__slug")
        .order_by("objective__starts_on", "objective__title", "position", "pk")
    )
    links: dict[int, list[KpiLink]] = defaultdict(list)
    for key_result in found:
        objective = key_result.objective
        links[cast(int, key_result.metric_id)].append(
            KpiLink(
                kind="Key result",
                title=key_result.title,
                url=f"{objective.tree_url()}#key-result-{key_result.pk}",
                belongs_to=objective.title,
            )
        )
    return links
