"""Imports run by a real Celery worker through Redis: an upload through the page finishes with
the right counts, and a worker killed half-way leaves a job that the next delivery completes
with the counts and items of a clean run."""

from __future__ import annotations

import re

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from backlog.models import ImportJob, ImportStatus, Item
from backlog.services.imports import BATCH, import_create
from backlog.tasks import run_import
from pmhub.models import AuditEvent
from tests.backlog.jira_export import jira_export
from tests.celery_worker import running_worker, worker_database_url
from tests.factories import make_tenant

pytestmark = pytest.mark.slow


def _job(pk: int) -> ImportJob:
    return ImportJob.objects.get(pk=pk)


def _import(tenant, export) -> ImportJob:
    """The export imported into the tenant's product by its owner (autocommit: enqueued at
    once)."""
    return import_create(
        product=tenant.product,
        actor=tenant.owner,
        format="jira",
        filename="shop.csv",
        content=export.content(),
    )


def test_an_upload_through_the_page_is_imported_by_the_worker(transactional_db, tmp_path):
    acme = make_tenant("Acme")
    export = jira_export(rows=200, bad=9, seed=5)
    client = Client()
    client.force_login(acme.owner)
    with running_worker(tmp_path) as worker:
        response = client.post(
            reverse("backlog:import-create", args=[acme.product.slug]),
            {
                "format": "jira",
                "step": "import",
                "file": SimpleUploadedFile("shop.csv", export.content(bom=True), "text/csv"),
            },
        )  # commits the job, then enqueues run_import through Redis
        assert response.status_code == 302
        job = ImportJob.objects.get(product=acme.product)
        worker.wait_for("the import", lambda: _job(job.pk).status == ImportStatus.DONE)
    job.refresh_from_db()
    assert (job.processed_rows, job.created_items, job.skipped_rows) == (200, 191, 0)
    assert [entry["line"] for entry in job.rejected] == [bad.line for bad in export.bad]
    assert Item.objects.filter(product=acme.product).count() == 191
    page = client.get(response["Location"]).content.decode()
    assert "hx-trigger" not in page  # finished: no more polling
    assert re.search(r'data-testid="import-created">\s*191\s*<', page)
    assert re.search(r'data-testid="import-rejected">\s*9\s*<', page)


def test_a_worker_killed_mid_import_leaves_a_job_the_next_delivery_completes(
    transactional_db, tmp_path
):
    acme = make_tenant("Acme")
    export = jira_export(rows=1000, bad=37, seed=7)
    blocker = psycopg.connect(worker_database_url(), autocommit=False)
    try:
        with running_worker(tmp_path) as worker:
            job = _import(acme, export)  # autocommit: enqueued at once
            worker.wait_for(
                "two committed batches", lambda: _job(job.pk).processed_rows >= 2 * BATCH
            )
            # Hold the items table: the worker's next batch stops there, half-written.
            blocker.execute("LOCK TABLE backlog_item IN ACCESS EXCLUSIVE MODE")

            def blocked() -> bool:
                with psycopg.connect(worker_database_url(), autocommit=True) as probe:
                    row = probe.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND datname = current_database()"
                    ).fetchone()
                return bool(row and row[0])

            worker.wait_for("the import to block mid-way", blocked)
            worker.kill()
    finally:
        blocker.rollback()
        blocker.close()
    # The killed batch wrote nothing: what is committed is whole batches, counted.
    halfway = _job(job.pk)
    assert halfway.status == ImportStatus.RUNNING
    assert halfway.processed_rows % BATCH == 0 and 0 < halfway.processed_rows < 1000
    assert Item.objects.filter(product=acme.product).count() == halfway.created_items

    with running_worker(tmp_path, purge=False) as worker:
        run_import.delay(job.pk)  # the redelivery
        worker.wait_for("the import to finish", lambda: _job(job.pk).status == ImportStatus.DONE)
    connection.close()
    done = _job(job.pk)
    assert (done.processed_rows, done.created_items, done.skipped_rows) == (1000, 963, 0)
    assert [entry["line"] for entry in done.rejected] == [bad.line for bad in export.bad]
    keys = list(Item.objects.filter(product=acme.product).values_list("import_key", flat=True))
    assert keys == [row["import_key"] for row in export.good]  # each once, in file order


# A fault the import cannot turn into a rejected row: the database refuses the product's 121st
# item (the third batch), as it would on a full disk or a bug's bad write.
FAULT = """
    CREATE FUNCTION pmhub_test_item_fault() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF (SELECT count(*) FROM backlog_item WHERE product_id = NEW.product_id) >= 120 THEN
            RAISE EXCEPTION 'injected fault';
        END IF;
        RETURN NEW;
    END $$;
    CREATE TRIGGER pmhub_test_item_fault BEFORE INSERT ON backlog_item
        FOR EACH ROW EXECUTE FUNCTION pmhub_test_item_fault();
"""
NO_FAULT = """
    DROP TRIGGER IF EXISTS pmhub_test_item_fault ON backlog_item;
    DROP FUNCTION IF EXISTS pmhub_test_item_fault();
"""


def test_an_unexpected_error_ends_the_job_failed_keeping_the_committed_batches(
    transactional_db, tmp_path
):
    acme = make_tenant("Acme")
    export = jira_export(rows=300, bad=0, seed=11)
    with connection.cursor() as cursor:
        cursor.execute(FAULT)
    try:
        with running_worker(tmp_path) as worker:
            job = _import(acme, export)
            worker.wait_for("the job to end", lambda: _job(job.pk).finished_at is not None)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(NO_FAULT)
    failed = _job(job.pk)
    assert failed.status == ImportStatus.FAILED
    assert (failed.processed_rows, failed.created_items) == (2 * BATCH, 2 * BATCH)
    assert failed.error.startswith("The import stopped on an unexpected error after 100 of 300")
    assert Item.objects.filter(product=acme.product).count() == 2 * BATCH
    finished = AuditEvent.objects.get(action="import.finished", target_id=str(job.pk))
    assert finished.changes["status"] == [None, ImportStatus.FAILED]
    page = Client()
    page.force_login(acme.owner)
    status = page.get(reverse("backlog:import-job", args=[acme.product.slug, job.pk]))
    assert "hx-trigger" not in status.content.decode()  # ended: no more polling

    # As the error says: the same file again adds only the rest.
    with running_worker(tmp_path) as worker:
        again = _import(acme, export)
        worker.wait_for("the import", lambda: _job(again.pk).status == ImportStatus.DONE)
    connection.close()
    done = _job(again.pk)
    assert (done.created_items, done.skipped_rows) == (300 - 2 * BATCH, 2 * BATCH)
    assert Item.objects.filter(product=acme.product).count() == 300
