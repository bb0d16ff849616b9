"""CSV imports into a product's backlog: a job is created from an uploaded file, then a Celery
task (``backlog.tasks.run_import``) turns its rows into items.

Rows go in file order, each through ``item_create`` in its own savepoint: a row that cannot be an
item is recorded with its line and reason, and the others go on. Rows are taken in batches of
``BATCH``, each committed with the job's progress, so the page can show it and a redelivered task
resumes after the last committed batch. An item remembers the row it came from
(``Item.import_key``, unique per product): a row already imported is skipped, so importing the
same file twice adds nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from backlog import csv_formats
from backlog.csv_formats import ParsedRow, Record, RowError
from backlog.models import (
    CustomField,
    ImportFormat,
    ImportJob,
    ImportStatus,
    Item,
    Label,
    Sprint,
    SprintStatus,
)
from backlog.services.fields import label_create
from backlog.services.items import item_create
from backlog.services.scores import check_estimate, settings_for
from pmhub.audit import audit_record
from pmhub.errors import ApplicationError
from pmhub.models import Product
from roadmaps.models import Initiative, Release

BATCH = 50  # rows per committed batch: how often the progress moves
# A file whose first rows are all rejected is the wrong format or mapping: the import stops there
# rather than list every row of a large file as rejected.
GIVE_UP_AFTER = 200
MAX_FILENAME = 200


def _custom_fields(product: Product) -> dict[str, CustomField]:
    return {f.key: f for f in CustomField.objects.filter(product=product)}


def import_preview(*, product: Product, format: str, content: bytes | str) -> dict[str, Any]:
    """Read the header of an upload and guess its mapping, for the mapping step: ``header``
    (distinct column names), ``mapping``, ``rows`` (how many), ``fields`` (what can be mapped).
    Refusals as ``import_create``'s."""
    if format not in ImportFormat.values:
        raise ApplicationError(f"Choose one of {', '.join(ImportFormat.values)}.", field="format")
    table = csv_formats.read_table(csv_formats.decode(content))  # the title may be mapped next
    custom = _custom_fields(product)
    return {
        "header": list(dict.fromkeys(name for name in table.header if name)),
        "mapping": csv_formats.guess_mapping(format, table.header, custom),
        "rows": sum(1 for _ in table.records()),
        "fields": csv_formats.format_fields(format, custom),
    }


def _table(fmt: str, text: str) -> csv_formats.Table:
    table = csv_formats.read_table(text)
    title = csv_formats.TITLE_COLUMN[ImportFormat(fmt)]
    if title.lower() not in {name.lower() for name in table.header}:
        what = "a Jira issue export" if fmt == ImportFormat.JIRA else "a pmhub CSV"
        raise ApplicationError(
            f"The file has no “{title}” column, which {what} holds the titles in. Check the "
            "format, or choose the title column in the mapping.",
            field="file",
        )
    return table


@transaction.atomic
def import_create(
    *,
    product: Product,
    actor: User,
    format: str,
    filename: str,
    content: bytes | str,
    mapping: dict[str, str] | None = None,
) -> ImportJob:
    """Check an uploaded CSV file and queue its import into ``product``'s backlog.

    The file is UTF-8 (a byte order mark is fine), at most 5 MB, with a header row; ``mapping``
    (pmhub field → header column) defaults to the guess from the header, and must map the title.
    Stores the job with the file's text, enqueues ``run_import`` after commit and records
    ``import.created``. Refusals are ApplicationErrors on ``format``, ``file`` or ``mapping``.
    """
    if format not in ImportFormat.values:
        raise ApplicationError(f"Choose one of {', '.join(ImportFormat.values)}.", field="format")
    if product.archived_at is not None:
        raise ApplicationError("This product is archived; restore it to change its backlog.")
    text = csv_formats.decode(content)
    custom = _custom_fields(product)
    if mapping is None:
        table = _table(format, text)
        mapping = csv_formats.guess_mapping(format, table.header, custom)
    else:
        table = csv_formats.read_table(text)
    mapping = csv_formats.check_mapping(format, table.header, mapping, custom)
    job = ImportJob.objects.create(
        product=product,
        actor=actor,
        format=format,
        filename=(filename or "").replace("\\", "/").rsplit("/", 1)[-1][:MAX_FILENAME],
        content=text,
        mapping=mapping,
        total_rows=sum(1 for _ in table.records()),
    )
    audit_record(
        workspace=product.workspace,
        actor=actor,
        action="import.created",
        target=job,
        product=product,
        changes={"rows": [None, job.total_rows], "format": [None, format]},
    )
    from backlog.tasks import run_import  # tasks import services: import at call time

    transaction.on_commit(lambda: run_import.delay(job.pk))
    return job


