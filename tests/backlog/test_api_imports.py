"""CSV imports through the API: each job's status, progress and rejected rows, latest first."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from backlog.models import ImportJob
from tests.backlog.sample_backlog import make_backlog
from tests.factories import api_client, make_tenant


@pytest.fixture
def acme(db):
    tenant = make_tenant("Acme")
    tenant.extra["backlog"] = make_backlog(tenant.product, tenant.owner, "acme")
    tenant.extra["api"] = api_client(tenant.owner, tenant.workspace)
    return tenant


def _running(tenant) -> ImportJob:
    return ImportJob.objects.create(
        product=tenant.product,
        actor=tenant.owner,
        format="jira",
        filename="jira.csv",
        content="Summary\n" + "row\n" * 40,
        status="running",
        total_rows=40,
        processed_rows=10,
        created_items=8,
        skipped_rows=1,
        rejected=[{"line": 4, "reason": "No title."}],
    )


def test_imports_are_listed_latest_first_with_progress(acme):
    done = acme.extra["backlog"].job
    running = _running(acme)
    response = acme.extra["api"].get(reverse("api:backlog:import-list", args=[acme.product.pk]))
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [running.pk, done.pk]
    assert rows[0]["progress"] == 0.25 and rows[0]["status"] == "running"
    assert rows[1]["progress"] == 1.0 and rows[1]["finished_at"]
    assert "content" not in rows[0]


def test_an_import_shows_its_counts_and_rejected_rows(acme):
    running = _running(acme)
    response = acme.extra["api"].get(reverse("api:backlog:import-detail", args=[running.pk]))
    assert response.status_code == 200
    body = response.json()
    assert body["rejected"] == [{"line": 4, "reason": "No title."}]
    assert (body["total_rows"], body["processed_rows"], body["created_items"]) == (40, 10, 8)
    assert body["skipped_rows"] == 1 and body["actor"]["id"] == acme.owner.pk
    assert body["format"] == "jira" and body["filename"] == "jira.csv"
    ImportJob.objects.filter(pk=running.pk).update(
        status="failed", error="The file is not UTF-8.", finished_at=timezone.now()
    )
    body = acme.extra["api"].get(reverse("api:backlog:import-detail", args=[running.pk])).json()
    assert body["status"] == "failed" and body["error"] == "The file is not UTF-8."
