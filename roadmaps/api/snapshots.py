"""Snapshots of a product's roadmap: list, take, read, delete, and what changed between two (or
between one and the roadmap now)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pmhub.capabilities import Action
from pmhub.selectors import product_get
from pmhub.serializers import MAX_ID, StrictSerializer, UserSummarySerializer
from pmhub.tenancy import WorkspaceContextMixin
from roadmaps.api.common import PK_PATH, PRODUCT_PATH, ProductChildListView, ScopedObjectView
from roadmaps.models import Snapshot
from roadmaps.services.snapshots import (
    SnapshotDiff,
    roadmap_state,
    snapshot_delete,
    snapshot_diff,
    snapshot_take,
)


class SnapshotSerializer(serializers.ModelSerializer):
    taken_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Snapshot
        fields = ["id", "product", "name", "taken_at", "taken_by", "automatic"]
        read_only_fields = fields


class SnapshotDetailSerializer(SnapshotSerializer):
    data = serializers.JSONField(  # type: ignore[assignment]
        read_only=True,
        help_text="The roadmap as it was: `initiatives`, each with id, title, horizon, status, "
        "rank, starts_on, ends_on and theme.",
    )

    class Meta(SnapshotSerializer.Meta):
        fields = [*SnapshotSerializer.Meta.fields, "data"]
        read_only_fields = fields


class SnapshotInput(StrictSerializer):
    name = serializers.CharField(allow_blank=True, required=False, max_length=120)


@extend_schema_view(
    get=extend_schema(parameters=[PRODUCT_PATH], operation_id="product_snapshots_list"),
    post=extend_schema(
        parameters=[PRODUCT_PATH],
        request=SnapshotInput,
        responses={201: SnapshotSerializer},
        operation_id="product_snapshots_create",
    ),
)
class SnapshotListView(ProductChildListView):
    """The product's snapshots, newest first; take one of the roadmap as it is now."""

    serializer_class = SnapshotSerializer
    capabilities = {"GET": Action.ROADMAP_VIEW, "POST": Action.ROADMAP_PLAN}

    def get_queryset(self) -> QuerySet[Snapshot]:
        if getattr(self, "swagger_fake_view", False):
            return Snapshot.objects.none()
        rows = Snapshot.objects.filter(product=self.product()).defer("data")
        return rows.select_related("taken_by").order_by("-taken_at", "-pk")

    def post(self, request: Request, product_pk: str) -> Response:
        product = self.product()
        data = SnapshotInput(data=request.data)
        data.is_valid(raise_exception=True)
        snapshot = snapshot_take(product=product, actor=self.actor, **data.validated_data)
        return Response(SnapshotSerializer(snapshot).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(parameters=[PK_PATH], operation_id="snapshot_retrieve"),
    delete=extend_schema(
        parameters=[PK_PATH], responses={204: None}, operation_id="snapshot_destroy"
    ),
)
class SnapshotDetailView(ScopedObjectView):
    """One snapshot with the roadmap it kept; delete it."""

    queryset = Snapshot.objects.select_related("product__workspace", "taken_by")
    serializer_class = SnapshotDetailSerializer
    capabilities = {"GET": Action.ROADMAP_VIEW, "DELETE": Action.ROADMAP_PLAN}

    def get(self, request: Request, pk: str) -> Response:
        return Response(SnapshotDetailSerializer(self.get_object()).data)

    def delete(self, request: Request, pk: str) -> Response:
        snapshot_delete(snapshot=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DiffQuery(serializers.Serializer):
    older = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text="Id of the earlier snapshot of the product; absent: its latest snapshot.",
    )
    newer = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text="Id of the later snapshot; absent: the roadmap as it is now.",
    )


class ChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Id of the initiative.")
    title = serializers.CharField()
    before = serializers.JSONField(
        allow_null=True,
        help_text="moved, status_changed: the old horizon or status; rescheduled: the old "
        "[starts_on, ends_on]; added and removed: null.",
    )
    after = serializers.JSONField(allow_null=True, help_text="The new value, as `before`.")


class SnapshotDiffSerializer(serializers.Serializer):
    older = serializers.IntegerField(help_text="Id of the earlier snapshot.")
    newer = serializers.IntegerField(allow_null=True, help_text="Null: the roadmap now.")
    count = serializers.IntegerField(help_text="How many changes in all.")
    added = ChangeSerializer(many=True)
    removed = ChangeSerializer(many=True)
    moved = ChangeSerializer(many=True, help_text="Horizon changed.")
    rescheduled = ChangeSerializer(many=True, help_text="Start or end date changed.")
    status_changed = ChangeSerializer(many=True)


def _diff_body(older: Snapshot, newer: Snapshot | None, diff: SnapshotDiff) -> dict[str, Any]:
    body: dict[str, Any] = {"older": older.pk, "newer": newer.pk if newer else None}
    body["count"] = diff.count()
    for kind in SnapshotDiff.KINDS:
        body[kind] = [asdict(change) for change in getattr(diff, kind)]
    return body


class SnapshotDiffView(WorkspaceContextMixin, APIView):
    """What changed on the product's roadmap from one snapshot to another (or to now)."""

    capabilities = {"GET": Action.ROADMAP_VIEW}

    @extend_schema(
        parameters=[PRODUCT_PATH, DiffQuery],
        responses=SnapshotDiffSerializer,
        operation_id="product_snapshots_diff",
    )
    def get(self, request: Request, product_pk: str) -> Response:
        product = product_get(workspace=self.workspace, pk=product_pk)
        query = DiffQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        snapshots = Snapshot.objects.filter(product=product)
        wanted = dict(query.validated_data)
        if "older" not in wanted:
            latest = snapshots.order_by("-taken_at", "-pk").values_list("pk", flat=True).first()
            if latest is None:
                raise serializers.ValidationError(
                    {"older": ["The product has no snapshot yet: take one first."]}
                )
            wanted["older"] = latest
        found = {s.pk: s for s in snapshots.filter(pk__in=wanted.values())}
        missing = {
            name: ["No snapshot of this product has this id."]
            for name, pk in wanted.items()
            if pk not in found
        }
        if missing:
            raise serializers.ValidationError(missing)
        older = found[wanted["older"]]
        newer = found.get(wanted.get("newer", 0))
        state = newer.data if newer is not None else roadmap_state(product)
        diff = snapshot_diff(older.data, state)
        return Response(SnapshotDiffSerializer(_diff_body(older, newer, diff)).data)