# --- Running a job ------------------------------------------------------------------------------


class _Names:
    """The product's labels, sprints, releases, initiatives and members, looked up by name once
    per import; labels missing are created (through ``label_create``)."""

    def __init__(self, product: Product, actor: User | None) -> None:
        self.product, self.actor = product, actor
        self.labels = {label.name.lower(): label for label in Label.objects.filter(product=product)}
        self.created: list[str] = []  # labels made for the row being imported
        self.custom = _custom_fields(product)
        self.settings = settings_for(product)
        self._cache: dict[tuple[str, str], Any] = {}

    def label(self, name: str) -> Label:
        label = self.labels.get(name.lower())
        if label is None:
            found = Label.objects.filter(product=self.product, name__iexact=name).first()
            label = found or label_create(product=self.product, actor=self.actor, name=name)
            if found is None:
                self.created.append(name.lower())
            self.labels[name.lower()] = label
        return label

    def forget_created(self) -> None:
        """The row's savepoint was rolled back: the labels it made are gone."""
        for name in self.created:
            self.labels.pop(name, None)
        self.created = []

    def lookup(self, kind: str, name: str) -> Any:
        """The product's sprint (open), release, initiative or the workspace member of ``name``;
        None when there is none (the item is imported without it)."""
        if (kind, name) not in self._cache:
            self._cache[kind, name] = self._find(kind, name)
        return self._cache[kind, name]

    def _find(self, kind: str, name: str) -> Any:
        if kind == "sprint":
            sprints = Sprint.objects.filter(product=self.product).exclude(
                status=SprintStatus.CLOSED
            )
            return sprints.filter(name__iexact=name).first()
        if kind == "release":
            return Release.objects.filter(product=self.product, name__iexact=name).first()
        if kind == "initiative":
            return Initiative.objects.filter(product=self.product, title__iexact=name).first()
        users = get_user_model().objects.filter(memberships__workspace=self.product.workspace_id)
        return users.filter(Q(username__iexact=name) | Q(email__iexact=name)).first()


def _reason(error: ApplicationError, parsed: ParsedRow) -> str:
    column = parsed.columns.get(error.field or "")
    return f"{column}: {error.message}" if column else error.message


def _import_row(job: ImportJob, parsed: ParsedRow, names: _Names) -> bool:
    """Create the item of ``parsed`` (True), or find it already imported (False)."""
    product = job.product
    exists = Item.objects.filter(product=product, import_key=parsed.import_key)
    if job.format == ImportFormat.PMHUB and parsed.pmhub_id is not None:
        exists = Item.objects.filter(
            Q(import_key=parsed.import_key) | Q(pk=parsed.pmhub_id), product=product
        )
    if exists.exists():
        return False
    fields = dict(parsed.fields)
    estimate = fields.get("estimate")
    try:
        check_estimate(names.settings.scale, estimate)
    except ApplicationError as error:
        column = parsed.columns.get("estimate", "Estimate")
        raise RowError(
            f"{column} {estimate:g} is off the product's estimation scale. {error.message}"
        ) from None
    for kind, name in parsed.names.items():
        found = names.lookup(kind, name)
        if found is not None:
            fields[kind] = found
    custom = {}
    for key, text in parsed.custom.items():
        field = names.custom.get(key)
        if field is not None:
            column = parsed.columns[csv_formats.CUSTOM_PREFIX + key]
            custom[key] = csv_formats.custom_value(field.kind, text, column)
    if custom:
        fields["custom"] = custom
    labels = [names.label(name) for name in parsed.labels]
    item_create(
        product=product,
        actor=job.actor,
        labels=labels,
        import_key=parsed.import_key,
        **fields,
    )
    return True


