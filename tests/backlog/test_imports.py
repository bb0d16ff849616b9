"""CSV imports (backlog/services/imports.py): a Jira export of 1,000 issues with broken rows,
imported twice; a job picked up again half-way; the limits of an upload; pmhub's own format."""

from __future__ import annotations

import pytest

from backlog.models import ImportJob, ImportStatus, Item, Label
from backlog.services import imports
from backlog.services.fields import custom_field_create, label_create
from backlog.services.imports import import_create, import_run
from backlog.services.items import item_create
from backlog.services.scores import settings_update
from pmhub import services
from pmhub.errors import ApplicationError
from pmhub.models import AuditEvent
from tests.backlog.jira_export import jira_export
from tests.factories import make_tenant


@pytest.fixture
def acme(db):
    return make_tenant("Acme")


def _import(acme, content, fmt="jira", **kwargs) -> ImportJob:
    job = import_create(
        product=acme.product,
        actor=acme.owner,
        format=fmt,
        filename="issues.csv",
        content=content,
        **kwargs,
    )
    import_run(job=job)
    job.refresh_from_db()
    return job


def _items(product) -> dict[str, dict]:
    return {
        item.import_key: {
            "import_key": item.import_key,
            "title": item.title,
            "kind": item.kind,
            "status": item.status,
            "moscow": item.moscow,
            "estimate": item.estimate,
            "labels": sorted(label.name for label in item.labels.all()),
            "description": item.description,
        }
        for item in Item.objects.filter(product=product).prefetch_related("labels")
    }


# --- The acceptance test ------------------------------------------------------------------------


def test_a_jira_export_imports_its_good_rows_lists_the_bad_ones_and_imports_once(acme):
    export = jira_export(rows=1000, bad=37, seed=7)
    job = import_create(
        product=acme.product,
        actor=acme.owner,
        format="jira",
        filename="SHOP issues.csv",
        content=export.content(bom=True),
    )
    assert (job.status, job.total_rows, job.processed_rows) == (ImportStatus.QUEUED, 1000, 0)
    assert job.content.startswith("Summary,Issue key")  # stored without its byte order mark

    import_run(job=job)

    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.finished_at is not None and not job.error
    assert (job.processed_rows, job.created_items, job.skipped_rows) == (1000, 963, 0)
    assert [entry["line"] for entry in job.rejected] == [bad.line for bad in export.bad]
    for entry, bad in zip(job.rejected, export.bad, strict=True):
        assert bad.reason in entry["reason"], (entry, bad)
    # Every good row became the item it describes, in file order.
    assert _items(acme.product) == {row["import_key"]: row for row in export.good}
    ranked = list(Item.objects.filter(product=acme.product).values_list("import_key", flat=True))
    assert ranked == [row["import_key"] for row in export.good]
    used = {name for row in export.good for name in row["labels"]}
    assert set(Label.objects.filter(product=acme.product).values_list("name", flat=True)) == used
    actions = AuditEvent.objects.filter(target_type="importjob", target_id=str(job.pk))
    assert sorted(actions.values_list("action", flat=True)) == ["import.created", "import.finished"]

    again = _import(acme, export.content())
    assert (again.status, again.created_items, again.skipped_rows) == (ImportStatus.DONE, 0, 963)
    assert again.rejected == job.rejected
    assert Item.objects.filter(product=acme.product).count() == 963
    assert Label.objects.filter(product=acme.product).count() == len(used)


def test_a_job_picked_up_again_half_way_continues_without_duplicates(acme):
    export = jira_export(rows=180, bad=6, seed=3)
    job = import_create(
        product=acme.product, actor=acme.owner, format="jira", filename="x.csv", content=export.text
    )
    # A first delivery committed two batches, then its worker died.
    table = imports.csv_formats.read_table(job.content)
    names = imports._Names(acme.product, acme.owner)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING)
    for batch in list(imports._batches(table.records()))[:2]:
        imports._run_batch(job.pk, batch, table, names)
    job.refresh_from_db()
    assert job.processed_rows == 2 * imports.BATCH
    halfway = Item.objects.filter(product=acme.product).count()
    assert halfway == job.created_items > 0

    import_run(job=job)  # the redelivery

    job.refresh_from_db()
    assert (job.status, job.processed_rows) == (ImportStatus.DONE, 180)
    assert (job.created_items, job.skipped_rows, len(job.rejected)) == (174, 0, 6)
    assert Item.objects.filter(product=acme.product).count() == 174
    assert [entry["line"] for entry in job.rejected] == [bad.line for bad in export.bad]

    import_run(job=job)  # a finished job: nothing happens
    assert Item.objects.filter(product=acme.product).count() == 174
    finished = AuditEvent.objects.filter(action="import.finished", target_id=str(job.pk))
    assert finished.count() == 1


