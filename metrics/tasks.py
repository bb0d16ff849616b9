"""Celery tasks of the metrics app: recompute what ingestion marked dirty.

Triggers: ingestion asks for a recompute after its commit (debounced, so a stream of batches
makes one task every few seconds), and beat sweeps every minute for marks whose trigger was lost
(Redis down, a worker killed). The task is idempotent: marks are claimed, computed and removed in
one transaction, so a second run finds nothing to do.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.cache import cache
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

from metrics.models import DirtyDay, PendingEvents
from metrics.services.recompute import metrics_recompute_all, metrics_recompute_dirty
from pmhub.models import Product

logger = logging.getLogger(__name__)

# Ingestion triggers at most one recompute per product per this many seconds.
DEBOUNCE_SECONDS = 5


@shared_task(bind=True, max_retries=3, default_retry_delay=30, acks_late=True)
def metrics_recompute_product(self, product_id: int) -> int:
    """Recompute the dirty days of one product; returns how many days it recomputed."""
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        return 0
    return metrics_recompute_dirty(product=product)


@shared_task
def metrics_sweep_dirty() -> int:
    """Enqueue a recompute for every product with dirty days or pending events (the lost-trigger
    repair)."""
    product_ids = list(
        DirtyDay.objects.values_list("product_id", flat=True).union(
            PendingEvents.objects.values_list("product_id", flat=True)
        )[:1000]
    )
    for product_id in product_ids:
        metrics_recompute_product.delay(product_id)
    return len(product_ids)


def request_recompute(product_id: int) -> None:
    """Ask for a recompute of ``product_id`` soon; never fails and never blocks ingestion.

    With Redis unreachable nothing is sent: the dirty marks are in PostgreSQL and the beat sweep
    finds them once Redis is back.
    """
    try:
        if not cache.add(f"metrics-recompute:{product_id}", 1, timeout=DEBOUNCE_SECONDS):
            return
        metrics_recompute_product.apply_async(
            (product_id,), countdown=DEBOUNCE_SECONDS, retry=False
        )
    except (RedisError, BrokerError, OSError) as exc:
        logger.warning("recompute trigger for product %s not sent: %s", product_id, exc)


@shared_task(bind=True, max_retries=3, default_retry_delay=30, acks_late=True)
def metrics_recompute_all_task(self, product_id: int) -> int:
    """Rebuild every metric of one product from its events (the dashboard's Recompute button).

    Idempotent: a second run rebuilds the same series. Returns the days covered.
    """
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        return 0
    return metrics_recompute_all(product=product)


def request_full_recompute(product_id: int) -> None:
    """Enqueue a full recompute of ``product_id`` once the current transaction commits.

    Never fails the request: with the broker unreachable the trigger is logged and dropped
    (the events are safe in PostgreSQL; the button or ``recompute_metrics`` can run it again).
    """

    def send() -> None:
        try:
            metrics_recompute_all_task.apply_async((product_id,), retry=False)
        except (RedisError, BrokerError, OSError) as exc:
            logger.warning("full recompute of product %s not sent: %s", product_id, exc)

    transaction.on_commit(send)
