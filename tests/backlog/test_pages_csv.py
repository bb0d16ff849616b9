"""The CSV pages of the backlog (backlog/views/csv.py): the import page with its upload and
mapping step, an import's page with its polled progress and rejected rows, and the export."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backlog.models import ImportJob, ImportStatus, Item
from backlog.services.fields import custom_field_create
from backlog.services.imports import import_create, import_run
from backlog.services.items import item_create
from pmhub import services
from pmhub.capabilities import Role
from pmhub.models import AuditEvent
from tests.backlog.sample_backlog import make_backlog
from tests.factories import make_member, make_tenant

HTMX = {"HTTP_HX_REQUEST": "true"}
JIRA = (
    b"Summary,Issue key,Issue Type,Labels,Labels\nLogin,SHOP-1,Story,web,\nOops,SHOP-2,Incident,,\n"
)


@pytest.fixture
def acme(db):
    return make_tenant("Acme")


def _as(acme, role: str) -> Client:
    user = acme.owner if role == Role.OWNER else make_member(acme.workspace, role)
    client = Client()
    client.force_login(user)
    return client


def _url(name: str, acme, *extra) -> str:
    return reverse(f"backlog:{name}", args=[acme.product.slug, *extra])


def _upload(content: bytes = JIRA, name: str = "shop.csv", **fields) -> dict:
    return {
        "format": "jira",
        "file": SimpleUploadedFile(name, content, content_type="text/csv"),
        **fields,
    }


def _job(acme, content: bytes = JIRA, **kwargs) -> ImportJob:
    return import_create(
        product=acme.product,
        actor=acme.owner,
        format="jira",
        filename="shop.csv",
        content=content,
        **kwargs,
    )


def _chosen(page: str, field: str) -> str:
    """The column selected for ``field`` in the mapping step ("" when none is)."""
    select = re.search(rf'<select[^>]*name="map-{field}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no select for {field}"
    chosen = re.search(r'<option value="([^"]*)"\s+selected>', select.group(1))
    return chosen.group(1) if chosen else ""


def _export(client: Client, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


# --- The import page ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_every_role_sees_past_imports_and_makers_get_the_upload_form(acme, role):
    _job(acme)
    response = _as(acme, role).get(_url("import", acme))
    assert response.status_code == 200
    page = response.content.decode()
    assert "shop.csv" in page and 'data-testid="import-history"' in page
    assert 'data-testid="export-link"' in page
    can_upload = role != Role.VIEWER
    assert ('data-testid="import-form"' in page) is can_upload
    assert ("ask an editor to import" in page) is not can_upload


def test_the_export_link_carries_the_lists_filters(acme):
    page = _as(acme, Role.OWNER).get(_url("import", acme) + "?kind=bug&sort=score").content
    assert f'href="{_url("export-csv", acme)}?kind=bug&amp;sort=score"'.encode() in page
    assert b"The items the list's filters show" in page


def test_the_import_page_reads_the_same_queries_with_more_past_imports(acme):
    client = _as(acme, Role.OWNER)
    _job(acme)
    client.get(_url("import", acme))  # warm the session and the membership
    with CaptureQueriesContext(connection) as one:
        client.get(_url("import", acme))
    for _ in range(6):
        _job(acme)
    with CaptureQueriesContext(connection) as seven:
        assert client.get(_url("import", acme)).content.count(b"shop.csv") == 7
    assert len(seven) == len(one)


# --- Uploading ------------------------------------------------------------------------------------


def test_the_mapping_step_shows_the_columns_with_the_guess_and_writes_nothing(acme):
    response = _as(acme, Role.CONTRIBUTOR).post(
        _url("import-create", acme), _upload(step="map"), **HTMX
    )
    assert response.status_code == 200
    fragment = response.content.decode()
    assert "<html" not in fragment
    assert "2 rows found" in fragment
    assert _chosen(fragment, "title") == "Summary"
    assert _chosen(fragment, "labels") == "Labels"
    assert _chosen(fragment, "moscow") == ""  # no Priority column: not imported
    assert fragment.count('<option value="Labels"') == 8  # once per field, not per column
    assert 'name="mapped" value="1"' in fragment
    assert not ImportJob.objects.exists()


def test_without_htmx_the_mapping_step_is_the_whole_page(acme):
    response = _as(acme, Role.EDITOR).post(_url("import-create", acme), _upload(step="map"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" in page and 'data-testid="import-mapping"' in page


def test_an_upload_queues_the_import_and_opens_its_page(acme, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = _as(acme, Role.CONTRIBUTOR).post(
            _url("import-create", acme), _upload(step="import")
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("import-job", acme, job.pk)
    assert (job.status, job.total_rows, job.filename, job.format) == (
        "queued",
        2,
        "shop.csv",
        "jira",
    )
    assert job.mapping["title"] == "Summary"
    assert len(callbacks) == 1  # run_import, sent once the job is committed
    assert AuditEvent.objects.filter(action="import.created").count() == 1


def test_the_columns_chosen_in_the_mapping_step_are_the_jobs(acme):
    fields = {"mapped": "1", "map-title": "Issue key", "map-kind": "", "map-labels": "Labels"}
    response = _as(acme, Role.OWNER).post(_url("import-create", acme), _upload(**fields))
    assert response.status_code == 302
    assert ImportJob.objects.get().mapping == {"title": "Issue key", "labels": "Labels"}


def test_a_mapping_without_the_title_is_shown_again_with_the_error(acme):
    fields = {"mapped": "1", "map-title": "", "map-kind": "Issue Type"}
    response = _as(acme, Role.OWNER).post(_url("import-create", acme), _upload(**fields))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose the column that holds the titles." in page
    assert 'data-testid="import-mapping"' in page
    assert _chosen(page, "kind") == "Issue Type"
    assert _chosen(page, "title") == ""
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The submitted file is empty."),  # Django's own check of an empty upload
        (b"\r\n\r\n", "The file is empty."),
        (b"Summary\n\xff\xfe\n", "The file is not UTF-8 text"),
        (b"Title,Status\nA,Done\n", "The file has no “Summary” column"),
    ],
)
def test_a_bad_file_is_refused_on_the_file_field_and_nothing_is_stored(acme, content, message):
    response = _as(acme, Role.OWNER).post(_url("import-create", acme), _upload(content))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-field-error="file"' in page
    assert message in page.replace("&#x27;", "'")
    assert not ImportJob.objects.exists()


def test_a_bad_file_in_the_mapping_step_says_why_in_the_fragment(acme):
    response = _as(acme, Role.OWNER).post(
        _url("import-create", acme), _upload(b"\r\n", step="map"), **HTMX
    )
    assert response.status_code == 200
    assert b'data-field-error="file"' in response.content
    assert b"The file is empty." in response.content


def test_an_upload_without_a_file_names_the_file_field(acme):
    response = _as(acme, Role.OWNER).post(_url("import-create", acme), {"format": "jira"})
    assert response.status_code == 200
    assert b'data-field-error="file"' in response.content
    assert not ImportJob.objects.exists()


def test_a_file_over_5_mb_is_refused_before_it_is_read(acme):
    big = b"Summary\n" + b"x" * (5 * 1024 * 1024)
    response = _as(acme, Role.OWNER).post(_url("import-create", acme), _upload(big))
    assert b"import at most 5 MB at a time" in response.content
    assert not ImportJob.objects.exists()


def test_a_viewer_is_refused_an_upload(acme):
    response = _as(acme, Role.VIEWER).post(_url("import-create", acme), _upload(step="import"))
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_the_upload_page_answers_posts_only(acme):
    assert _as(acme, Role.OWNER).get(_url("import-create", acme)).status_code == 405


# --- An import's page ---------------------------------------------------------------------------


def test_a_queued_import_polls_its_progress_fragment(acme):
    job = _job(acme)
    client = _as(acme, Role.VIEWER)
    page = client.get(_url("import-job", acme, job.pk)).content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert 'aria-valuenow="0"' in page and 'aria-valuemax="2"' in page
    fragment = client.get(_url("import-job", acme, job.pk), **HTMX)
    assert fragment["Vary"].count("HX-Request") == 1
    text = fragment.content.decode()
    assert text.lstrip().startswith('<section id="import-progress"')
    assert 'hx-get="' + _url("import-job", acme, job.pk) + '"' in text


def test_a_finished_import_stops_polling_and_lists_the_rejected_rows(acme):
    job = _job(acme)
    import_run(job=job)
    fragment = _as(acme, Role.VIEWER).get(_url("import-job", acme, job.pk), **HTMX)
    text = fragment.content.decode()
    assert "hx-trigger" not in text
    assert 'aria-valuenow="2"' in text and "width: 100%" in text
    assert re.search(r'data-testid="import-created">\s*1\s*<', text)
    assert re.search(r'data-testid="import-rejected">\s*1\s*<', text)
    assert re.search(r'<td class="text-end">\s*3\s*</td>', text)  # the line of "Oops"
    assert "Issue Type “Incident” is not one of" in text


def test_a_failed_import_shows_its_error(acme):
    job = _job(acme)
    ImportJob.objects.filter(pk=job.pk).update(content="Other\nx\n")
    import_run(job=job)
    page = _as(acme, Role.OWNER).get(_url("import-job", acme, job.pk)).content.decode()
    assert 'data-testid="import-error"' in page and "the file has no column" in page


def test_an_import_of_another_product_is_not_found_under_this_one(acme):
    other = services.product_create(workspace=acme.workspace, actor=acme.owner, name="Other")
    job = _job(acme)
    url = reverse("backlog:import-job", args=[other.slug, job.pk])
    assert _as(acme, Role.OWNER).get(url).status_code == 404


# --- The export ---------------------------------------------------------------------------------


def test_the_export_writes_pmhubs_columns_in_rank_order(acme):
    sample = make_backlog(acme.product, acme.owner, "acme")
    response = _as(acme, Role.VIEWER).get(_url("export-csv", acme))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="{acme.product.slug}-backlog-'
    )
    header, *rows = _export(_as(acme, Role.VIEWER), _url("export-csv", acme))
    assert header[:14] == [
        "id",
        "key",
        "type",
        "title",
        "status",
        "estimate",
        "score",
        "labels",
        "assignee",
        "sprint",
        "release",
        "initiative",
        "description",
        "acceptance criteria",
    ]
    assert header[-1] == "custom.segment_size"
    assert [row[3] for row in rows] == ["acme feature", "acme story", "acme bug"]
    story = dict(zip(header, rows[1], strict=True))
    assert story["sprint"] == sample.sprint.name
    assert story["acceptance criteria"] == "[ ] acme can log in"
    assert story["custom.segment_size"] == "40"
    feature = dict(zip(header, rows[0], strict=True))
    assert (feature["labels"], feature["reach"], feature["estimate"]) == ("acme-label", "1000", "8")
    assert feature["initiative"] == "acme initiative" and feature["release"] == "acme 1.0"


def test_the_export_follows_the_lists_filters(acme):
    make_backlog(acme.product, acme.owner, "acme")
    rows = _export(_as(acme, Role.OWNER), _url("export-csv", acme) + "?kind=bug")
    assert [row[3] for row in rows[1:]] == ["acme bug"]
    rows = _export(_as(acme, Role.OWNER), _url("export-csv", acme) + "?sort=title")
    assert [row[3] for row in rows[1:]] == ["acme bug", "acme feature", "acme story"]


def test_cells_a_spreadsheet_would_run_are_kept_as_text(acme):
    item_create(
        product=acme.product,
        actor=acme.owner,
        title='=HYPERLINK("http://evil.example","click")',
        description="@SUM(A1)",
    )
    [_, row] = _export(_as(acme, Role.OWNER), _url("export-csv", acme))
    assert row[3] == '\'=HYPERLINK("http://evil.example","click")'
    assert row[12] == "'@SUM(A1)"


def test_the_export_reads_the_same_queries_for_3_and_30_items(acme):
    client = _as(acme, Role.OWNER)
    make_backlog(acme.product, acme.owner, "acme")
    client.get(_url("import", acme))
    with CaptureQueriesContext(connection) as few:
        _export(client, _url("export-csv", acme))
    for n in range(27):
        item_create(product=acme.product, actor=acme.owner, title=f"more {n}", estimate=2)
    with CaptureQueriesContext(connection) as many:
        assert len(_export(client, _url("export-csv", acme))) == 31
    assert len(many) == len(few)


def test_the_export_holds_own_items_only(acme):
    make_backlog(acme.product, acme.owner, "acme")
    bravo = make_tenant("Bravo")
    make_backlog(bravo.product, bravo.owner, "bravo")
    rows = _export(_as(acme, Role.OWNER), _url("export-csv", acme))
    text = repr(rows)
    assert "acme feature" in text and "bravo" not in text


def test_an_export_reimports_cleanly_into_another_product(acme):
    make_backlog(acme.product, acme.owner, "acme")
    jira = _job(acme, b"Summary,Issue key\nFrom Jira,SHOP-9\n")
    import_run(job=jira)
    other = services.product_create(workspace=acme.workspace, actor=acme.owner, name="Other")
    custom_field_create(
        product=other, actor=acme.owner, key="segment_size", name="Segment", kind="number"
    )
    client = _as(acme, Role.OWNER)
    response = client.get(_url("export-csv", acme))
    content = b"".join(response.streaming_content)

    job = import_create(
        product=other, actor=acme.owner, format="pmhub", filename="acme.csv", content=content
    )
    import_run(job=job)
    job.refresh_from_db()
    assert (job.status, job.created_items, job.rejected) == (ImportStatus.DONE, 4, [])

    def carried(product) -> list[dict]:
        rows = []
        for item in Item.objects.filter(product=product).prefetch_related("labels"):
            rows.append(
                {
                    "title": item.title,
                    "kind": item.kind,
                    "status": item.status,
                    "estimate": item.estimate,
                    "score": item.score,
                    "labels": [label.name for label in item.labels.all()],
                    "description": item.description,
                    "acceptance": item.acceptance,
                    "custom": item.custom,
                    "reach": item.reach,
                    "confidence": item.confidence,
                    "moscow": item.moscow,
                }
            )
        return rows

    assert carried(other) == carried(acme.product)
    keys = list(Item.objects.filter(product=other).values_list("import_key", flat=True))
    originals = Item.objects.filter(product=acme.product).order_by("rank")
    assert keys == [item.import_key or f"pmhub:{item.pk}" for item in originals]

    # Again into the other product, and back into the first: nothing new.
    for product in (other, acme.product):
        again = import_create(
            product=product, actor=acme.owner, format="pmhub", filename="x", content=content
        )
        import_run(job=again)
        again.refresh_from_db()
        assert (again.created_items, again.skipped_rows) == (0, 4)
    assert Item.objects.filter(product=other).count() == 4