def _batches(records: Iterator[Record]) -> Iterator[list[tuple[int, Record]]]:
    batch: list[tuple[int, Record]] = []
    for index, record in enumerate(records):
        batch.append((index, record))
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _run_batch(
    job_pk: int, batch: list[tuple[int, Record]], table: csv_formats.Table, names: _Names
) -> ImportJob:
    """Import the rows of ``batch`` not yet processed and commit them with the job's counts.

    The job's row is locked for the batch: two deliveries of the task never take the same rows.
    """
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update()
            .select_related("product__workspace")
            .get(pk=job_pk)
        )
        for index, record in batch:
            if index < job.processed_rows:
                continue  # done by an earlier delivery
            try:
                parsed = csv_formats.parse_row(job.format, table.header, record, job.mapping)
                with transaction.atomic():
                    created = _import_row(job, parsed, names)
            except RowError as error:
                names.forget_created()
                job.rejected.append({"line": record.line, "reason": str(error)})
            except ApplicationError as error:
                names.forget_created()
                job.rejected.append({"line": record.line, "reason": _reason(error, parsed)})
            except IntegrityError:  # imported meanwhile by another job of the same file
                names.forget_created()
                created = False
                job.skipped_rows += 1
            else:
                names.created = []
                if created:
                    job.created_items += 1
                else:
                    job.skipped_rows += 1
            job.processed_rows = index + 1
        job.save(update_fields=["processed_rows", "created_items", "skipped_rows", "rejected"])
    return job


def _finish(job: ImportJob, *, error: str = "") -> ImportJob:
    job.status = ImportStatus.FAILED if error else ImportStatus.DONE
    job.error = error[:500]
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])
    audit_record(
        workspace=job.product.workspace,
        actor=job.actor,
        action="import.finished",
        target=job,
        product=job.product,
        changes={
            "status": [None, job.status],
            "created": [None, job.created_items],
            "skipped": [None, job.skipped_rows],
            "rejected": [None, len(job.rejected)],
        },
    )
    return job


def import_run(*, job: ImportJob) -> ImportJob:
    """Import the rows of ``job``'s file into its product's backlog (see the module's docstring).

    Marks the job running, commits its progress every ``BATCH`` rows, and ends it done (or
    failed, with ``error``, when the file cannot be read at all), recording ``import.finished``.
    Idempotent: a finished job is left alone, a half-done one continues after its last
    committed batch, and rows already in the product are skipped.
    """
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update()
            .select_related("product__workspace")
            .get(pk=job.pk)
        )
        if job.status in (ImportStatus.DONE, ImportStatus.FAILED):
            return job
        job.status = ImportStatus.RUNNING
        job.save(update_fields=["status"])
    product = job.product
    if product.archived_at is not None:
        return _finish(job, error="The product was archived before its import ran.")
    try:
        table = csv_formats.read_table(job.content)
        custom = _custom_fields(product)
        csv_formats.check_mapping(job.format, table.header, job.mapping, custom)
    except ApplicationError as error:
        return _finish(job, error=error.message)
    names = _Names(product, job.actor)
    for batch in _batches(table.records()):
        if batch[-1][0] < job.processed_rows:
            continue  # committed by an earlier delivery
        job = _run_batch(job.pk, batch, table, names)
        if job.processed_rows >= GIVE_UP_AFTER and not (job.created_items or job.skipped_rows):
            first = job.rejected[0]
            return _finish(
                job,
                error=f"None of the first {job.processed_rows} rows could be imported; check "
                f"the format and the columns chosen. Line {first['line']}: {first['reason']}",
            )
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update()
            .select_related("product__workspace")
            .get(pk=job.pk)
        )
        if job.status != ImportStatus.RUNNING:
            return job  # another delivery finished it
        return _finish(job)


def import_abort(*, job_id: int) -> ImportJob | None:
    """End a job that its task could not finish (an error that is not about the file: a bug, the
    database refusing a write) as failed, so its page stops showing it running; the batches
    committed so far stay. A finished job is left alone.

    Records ``import.finished``, as every end of a job does.
    """
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update()
            .select_related("product__workspace")
            .filter(pk=job_id)
            .first()
        )
        if job is None or job.status in (ImportStatus.DONE, ImportStatus.FAILED):
            return job
        return _finish(
            job,
            error=f"The import stopped on an unexpected error after {job.processed_rows} of "
            f"{job.total_rows} rows. The {job.created_items} items created so far stay; "
            "importing the same file again adds only the rest.",
        )
