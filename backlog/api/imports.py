"""CSV imports into a product's backlog: each job's status, progress and rejected rows."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from backlog.models import ImportJob
from pmhub.capabilities import Action
from pmhub.serializers import UserSummarySerializer
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


@extend_schema_view(
    get=extend_schema(parameters=[PRODUCT_PATH], operation_id="product_imports_list"),
)
class ImportListView(ProductChildListView):
    """The product's imports, latest first."""

    serializer_class = ImportJobSerializer
    capabilities = {"GET": Action.BACKLOG_VIEW}

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
