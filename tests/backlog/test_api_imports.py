"""CSV imports through the API: start one from a file upload or the file's text (checked, then
queued), and follow each job's status, progress and rejected rows, latest first."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from backlog.models import ImportJob
from pmhub.capabilities import Role
from tests.backlog.sample_backlog import backlog_snapshot, make_backlog
from tests.factories import api_client, make_member, make_tenant


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


# --- Starting an import ---------------------------------------------------------------------------

CSV = "title,kind,estimate\nExport to PDF,feature,5\nFix login,bug,2\n"


def _start(tenant, body, **kwargs):
    url = reverse("api:backlog:import-list", args=[tenant.product.pk])
    return tenant.extra["api"].post(url, body, **kwargs)


def test_an_import_starts_from_the_files_text_and_is_queued(
    acme, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        response = _start(
            acme, {"format": "pmhub", "content": CSV, "filename": "items.csv"}, format="json"
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "queued" and body["total_rows"] == 2 and body["progress"] == 0.0
    assert body["filename"] == "items.csv"
    job = ImportJob.objects.get(pk=body["id"])
    assert job.mapping["title"] == "title" and job.content == CSV
    assert len(queued) == 1  # run_import, once the job is committed


def test_an_import_starts_from_an_uploaded_file_with_a_mapping(acme):
    upload = SimpleUploadedFile("jira.csv", b"\xef\xbb\xbfName,Type\nExport,Bug\n", "text/csv")
    response = _start(
        acme,
        {"format": "pmhub", "file": upload, "mapping": '{"title": "Name", "kind": "Type"}'},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    job = ImportJob.objects.get(pk=response.json()["id"])
    assert job.filename == "jira.csv" and job.mapping == {"title": "Name", "kind": "Type"}
    assert job.content.startswith("Name,Type")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"content": CSV}, "format"),
        ({"format": "excel", "content": CSV}, "format"),
        ({"format": "pmhub"}, "content"),
        ({"format": "pmhub", "content": ""}, "content"),
        ({"format": "pmhub", "content": "name,kind\nx,bug\n"}, "file"),  # no title column
        ({"format": "pmhub", "content": CSV, "mapping": {"title": "Nope"}}, "mapping"),
        ({"format": "pmhub", "content": CSV, "mapping": {"colour": "title"}}, "mapping"),
        ({"format": "pmhub", "content": CSV, "mapping": ["title"]}, "mapping"),
        ({"format": "pmhub", "content": CSV, "status": "done"}, "status"),
        ({"format": "pmhub", "content": CSV, "file": "x"}, "file"),
    ],
    ids=str,
)
def test_a_bad_import_is_a_400_naming_the_field_and_queues_nothing(acme, body, field):
    before = backlog_snapshot(acme.workspace)
    response = _start(acme, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"], response.json()
    assert backlog_snapshot(acme.workspace) == before


def test_a_bad_upload_is_a_400_naming_the_field(acme):
    before = backlog_snapshot(acme.workspace)
    latin = SimpleUploadedFile("old.csv", "title\nCafé\n".encode("latin-1"), "text/csv")
    response = _start(acme, {"format": "pmhub", "file": latin}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["fields"]
    response = _start(acme, {"format": "pmhub", "mapping": "{"}, format="multipart")
    assert set(response.json()["fields"]) == {"file", "mapping"}
    assert backlog_snapshot(acme.workspace) == before


def test_a_viewer_may_follow_imports_but_not_start_one(acme):
    viewer = make_member(acme.workspace, Role.VIEWER, username="acme-viewer")
    api = api_client(viewer, acme.workspace)
    url = reverse("api:backlog:import-list", args=[acme.product.pk])
    assert api.get(url).status_code == 200
    response = api.post(url, {"format": "pmhub", "content": CSV}, format="json")
    assert response.status_code == 403
