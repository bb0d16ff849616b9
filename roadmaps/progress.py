"""How far initiatives are, from the work items that deliver them.

The roadmaps app cannot import the backlog (dependencies point down: pmhub → metrics → roadmaps
→ backlog), so the backlog registers a *progress source* here when it loads, and every roadmap
view reads progress through ``initiatives_progress``. Without a source an initiative has no
progress (shown as "no items"), never a made-up number.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    """Work items of one initiative: counts and story points, done and in all."""

    done_items: int
    total_items: int
    done_points: float
    total_points: float

    @property
    def share(self) -> float | None:
        """Done points ÷ total points, or done items ÷ items when nothing is estimated."""
        if self.total_points:
            return self.done_points / self.total_points
        if self.total_items:
            return self.done_items / self.total_items
        return None


# A source maps initiative ids to their progress in a fixed number of queries.
ProgressSource = Callable[[list[int]], dict[int, Progress]]
_sources: list[ProgressSource] = []


def register_progress_source(source: ProgressSource) -> None:
    """Add ``source`` (idempotent), e.g. from the backlog app's ``AppConfig.ready``."""
    if source not in _sources:
        _sources.append(source)


def unregister_progress_source(source: ProgressSource) -> None:
    if source in _sources:
        _sources.remove(source)


def initiatives_progress(initiative_ids: Iterable[int]) -> dict[int, Progress]:
    """Progress of each of ``initiative_ids`` that has work items, summed over the sources."""
    ids = list(initiative_ids)
    merged: dict[int, Progress] = {}
    if not ids:
        return merged
    for source in _sources:
        for pk, part in source(ids).items():
            seen = merged.get(pk)
            merged[pk] = (
                part
                if seen is None
                else Progress(
                    seen.done_items + part.done_items,
                    seen.total_items + part.total_items,
                    seen.done_points + part.done_points,
                    seen.total_points + part.total_points,
                )
            )
    return merged
