"""Celery tasks of the backlog: each takes a product or job id and calls one service."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from backlog.models import ImportJob
from backlog.services.ranking import ranks_rebalance
from backlog.services.scores import scores_recompute
from pmhub.models import Product


@shared_task(acks_late=True)
def rescore_product(product_id: int) -> int:
    """Score every item of the product with its current framework (after a framework or formula
    change). Idempotent: a redelivered run changes nothing."""
    product = Product.objects.filter(pk=product_id).first()
    return scores_recompute(product=product) if product else 0


@shared_task(acks_late=True)
def rebalance_ranks(product_id: int) -> int:
    """Give the product's items short rank keys again, keeping their order (idempotent)."""
    product = Product.objects.filter(pk=product_id).first()
    return ranks_rebalance(product=product) if product else 0


class _ImportTask(Task):
    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        # An error the import cannot turn into a rejected row ends the task (acknowledged, so
        # not redelivered): without this its job would show "running" for ever. Celery still
        # logs the error. A killed worker does not come here: its task is delivered again.
        from backlog.services.imports import import_abort

        import_abort(job_id=args[0] if args else kwargs["job_id"])


@shared_task(acks_late=True, base=_ImportTask)
def run_import(job_id: int) -> None:
    """Import the job's CSV rows; a redelivered job resumes where it stopped (rows already
    imported are found by their import key and skipped)."""
    from backlog.services.imports import import_run

    job = ImportJob.objects.filter(pk=job_id).select_related("product").first()
    if job is not None:
        import_run(job=job)
