"""Backlog reads vs. the size of the backlog, and under 8 concurrent clients (backlog issue,
acceptance 7).

Two products of one workspace on real PostgreSQL, filled by ``backlog.demo.backlog_fill``: 100
items and the issue's 10,000. For each, through Django's test client, the SQL queries of the
backlog page (first page of 50) and of the API's item list (first page of 50), both filtered
(stories and bugs, not done) and sorted by score — the counts must be equal for both sizes.
Then gunicorn (production settings) serves the 10,000-item product to CLIENTS keep-alive clients
for SECONDS per endpoint; the benchmark prints requests/s and median/p95/p99 latency. gunicorn
runs sync workers, 2 x cores + 1 (gunicorn's own rule, and docker-compose's worker class): these
reads are CPU-bound Python, and threads of one process queue behind its GIL, which doubled p95.
Targets: p95 < 100 ms for the API list, < 150 ms for the page.
Run with ``python -m bench.backlog`` (part of ``make bench``; BENCH_BACKLOG_SECONDS).
"""

from __future__ import annotations

import os
import shutil
import tempfile

from django.urls import reverse

from bench.dashboard import (
    CLIENTS,
    PASSWORD,
    WARMUP_SECONDS,
    _collectstatic,
    _load,
    _print,
    _queries,
    _request,
    _session_cookie,
)
from bench.harness import bench_database
from bench.ingest import _free_port, _gunicorn, _wait_until_up

SECONDS = float(os.environ.get("BENCH_BACKLOG_SECONDS", "20"))
WORKERS = 2 * (os.cpu_count() or 1) + 1
SIZES = {"small": 100, "large": 10_000}
QUERY = "?sort=score&kind=story&kind=bug&status=new&status=ready&status=in_progress"


def main() -> None:
    print(
        f"bench/backlog.py — backlog page and API list, filtered and sorted by score; "
        f"{CLIENTS} keep-alive clients, {SECONDS:.0f} s per endpoint, gunicorn (production "
        f"settings, {WORKERS} sync workers)"
    )
    from django.contrib.auth.hashers import PBKDF2PasswordHasher
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from backlog.demo import backlog_fill
    from pmhub import services
    from pmhub.tokens import token_create
    from tests.factories import make_user

    with bench_database():
        owner = make_user("bench-owner", password=PASSWORD)
        hasher = PBKDF2PasswordHasher()  # production's hasher (the test settings use MD5)
        owner.password = hasher.encode(PASSWORD, hasher.salt())
        owner.save(update_fields=["password"])
        workspace = services.workspace_create(name="Bench", owner=owner)
        _, token = token_create(user=owner, workspace=workspace, name="bench")
        browser = Client()
        browser.force_login(owner)
        paths: dict[str, tuple[str, str]] = {}
        counts: dict[str, tuple[set[int], set[int]]] = {}
        for size, items in SIZES.items():
            product = services.product_create(workspace=workspace, actor=owner, name=size.title())
            backlog_fill(product=product, owner=owner, items=items, today=timezone.localdate())
            # As autovacuum does after a bulk insert: statistics for the planner, and the
            # visibility map that lets the pager count from an index alone.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
            page = reverse("backlog:list", kwargs={"slug": product.slug}) + QUERY
            api = reverse("api:backlog:item-list", kwargs={"product_pk": product.pk}) + QUERY
            api += "&page_size=50"
            paths[size] = (page, api)
            counts[size] = (
                _queries(browser, [page]),
                _queries(Client(), [api], HTTP_AUTHORIZATION=f"Bearer {token}"),
            )
            print(
                f" {items:,} items: page {min(counts[size][0])} queries, "
                f"API list {min(counts[size][1])} queries"
            )
        for n, what in enumerate(("page", "API list")):
            small, large = counts["small"][n], counts["large"][n]
            print(
                f" {what}: {'fixed' if small == large else 'GROWS WITH SIZE'} ({small} vs {large})"
            )

        page_path, api_path = paths["large"]
        port = _free_port()
        connection.close()  # gunicorn's workers open their own
        var = tempfile.mkdtemp(prefix="pmhub-bench-")
        _collectstatic(var)
        os.environ["PMHUB_VAR_DIR"] = var
        server = _gunicorn(connection.settings_dict["NAME"], port, workers=WORKERS, threads=1)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_until_up(url)
            cookie = _session_cookie(url, owner.username)
            api_raws = [_request(api_path, f"Authorization: Bearer {token}")]
            page_raws = [_request(page_path, f"Cookie: {cookie}")]
            _load(port, api_raws, WARMUP_SECONDS)
            api_load = _load(port, api_raws, SECONDS)
            _load(port, page_raws, WARMUP_SECONDS)
            page_load = _load(port, page_raws, SECONDS)
        finally:
            server.terminate()
            server.wait(timeout=30)
            shutil.rmtree(var, ignore_errors=True)
        print(f" 10,000 items, {CLIENTS} clients:")
        _print("API list (50, by score)", api_load, counts["large"][1])
        _print("backlog page (50)", page_load, counts["large"][0])
        print(
            f"  targets: API p95 < 100 ms {'met' if api_load.p95 < 100 else 'MISSED'}, "
            f"page p95 < 150 ms {'met' if page_load.p95 < 150 else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