def test_rows_already_imported_by_another_file_are_skipped(acme):
    first = _import(acme, b"Summary,Issue key\nLogin,SHOP-1\n")
    second = _import(acme, b"Summary,Issue key,Status\nLogin again,SHOP-1,Done\nNew,SHOP-2,Done\n")
    assert (first.created_items, second.created_items, second.skipped_rows) == (1, 1, 1)
    assert Item.objects.get(import_key="jira:SHOP-1").title == "Login"


def test_an_estimate_off_the_products_scale_is_rejected_with_the_scale(acme):
    settings_update(product=acme.product, actor=acme.owner, scale="powers_of_two")
    job = _import(acme, b"Summary,Story Points\nEight,8\nThree,3\n")
    assert job.created_items == 1
    assert job.rejected == [
        {
            "line": 3,
            "reason": "Story Points 3 is off the product's estimation scale. Estimate on the "
            "Powers of two scale: 0, 1, 2, 4, 8, 16, 32, 64.",
        }
    ]


def test_labels_are_matched_without_case_and_made_once(acme):
    label_create(product=acme.product, actor=acme.owner, name="Mobile")
    job = _import(acme, b"Summary,Labels,Labels\nA,mobile,web\nB,WEB,MOBILE\n")
    assert job.created_items == 2
    assert sorted(Label.objects.filter(product=acme.product).values_list("name", flat=True)) == [
        "Mobile",
        "web",
    ]
    for item in Item.objects.filter(product=acme.product):
        assert sorted(label.name for label in item.labels.all()) == ["Mobile", "web"]


def test_a_label_made_for_a_rejected_row_is_not_left_behind(acme):
    job = _import(acme, b"Summary,Labels,Story Points\nBad,lonely,4\nGood,shared,3\n")
    assert job.created_items == 1 and len(job.rejected) == 1
    assert list(Label.objects.filter(product=acme.product).values_list("name", flat=True)) == [
        "shared"
    ]


def test_a_custom_mapping_reads_the_chosen_columns(acme):
    content = b"Name,Kind,Summary\nFrom name,Bug,ignored\n"
    job = _import(acme, content, mapping={"title": "Name", "kind": "Kind", "labels": ""})
    assert job.mapping == {"title": "Name", "kind": "Kind"}
    item = Item.objects.get(product=acme.product)
    assert (item.title, item.kind) == ("From name", "bug")
    assert item.import_key.startswith("sha256:")


def test_a_file_unreadable_when_the_job_runs_fails_the_job(acme):
    job = import_create(
        product=acme.product, actor=acme.owner, format="jira", filename="x", content=b"Summary\nA\n"
    )
    ImportJob.objects.filter(pk=job.pk).update(content="Other\nA\n")  # its mapping no longer fits
    import_run(job=job)
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert "no column “Summary”" in job.error
    assert not Item.objects.filter(product=acme.product).exists()


def test_a_file_whose_first_rows_are_all_rejected_stops_with_the_first_reason(acme):
    rows = "".join(f"Row {n},Incident\n" for n in range(imports.GIVE_UP_AFTER + 300))
    job = _import(acme, ("Summary,Issue Type\n" + rows + "Good,Story\n").encode())
    assert job.status == ImportStatus.FAILED
    assert job.processed_rows == imports.GIVE_UP_AFTER
    assert len(job.rejected) == imports.GIVE_UP_AFTER
    assert job.error.startswith(
        f"None of the first {imports.GIVE_UP_AFTER} rows could be imported; check the format and "
        "the columns chosen. Line 2: Issue Type “Incident” is not one of"
    )
    assert not Item.objects.filter(product=acme.product).exists()


