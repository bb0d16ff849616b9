"""Dashboard reads under load: the series API and the KPI dashboard page, served by gunicorn.

On a fresh database, one product's events table holds EVENTS events (the generator of
bench/recompute.py: PERSONS persons, 90 days, skewed activity), recomputed once. Then CLIENTS
keep-alive clients (threads with raw sockets, so the client costs little of the shared CPU) send
requests back to back for SECONDS each to gunicorn (production settings, as bench/ingest.py
starts it):
- ``GET /api/v1/products/<id>/metrics/<key>/series/?from=&to=&interval=`` with a bearer token,
  over the standard KPIs and the three intervals on the data's 90 days;
- ``GET /products/<slug>/metrics/`` (the KPI dashboard: tiles and charts) in a logged-in
  session, over its default, weekly and 30-day views.
Reports requests/s and p50/p95/p99 latency, and the SQL queries one request makes (counted
through Django's test client, for every variant sent, to show the number is fixed).
Run with ``python -m bench.dashboard`` (BENCH_EVENTS to size it; BENCH_DASHBOARD_SECONDS).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta

import requests

from bench.harness import bench_database
from bench.ingest import ROOT, _free_port, _gunicorn, _wait_until_up
from bench.recompute import DAYS, _fill, _timed

EVENTS = int(os.environ.get("BENCH_EVENTS", "10000000"))
PERSONS = max(1000, EVENTS // 50)
CLIENTS = 8
SECONDS = float(os.environ.get("BENCH_DASHBOARD_SECONDS", "20"))
WARMUP_SECONDS = 3.0
REQUEST_TIMEOUT = 300  # seconds: a slow page under 8 clients must be measured, not dropped
SERIES_KEYS = ("dau", "wau", "mau", "new_users", "revenue", "arpu")
INTERVALS = ("day", "week", "month")
DASHBOARD_VIEWS = ("", "?interval=week", "?days=30")
FIRST_DAY = date(2026, 8, 1)  # where bench/recompute.py's generator starts
PASSWORD = "pw-Secret-123"  # tests.factories.make_user's


class KeepAlive:
    """One HTTP/1.1 connection that sends prepared GET requests and reads whole responses."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.sock: socket.socket | None = None
        self.buffer = b""

    def _connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=REQUEST_TIMEOUT)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock, self.buffer = sock, b""
        return sock

    def get(self, raw: bytes) -> tuple[int, bytes]:
        sock = self.sock or self._connect()
        sock.sendall(raw)
        while b"\r\n\r\n" not in self.buffer:
            self._read(sock)
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        match = re.search(rb"(?im)^content-length:\s*(\d+)", head)
        if match is None:
            raise RuntimeError(f"no Content-Length in {head[:200]!r}")
        length = int(match.group(1))
        self.buffer = rest
        while len(self.buffer) < length:
            self._read(sock)
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        if re.search(rb"(?im)^connection:\s*close", head):
            sock.close()
            self.sock = None
        return int(head[9:12]), body

    def _read(self, sock: socket.socket) -> None:
        data = sock.recv(1 << 16)
        if not data:
            raise ConnectionError("the server closed the connection")
        self.buffer += data


def _request(path: str, header: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{header}\r\n\r\n".encode()


@dataclass
class Load:
    rate: float
    p50: float
    p95: float
    p99: float
    count: int


def _load(port: int, raws: list[bytes], seconds: float) -> Load:
    """CLIENTS connections send ``raws`` in turn, back to back, for ``seconds``."""
    latencies: list[list[float]] = [[] for _ in range(CLIENTS)]
    failures: list[str] = []
    deadline = time.perf_counter() + seconds

    def client(n: int) -> None:
        connection = KeepAlive(port)
        sent = n
        while time.perf_counter() < deadline and not failures:
            started = time.perf_counter()
            status, body = connection.get(raws[sent % len(raws)])
            latencies[n].append((time.perf_counter() - started) * 1000)
            if status != 200:
                failures.append(f"{status}: {body[:200]!r}")
            sent += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"a request failed: {failures[0]}")
    every = [ms for one in latencies for ms in one]
    cuts = statistics.quantiles(every, n=100)
    return Load(len(every) / elapsed, cuts[49], cuts[94], cuts[98], len(every))


