"""How far initiatives and releases are, from the work items that deliver them.

The roadmaps app cannot import the backlog (dependencies point down: pmhub → metrics → roadmaps
→ backlog), so the backlog registers *progress sources* here when it loads (and a *contents
source* listing a release's items), and every roadmap view reads through
``initiatives_progress``, ``releases_progress`` and ``release_contents``. Without a source an
initiative has no progress (shown as "no items"), never a made-up number.
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

    @property
    def percent(self) -> int | None:
        """``share`` as a whole percentage, for bars and labels."""
        share = self.share
        return None if share is None else round(share * 100)


@dataclass(frozen=True)
class WorkItem:
    """One work item a release carries, as the release page lists it."""

    title: str
    status: str  # the status's label
    done: bool
    points: float | None
    url: str


# A source maps initiative (or release) ids to their progress in a fixed number of queries.
ProgressSource = Callable[[list[int]], dict[int, Progress]]
ContentsSource = Callable[[int], list[WorkItem]]
_sources: dict[str, list[ProgressSource]] = {"initiative": [], "release": []}
_contents: list[ContentsSource] = []


def register_progress_source(source: ProgressSource, *, of: str = "initiative") -> None:
    """Add ``source`` of initiatives' (or ``of="release"``: releases') progress (idempotent),
    e.g. from the backlog app's ``AppConfig.ready``."""
    if source not in _sources[of]:
        _sources[of].append(source)


def unregister_progress_source(source: ProgressSource, *, of: str = "initiative") -> None:
    if source in _sources[of]:
        _sources[of].remove(source)


def register_contents_source(source: ContentsSource) -> None:
    """Add ``source`` of the work items a release carries (idempotent)."""
    if source not in _contents:
        _contents.append(source)


def release_contents(release_id: int) -> list[WorkItem]:
    """The work items release ``release_id`` carries, from every contents source."""
    return [item for source in _contents for item in source(release_id)]


def initiatives_progress(initiative_ids: Iterable[int]) -> dict[int, Progress]:
    """Progress of each of ``initiative_ids`` that has work items, summed over the sources."""
    return _merged("initiative", initiative_ids)


def releases_progress(release_ids: Iterable[int]) -> dict[int, Progress]:
    """How much of what each of ``release_ids`` carries is done, summed over the sources."""
    return _merged("release", release_ids)


def _merged(of: str, subject_ids: Iterable[int]) -> dict[int, Progress]:
    ids = list(subject_ids)
    merged: dict[int, Progress] = {}
    if not ids:
        return merged
    for source in _sources[of]:
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
