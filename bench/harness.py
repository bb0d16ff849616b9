"""A throw-away PostgreSQL test database and a timing helper shared by the benchmarks."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmhub.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pmhub_bench")

import django

django.setup()

from django.core.signals import request_finished, request_started  # noqa: E402
from django.db import close_old_connections, connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402


@contextmanager
def bench_database() -> Iterator[None]:
    """Create ``test_<name>`` with migrations applied, and drop it afterwards."""
    setup_test_environment()
    # As Django's TestCase does: keep one connection across requests so queries can be counted.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def samples_ms(fn: Callable[[], object], *, runs: int = 30, warmup: int = 3) -> list[float]:
    """Wall times of ``fn`` in milliseconds over ``runs`` calls after a warm-up."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def median_ms(fn: Callable[[], object], *, runs: int = 30, warmup: int = 3) -> float:
    """Median wall time of ``fn`` in milliseconds over ``runs`` calls after a warm-up."""
    return statistics.median(samples_ms(fn, runs=runs, warmup=warmup))


def p95_ms(samples: list[float]) -> float:
    """The 95th percentile of ``samples`` (inclusive method: needs no more than a few)."""
    return statistics.quantiles(samples, n=20, method="inclusive")[-1]
