"""What a KPI links to in the apps built on metrics: the key results that it measures, say.

metrics may not import the apps above it (the layers contract), yet a KPI tile should say which
key results its metric measures. An app registers a provider here in its ``AppConfig.ready()``;
``kpi_boards`` asks every provider once for all the metrics of a request, so a dashboard reads
one more query per provider whatever the number of tiles.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from metrics.models import Metric


@dataclass(frozen=True)
class KpiLink:
    """What a KPI serves: ``kind`` ("Key result"), its title, its page, and what it is part of."""

    kind: str
    title: str
    url: str
    belongs_to: str = ""  # the objective of a key result


# Given metrics of one or more workspaces, the links of each, by metric id; a provider must only
# return objects of the metric's own workspace.
KpiLinkProvider = Callable[[Sequence["Metric"]], Mapping[int, Sequence[KpiLink]]]
_providers: list[KpiLinkProvider] = []


def register_kpi_links(provider: KpiLinkProvider) -> KpiLinkProvider:
    """Register ``provider(metrics)`` to add links to the KPI tiles of those metrics."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def kpi_links(metrics: Sequence[Metric]) -> dict[int, list[KpiLink]]:
    """Every registered provider's links for ``metrics``, by metric id (no query without any)."""
    links: dict[int, list[KpiLink]] = defaultdict(list)
    if not metrics:
        return links
    for provider in _providers:
        for metric_id, found in provider(metrics).items():
            links[metric_id].extend(found)
    return links
