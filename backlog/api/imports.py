"""CSV imports into a product's backlog: start one (a file upload, or the file's text in JSON),
then follow each job's status, progress and rejected rows. The rows are imported by a Celery
task (``backlog.services.imports``); the answer to the start is the queued job."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import parsers, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from backlog.csv_formats import MAX_BYTES
from backlog.models import ImportFormat, ImportJob
from backlog.services.imports import import_create
from pmhub.capabilities import Action
from pmhub.parsers import JSONParser
from pmhub.serializers import StrictSerializer, UserSummarySerializer
from roadmaps.api.common import PK_PATH, PRODUCT_PATH, ProductChildListView, ScopedObjectView


class RejectedRowSerializer(serializers.Serializer):
    line = serializers.IntegerField(read_only=True, help_text="Line of the file (1: the header).")
    reason = serializers.CharField(read_only=True)


class ImportJobSerializer(serializers.ModelSerializer):
    actor = UserSummarySerializer(read_only=True, allow_null=True)
    progress = serializers.SerializerMethodField(help_text="Share of the rows read, 0 to 1.")
    rejected = RejectedRowSerializer(many=True, read_only=True)

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "product",
            "actor",
            "format",
            "filename",
            "status",
            "progress",
            "total_rows",
            "processed_rows",
            "created_items",
            "skipped_rows",
            "rejected",
            "error",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "skipped_rows": {"help_text": "Rows imported before (same import key): not added."},
            "error": {"help_text": "Why the whole import failed, if it did."},
        }

    def get_progress(self, job: ImportJob) -> float:
        if job.status == "done":
            return 1.0
        return round(job.processed_rows / job.total_rows, 4) if job.total_rows else 0.0


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"type": "string"},
        "description": 'pmhub field → the file\'s column (e.g. `{"title": "Summary"}`); '
        "absent: guessed from the header. In a multipart upload, the same map as JSON text.",
    }
)
class MappingField(serializers.Field):
    """Which column of the file fills which field: a JSON object, or its text (multipart)."""

    def to_internal_value(self, data: Any) -> dict[str, str]:
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                raise serializers.ValidationError("Not valid JSON.") from None
        if not isinstance(data, dict) or len(data) > 100:
            raise serializers.ValidationError("A map of at most 100 fields to column names.")
        if not all(isinstance(v, str | None) and len(v or "") <= 200 for v in data.values()):
            raise serializers.ValidationError("Each field maps to a column name (text).")
        return {str(key): value for key, value in data.items()}

    def to_representation(self, value: Any) -> Any:
        return value


class ImportTextInput(StrictSerializer):
    """The file's text in JSON (up to the request size limit: 1 MB; upload bigger files)."""

    format = serializers.ChoiceField(choices=ImportFormat.choices)
    content = serializers.CharField(trim_whitespace=False, help_text="The CSV file's text.")
    filename = serializers.CharField(max_length=200, required=False, allow_blank=True)
    mapping = MappingField(required=False)


class ImportUploadInput(StrictSerializer):
    """A multipart upload of the CSV file (UTF-8, at most 5 MB)."""

    format = serializers.ChoiceField(choices=ImportFormat.choices)
    file = serializers.FileField(help_text="The CSV file, UTF-8, at most 5 MB.")
    mapping = MappingField(required=False)


def _upload(data: dict[str, Any]) -> dict[str, Any]:
    """The service's arguments from a validated upload: the file's bytes and name."""
    upload = data.pop("file")
    if upload.size > MAX_BYTES:
        megabytes = MAX_BYTES // 1024 // 1024
        raise serializers.ValidationError({"file": [f"The file is over {megabytes} MB."]})
    return {**data, "content": upload.read(), "filename": upload.name or ""}


@extend_schema_view(
    get=extend_schema(parameters=[PRODUCT_PATH], operation_id="product_imports_list"),
    post=extend_schema(
        parameters=[PRODUCT_PATH],
        request={
            "application/json": ImportTextInput,
            "multipart/form-data": ImportUploadInput,
        },
        responses={201: ImportJobSerializer},
        operation_id="product_imports_create",
    ),
)
class ImportListView(ProductChildListView):
    """The product's imports, latest first; start one. The file is checked (format, UTF-8, a
    title column, the mapping) and queued: follow its progress at the import's URL."""

    serializer_class = ImportJobSerializer
    parser_classes = [JSONParser, parsers.MultiPartParser]
    capabilities = {"GET": Action.BACKLOG_VIEW, "POST": Action.BACKLOG_EDIT}

    def post(self, request: Request, product_pk: str) -> Response:
        product = self.product()
        upload = request.content_type.startswith("multipart/")
        data = (ImportUploadInput if upload else ImportTextInput)(data=request.data)
        data.is_valid(raise_exception=True)
        fields = _upload(dict(data.validated_data)) if upload else dict(data.validated_data)
        fields.setdefault("filename", "")
        job = import_create(product=product, actor=self.actor, **fields)
        return Response(ImportJobSerializer(job).data, status=status.HTTP_201_CREATED)

    def get_queryset(self) -> QuerySet[ImportJob]:
        if getattr(self, "swagger_fake_view", False):
            return ImportJob.objects.none()
        rows = ImportJob.objects.filter(product=self.product()).select_related("actor")
        return rows.defer("content").order_by("-created_at", "-pk")


@extend_schema_view(get=extend_schema(parameters=[PK_PATH], operation_id="import_retrieve"))
class ImportDetailView(ScopedObjectView):
    """One import: its status, progress and the rows it rejected with why."""

    queryset = ImportJob.objects.select_related("product__workspace", "actor").defer("content")
    serializer_class = ImportJobSerializer
    capabilities = {"GET": Action.BACKLOG_VIEW}

    def get(self, request: Request, pk: str) -> Response:
        return Response(ImportJobSerializer(self.get_object()).data)
