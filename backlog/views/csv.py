"""HTML pages of CSV import and export: the import page (upload, then match the file's columns
to pmhub's fields, past imports), an import's page with its progress (polled with htmx while
it runs) and rejected rows, and the CSV export of the backlog with the list's filters."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Func, IntegerField, QuerySet
from django.http import HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from backlog import csv_formats
from backlog.models import CustomField, ImportFormat, ImportJob, ImportStatus
from backlog.selectors import items_filtered, with_list_relations
from backlog.services.imports import import_create, import_preview
from backlog.views.list_forms import FilterForm, ListOptions
from pmhub.capabilities import Action
from pmhub.errors import ApplicationError
from pmhub.forms import add_service_error
from pmhub.models import Product
from pmhub.selectors import product_get
from pmhub.tenancy import WorkspaceHttpRequest, get_scoped_or_404, workspace_view

PAST_IMPORTS = 20
REJECTED_SHOWN = 500  # rows of the rejected table; the count says how many in all
EXPORT_CHUNK = 500


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8, up to 5 MB, with a header row.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    format = forms.ChoiceField(
        label="Exported from",
        choices=ImportFormat.choices,
        initial=ImportFormat.JIRA,
        widget=forms.RadioSelect,
    )


class _ArrayLength(Func):
    """How many entries a JSON list column holds (the rejected rows of a job)."""

    function = "jsonb_array_length"
    output_field = IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, function="json_array_length", **extra)


def _past_imports(product: Product) -> QuerySet[ImportJob]:
    """The product's latest imports with their counts, without their files (one query)."""
    return (
        ImportJob.objects.filter(product=product)
        .select_related("actor")
        .defer("content", "rejected", "mapping")
        .annotate(rejected_count=_ArrayLength("rejected"))[:PAST_IMPORTS]
    )


def _render(request: WorkspaceHttpRequest, template: str, context: dict) -> HttpResponse:
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _export_url(product: Product, query: QueryDict) -> str:
    url = reverse("backlog:export-csv", args=[product.slug])
    return f"{url}?{query.urlencode()}" if query else url


def _mapping_rows(product: Product, preview: dict[str, Any], chosen: dict[str, str]) -> list:
    """One row per pmhub field: its name, label and the column chosen (or guessed) for it."""
    names = dict(CustomField.objects.filter(product=product).values_list("key", "name"))
    return [
        {
            "field": name,
            "label": csv_formats.field_label(name, names),
            "column": chosen.get(name, ""),
        }
        for name in preview["fields"]
    ]


def _import_page(
    request: WorkspaceHttpRequest,
    product: Product,
    form: UploadForm,
    preview: dict[str, Any] | None = None,
    chosen: dict[str, str] | None = None,
) -> HttpResponse:
    context: dict[str, Any] = {
        "product": product,
        "form": form,
        "preview": preview,
        "export_url": _export_url(product, request.GET),
        "filtered": bool(request.GET),
    }
    if preview is not None:
        context["mapping_rows"] = _mapping_rows(product, preview, chosen or preview["mapping"])
    if request.htmx:
        return _render(request, "backlog/_import_mapping.html", context)
    context["imports"] = _past_imports(product)
    return _render(request, "backlog/import.html", context)


@workspace_view(Action.BACKLOG_VIEW)
def import_page(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """Import a CSV file into the product's backlog, export it, and see past imports."""
    product = product_get(workspace=request.workspace, slug=slug)
    return _import_page(request, product, UploadForm())


def _posted_mapping(data: QueryDict) -> dict[str, str] | None:
    """The mapping step's choices (``map-<field>``), or None when it was skipped."""
    if data.get("mapped") != "1":
        return None
    return {
        key.removeprefix("map-"): str(value) for key, value in data.items() if key[:4] == "map-"
    }


def _content(upload: UploadedFile) -> bytes:
    csv_formats.check_size(upload.size or 0)
    return upload.read()


@require_POST
@workspace_view(Action.BACKLOG_EDIT)
def import_create_view(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """Upload a file: ``step=map`` answers the mapping step (the file's columns and the fields
    they feed); otherwise the import is queued and its page opens."""
    product = product_get(workspace=request.workspace, slug=slug)
    form = UploadForm(request.POST, request.FILES)
    mapping = _posted_mapping(request.POST)
    preview, chosen = None, None
    if form.is_valid():
        upload, fmt = form.cleaned_data["file"], form.cleaned_data["format"]
        try:
            content = _content(upload)
            if request.POST.get("step") != "map":
                job = import_create(
                    product=product,
                    actor=request.user,
                    format=fmt,
                    filename=upload.name or "",
                    content=content,
                    mapping=mapping,
                )
                messages.success(request, f"Importing {job.total_rows} rows of “{job}”.")
                return redirect("backlog:import-job", slug=product.slug, pk=job.pk)
            preview = import_preview(product=product, format=fmt, content=content)
        except ApplicationError as error:
            add_service_error(form, error)
            if error.field == "mapping":  # show the step again with the choices made
                preview = import_preview(product=product, format=fmt, content=content)
                chosen = mapping
    return _import_page(request, product, form, preview, chosen)


def _job_context(product: Product, job: ImportJob) -> dict[str, Any]:
    running = job.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)
    total = max(job.total_rows, 1)
    return {
        "product": product,
        "job": job,
        "job_title": f"Import of {job}",
        "polling": running,
        "finished": not running,
        "percent": min(100, round(100 * job.processed_rows / total)),
        "rejected_count": len(job.rejected),
        "rejected_shown": job.rejected[:REJECTED_SHOWN],
    }


@workspace_view(Action.BACKLOG_VIEW)
def import_job(request: WorkspaceHttpRequest, slug: str, pk: int) -> HttpResponse:
    """An import: its progress while it runs (htmx polls the progress fragment every second),
    then what it created, skipped and rejected, with the line and reason of each rejected row."""
    product = product_get(workspace=request.workspace, slug=slug)
    job = get_scoped_or_404(
        ImportJob.objects.select_related("actor").defer("content"),
        request.workspace,
        product=product,
        pk=pk,
    )
    context = _job_context(product, job)
    if request.htmx:
        return _render(request, "backlog/_import_progress.html", context)
    return _render(request, "backlog/import.html", context)


class _Echo:
    """A file that hands back what is written: csv.writer then yields lines to stream."""

    def write(self, value: str) -> str:
        return value


@workspace_view(Action.BACKLOG_VIEW)  # type: ignore[arg-type]
def export_csv(request: WorkspaceHttpRequest, slug: str) -> StreamingHttpResponse:
    """The product's backlog in pmhub's CSV format, filtered and sorted as the list's query
    string says, streamed in chunks (its query count does not grow with the items)."""
    product = product_get(workspace=request.workspace, slug=slug)
    filters, sort = FilterForm(request.GET, options=ListOptions.load(product)).filters()
    fields = list(CustomField.objects.filter(product=product))
    items = with_list_relations(items_filtered(product, filters, sort))

    def lines() -> Iterator[str]:
        writer = csv.writer(_Echo())
        rows = (csv_formats.export_row(item, fields) for item in items.iterator(EXPORT_CHUNK))
        yield "\ufeff"  # spreadsheets then read the file as UTF-8
        for row in itertools.chain([csv_formats.export_header(fields)], rows):
            yield writer.writerow(row)

    stamp = timezone.localdate().isoformat()
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{product.slug}-backlog-{stamp}.csv"'
    return response
