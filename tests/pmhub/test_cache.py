"""pmhub.cache: Django's Redis cache keeping one redis-py client per connection pool."""

from __future__ import annotations

import threading

from django.core.cache import cache, caches

from pmhub.cache import RedisCache


def test_the_cache_reuses_one_client_and_serves_many_threads():
    assert isinstance(caches["default"], RedisCache)
    client = cache._cache.get_client()
    assert cache._cache.get_client("any key", write=True) is client
    seen: dict[int, object] = {}

    def work(n: int) -> None:
        for round_ in range(50):
            cache.set(f"pmhub-cache-test:{n}", (n, round_), timeout=30)
            seen[n] = cache.get(f"pmhub-cache-test:{n}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {n: (n, 49) for n in range(8)}
    assert cache.get_many([f"pmhub-cache-test:{n}" for n in (0, 7)]) == {
        "pmhub-cache-test:0": (0, 49),
        "pmhub-cache-test:7": (7, 49),
    }
