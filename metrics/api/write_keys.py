"""Write keys of a product: list, create (shown once), revoke."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from metrics import selectors
from metrics.api.common import (
    WorkspaceProductField,
)
from metrics.models import (
    WriteKey,
)
from metrics.services.write_keys import write_key_create, write_key_revoke
from pmhub.capabilities import Action
from pmhub.filters import IdFilter
from pmhub.serializers import (
    StrictSerializer,
    UserSummarySerializer,
)
from pmhub.tenancy import WorkspaceScopedMixin


class WriteKeySerializer(serializers.ModelSerializer):
    created_by = UserSummarySerializer(read_only=True, allow_null=True)
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = WriteKey
        fields = [
            "id",
            "product",
            "name",
            "prefix",
            "created_by",
            "created_at",
            "last_used_at",
            "revoked_at",
            "active",
        ]
        read_only_fields = fields


class NewWriteKeySerializer(WriteKeySerializer):
    key = serializers.CharField(read_only=True, help_text="The write key itself; shown only once.")

    class Meta(WriteKeySerializer.Meta):
        fields = [*WriteKeySerializer.Meta.fields, "key"]
        read_only_fields = fields


class WriteKeyInput(StrictSerializer):
    product = WorkspaceProductField(help_text="Id of the product the key sends events to.")
    name = serializers.CharField(max_length=100, help_text="Where the events come from.")


class WriteKeyFilter(django_filters.FilterSet):
    product = IdFilter(field_name="product_id")

    class Meta:
        model = WriteKey
        fields = ["product"]


@extend_schema_view(
    create=extend_schema(request=WriteKeyInput, responses={201: NewWriteKeySerializer}),
    destroy=extend_schema(
        responses={204: None}, description="Revoke the write key: its events are refused."
    ),
)
class WriteKeyViewSet(
    WorkspaceScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Write keys of the workspace's products: what analytics SDKs send events with."""

    queryset = WriteKey.objects.all()
    serializer_class = WriteKeySerializer
    filterset_class = WriteKeyFilter
    ordering_fields = ["created_at", "name", "last_used_at"]
    ordering = ["-created_at", "-id"]
    capabilities = {
        "list": Action.WRITE_KEY_MANAGE,
        "retrieve": Action.WRITE_KEY_MANAGE,
        "create": Action.WRITE_KEY_MANAGE,
        "destroy": Action.WRITE_KEY_MANAGE,
    }

    def scoped_queryset(self, workspace):
        return selectors.write_key_list(workspace=workspace)

    def create(self, request: Request) -> Response:
        data = WriteKeyInput(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        key, raw = write_key_create(actor=self.actor, **data.validated_data)
        body = NewWriteKeySerializer(key).data | {"key": raw}
        return Response(body, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, pk: str) -> Response:
        write_key_revoke(key=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)
