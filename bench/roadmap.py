"""Roadmap reads vs. the size of the plan (roadmaps issue, acceptance 7).

Two products of one workspace on real PostgreSQL, filled by ``roadmaps.demo.roadmap_fill``: a
small one (10 initiatives, 2 releases, 20 dependencies) and the issue's large one (500
initiatives, 50 releases, 2,000 dependencies). For each, through Django's test client (no
network), the timeline page, the Now/Next/Later board and the API's initiative list (one page
of 100, with dependencies, objectives and releases): the SQL queries one request makes and the
median and p95 latency over RUNS requests. The query counts must be equal for both sizes.
Run with ``python -m bench.roadmap`` (part of ``make bench``).
"""

from __future__ import annotations

import os
import statistics
from datetime import date

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.harness import bench_database, p95_ms, samples_ms
from pmhub import services
from roadmaps.demo import roadmap_fill
from tests.factories import api_client, make_user

RUNS = int(os.environ.get("BENCH_ROADMAP_RUNS", "40"))
SIZES = {"small": (10, 2, 20), "large": (500, 50, 2_000)}


def _measure(label: str, fn) -> int:
    fn()  # once first: one-off lookups (content types, caches) are not the page's own
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        response = fn()
    assert response.status_code == 200, (label, response.status_code)
    count = len(queries)  # read now: later requests rotate the bounded query log
    samples = samples_ms(fn, runs=RUNS)
    print(
        f"  {label:<44} median {statistics.median(samples):7.1f} ms   "
        f"p95 {p95_ms(samples):7.1f} ms   {count:3d} queries"
    )
    return count


def main() -> None:
    print("bench/roadmap.py — timeline, board and API list vs. roadmap size (PostgreSQL)")
    with bench_database():
        owner = make_user("planner")
        workspace = services.workspace_create(name="Bench", owner=owner)
        browser = Client()
        browser.force_login(owner)
        api = api_client(owner, workspace)
        counts: dict[str, dict[str, int]] = {}
        for size, (initiatives, releases, dependencies) in SIZES.items():
            product = services.product_create(workspace=workspace, actor=owner, name=size.title())
            roadmap_fill(
                product=product,
                owner=owner,
                initiatives=initiatives,
                releases=releases,
                dependencies=dependencies,
                start=date(2026, 10, 1),
            )
            print(f" {initiatives} initiatives, {releases} releases, {dependencies} dependencies:")
            timeline = reverse("roadmaps:timeline", kwargs={"slug": product.slug})
            board = reverse("roadmaps:board", kwargs={"slug": product.slug})
            listing = reverse("api:roadmaps:initiative-list", kwargs={"product_pk": product.pk})
            counts[size] = {
                "timeline": _measure(
                    f"GET {timeline}?zoom=quarter",
                    lambda url=timeline: browser.get(url, {"zoom": "quarter"}),
                ),
                "board": _measure(f"GET {board}", lambda url=board: browser.get(url)),
                "api": _measure(
                    f"GET {listing}?page_size=100",
                    lambda url=listing: api.get(url, {"page_size": 100}),
                ),
            }
        for view in ("timeline", "board", "api"):
            small, large = counts["small"][view], counts["large"][view]
            print(
                f" {view}: {small} queries small, {large} large — "
                f"{'fixed' if small == large else 'GROWS WITH SIZE'}"
            )


if __name__ == "__main__":
    main()
