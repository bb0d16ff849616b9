"""The series API's answers, kept in the cache (Redis) until the product's data changes.

Dashboards and integrations ask for the same few series over and over, while a product's points
change only when a recompute, a metric definition or an annotation writes them. An answer is kept
under the product's *series version*: a random stamp that each of those writes replaces, once in
its transaction (so its own later reads miss) and again after the commit (so an answer computed
by another request from the data being replaced is never found). Nothing is deleted: an entry
holds the version it was computed under, and one of another version is not an answer (it is
replaced by the next one computed, or expires after ``TIMEOUT``).

An answer is found only by a request of the same workspace (whose token authentication and role
check have already run), for the same product, metric, query string and media type, on the same
day (a series without ``to`` ends today while its metric has no points). Without Redis, every
answer is computed: the cache is a shortcut, never the source.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import uuid
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from redis.exceptions import RedisError

from pmhub.hooks import on_product_deleted

if TYPE_CHECKING:
    from pmhub.models import Product

logger = logging.getLogger(__name__)

# How long an answer is kept. It bounds how stale one can be after a write whose stamp change
# did not reach Redis (Redis down at that moment, up again with its data).
TIMEOUT = 600
_ERRORS = (RedisError, OSError)


def _version_key(product_id: int) -> str:
    return f"series-version:{product_id}"


def _new_version(product_id: int) -> None:
    try:
        cache.set(_version_key(product_id), uuid.uuid4().hex, timeout=None)
    except _ERRORS as exc:
        logger.warning("series cache version of product %s not moved: %r", product_id, exc)


def series_changed(product_id: int) -> None:
    """Forget every kept series answer of ``product_id``: now, and again once the write commits."""
    _new_version(product_id)
    transaction.on_commit(functools.partial(_new_version, product_id))


@on_product_deleted
def _product_deleted(product: Product) -> None:
    series_changed(product.pk)  # its series are 404s from now on, not kept answers


class KeptSeries:
    """The cache entry of one series request: ``get`` its kept answer, or ``keep`` a new one.

    The entry holds the version it was computed under; one read fetches it with the product's
    current version, and an entry of another version is not an answer.
    """

    def __init__(
        self, *, workspace_id: int, product_id: int, key: str, query: str, media_type: str
    ) -> None:
        self.product_id = product_id
        digest = hashlib.blake2b(
            f"{workspace_id}\n{key}\n{query}\n{media_type}\n{timezone.now().date()}".encode(),
            digest_size=16,
        ).hexdigest()
        self._entry = f"series:{product_id}:{digest}"
        self._version: str | None = None

    def get(self) -> HttpResponse | None:
        """The kept answer, or None (not kept yet, of an old version, or no Redis)."""
        version_key = _version_key(self.product_id)
        try:
            found = cache.get_many([version_key, self._entry])
            version = found.get(version_key)
            if version is None:
                # No stamp yet (a new cache, or one evicted): start one; a racing request's wins.
                cache.add(version_key, uuid.uuid4().hex, timeout=None)
                version = cache.get(version_key)
        except _ERRORS as exc:
            logger.warning("series cache skipped: %r", exc)
            return None
        self._version = version
        kept = found.get(self._entry)
        if version is None or kept is None or kept[0] != version:
            return None
        _, content_type, body = kept
        return HttpResponse(body, content_type=content_type)

    def keep(self, response: HttpResponse) -> None:
        """Keep ``response`` (rendered, a 200) under the version that ``get`` read."""
        if self._version is None or response.status_code != 200:
            return
        kept = (self._version, response["Content-Type"], response.content)
        try:
            cache.set(self._entry, kept, timeout=TIMEOUT)
        except _ERRORS as exc:
            logger.warning("series answer not kept: %r", exc)