def _queries(client, paths: list[str], **headers: str) -> set[int]:
    """The SQL queries of each request (the second of each: the first may write a session)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = set()
    for path in paths:
        client.get(path, **headers)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, **headers)
        assert response.status_code == 200, (path, response.status_code)
        counts.add(len(queries))
    return counts


def _session_cookie(url: str, username: str) -> str:
    """Log in through the login form, as a browser does; the session cookie it sets."""
    session = requests.Session()
    page = session.get(url + "/accounts/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, "no CSRF token on the login page"
    response = session.post(
        url + "/accounts/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token[1]},
        headers={"Referer": url + "/accounts/login/"},
        timeout=30,
        allow_redirects=False,
    )
    assert response.status_code == 302, f"login answered {response.status_code}"
    return f"sessionid={session.cookies['sessionid']}"


def _collectstatic(var: str) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pmhub.settings.production",
        "SECRET_KEY": "bench-" + "x" * 50,
        "PMHUB_VAR_DIR": var,
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def _print(label: str, load: Load, queries: set[int]) -> None:
    fixed = f"{min(queries)}" if len(queries) == 1 else f"{min(queries)}–{max(queries)} (varies!)"
    print(
        f"  {label:<24} {load.rate:8,.{0 if load.rate >= 100 else 1}f} req/s   "
        f"p50 {load.p50:6.1f} ms   p95 {load.p95:6.1f} ms"
        f"   p99 {load.p99:6.1f} ms   {fixed} queries/request   ({load.count:,} requests)"
    )


def main() -> None:
    print(
        f"bench/dashboard.py — {EVENTS:,} events, {PERSONS:,} persons, {DAYS} days; "
        f"{CLIENTS} keep-alive clients, {SECONDS:.0f} s per endpoint, gunicorn (production "
        "settings, 2 gthread workers x 4 threads)"
    )
    from django.contrib.auth.hashers import PBKDF2PasswordHasher
    from django.db import connection
    from django.test import Client

    from metrics.services.recompute import metrics_recompute_all
    from pmhub import services
    from pmhub.tokens import token_create
    from tests.factories import make_user

    with bench_database():
        owner = make_user("bench-owner", password=PASSWORD)
        # Hashed as production hashes passwords (the test settings' MD5 is not accepted there).
        hasher = PBKDF2PasswordHasher()
        owner.password = hasher.encode(PASSWORD, hasher.salt())
        owner.save(update_fields=["password"])
        workspace = services.workspace_create(name="Bench", owner=owner)
        product = services.product_create(workspace=workspace, actor=owner, name="Events")
        _, token = token_create(user=owner, workspace=workspace, name="bench")
        _timed(
            "load (SQL, bench/recompute.py's generator)",
            lambda: _fill(product, EVENTS, PERSONS, 1, "h", days=DAYS),
        )
        _timed("full recompute, once", lambda: metrics_recompute_all(product=product))

        last = FIRST_DAY + timedelta(days=DAYS - 1)
        series = [
            f"/api/v1/products/{product.pk}/metrics/{key}/series/"
            f"?from={FIRST_DAY}&to={last}&interval={interval}"
            for key in SERIES_KEYS
            for interval in INTERVALS
        ]
        dashboard = [f"/products/{product.slug}/metrics/{view}" for view in DASHBOARD_VIEWS]
        browser = Client()
        browser.force_login(owner)
        series_queries = _queries(Client(), series, HTTP_AUTHORIZATION=f"Bearer {token}")
        dashboard_queries = _queries(browser, dashboard)

        port = _free_port()
        connection.close()  # gunicorn's workers open their own
        var = tempfile.mkdtemp(prefix="pmhub-bench-")
        _collectstatic(var)  # production settings serve hashed static names from a manifest
        os.environ["PMHUB_VAR_DIR"] = var  # gunicorn inherits it
        server = _gunicorn(connection.settings_dict["NAME"], port)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_until_up(url)
            cookie = _session_cookie(url, owner.username)
            api_raws = [_request(path, f"Authorization: Bearer {token}") for path in series]
            page_raws = [_request(path, f"Cookie: {cookie}") for path in dashboard]
            _load(port, api_raws, WARMUP_SECONDS)
            api = _load(port, api_raws, SECONDS)
            _load(port, page_raws, WARMUP_SECONDS)
            page = _load(port, page_raws, SECONDS)
        finally:
            server.terminate()
            server.wait(timeout=30)
            shutil.rmtree(var, ignore_errors=True)
        _print("series API", api, series_queries)
        _print("dashboard page", page, dashboard_queries)
        print(
            f"  targets (series API): >= 1,000 req/s {'met' if api.rate >= 1000 else 'MISSED'}, "
            f"p95 < 30 ms {'met' if api.p95 < 30 else 'MISSED'}, fixed queries "
            f"{'met' if len(series_queries) == 1 else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