def test_an_item_rule_refusing_a_row_is_its_reason(acme):
    job = _import(
        acme,
        b"title,status,impact,roi_months\nA,done,5,\nB,done,,200\nC,new,2,12\n",
        fmt="pmhub",
    )
    assert job.created_items == 1
    assert job.rejected == [
        {"line": 2, "reason": "impact: Impact must be one of 0.25, 0.5, 1, 2, 3."},
        {"line": 3, "reason": "roi_months: Months must be a whole number between 1 and 120."},
    ]


# --- What an upload must be ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "problem"),
    [
        ({"content": b""}, "file", "The file is empty."),
        ({"content": b"\r\n \r\n"}, "file", "The file is empty."),
        ({"content": b"Title,Status\nA,Done\n"}, "file", "no “Summary” column"),
        ({"content": b"Summary\nA\n", "format": "trello"}, "format", "Choose one of"),
        ({"content": b"Summary\n\xff\xfeA\n"}, "file", "not UTF-8"),
        ({"content": b"Summary\n" + b"x" * (5 * 1024 * 1024)}, "file", "at most 5 MB"),
        ({"content": b"Summary\nA\n", "mapping": {"title": "Name"}}, "mapping", "no column"),
        ({"content": b"Summary\nA\n", "mapping": {"kind": "Summary"}}, "mapping", "titles"),
    ],
)
def test_an_unusable_upload_is_refused_naming_the_field_and_nothing_is_stored(
    acme, fields, field, problem
):
    arguments = {"format": "jira", "filename": "x.csv", **fields}
    with pytest.raises(ApplicationError) as caught:
        import_create(product=acme.product, actor=acme.owner, **arguments)
    assert caught.value.field == field
    assert problem in caught.value.message
    assert not ImportJob.objects.exists()
    assert not AuditEvent.objects.filter(action="import.created").exists()


def test_a_pmhub_file_without_a_title_column_names_the_file(acme):
    with pytest.raises(ApplicationError) as caught:
        import_create(
            product=acme.product, actor=acme.owner, format="pmhub", filename="x", content=b"a\n1\n"
        )
    assert (caught.value.field, "no “title” column" in caught.value.message) == ("file", True)


def test_an_archived_product_takes_no_import(acme):
    services.product_set_archived(product=acme.product, actor=acme.owner, archived=True)
    with pytest.raises(ApplicationError, match="archived"):
        import_create(
            product=acme.product, actor=acme.owner, format="jira", filename="x", content=b"title"
        )


def test_the_filename_keeps_its_last_part_only(acme):
    job = import_create(
        product=acme.product,
        actor=acme.owner,
        format="jira",
        filename="C:\\Users\\ana\\Downloads\\Jira.csv",
        content=b"Summary\nA\n",
    )
    assert job.filename == "Jira.csv"


# --- pmhub's own format -------------------------------------------------------------------------


def test_pmhub_rows_resolve_names_of_the_product_and_workspace(acme):
    custom_field_create(
        product=acme.product, actor=acme.owner, key="paid", name="Paid", kind="checkbox"
    )
    text = (
        "title,type,status,assignee,sprint,custom.paid,custom.unknown\n"
        f"Mine,bug,ready,{acme.owner.username},No such sprint,yes,x\n"
    )
    job = _import(acme, text.encode(), fmt="pmhub")
    assert job.created_items == 1, job.rejected
    item = Item.objects.get(product=acme.product)
    assert (item.kind, item.status, item.assignee) == ("bug", "ready", acme.owner)
    assert item.sprint is None  # no open sprint of that name: imported without one
    assert item.custom == {"paid": True}
    assert "custom.unknown" not in job.mapping


def test_a_pmhub_row_naming_an_item_of_the_same_product_is_skipped(acme):
    item = item_create(product=acme.product, actor=acme.owner, title="Already here")
    job = _import(acme, f"id,title\n{item.pk},Already here\n".encode(), fmt="pmhub")
    assert (job.created_items, job.skipped_rows) == (0, 1)
