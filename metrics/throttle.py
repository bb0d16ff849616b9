"""Per-write-key rate limit for ingestion, in the shared cache (Redis).

A fixed one-second window counter. When the cache is unreachable the limit is not enforced:
ingestion must keep answering while Redis is down (PostgreSQL holds the events).
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def retry_after(key_id: int) -> int | None:
    """Seconds to wait if write key ``key_id`` is over its requests-per-second limit, else None."""
    limit = settings.INGEST_RATE_LIMIT_PER_SECOND
    if not limit:
        return None
    window = int(time.time())
    counter = f"ingest-rate:{key_id}:{window}"
    try:
        if cache.add(counter, 1, timeout=2):
            return None
        count = cache.incr(counter)
    except (RedisError, OSError, ValueError) as exc:  # fail open; the sweep logs Redis outages
        logger.warning("ingestion rate limit skipped: %s", exc.__class__.__name__)
        return None
    return 1 if count > limit else None
