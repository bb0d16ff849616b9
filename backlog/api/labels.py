"""Labels of a product's backlog: list, add, rename or recolour, delete (its items lose it)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from backlog.models import Label
from backlog.services.fields import label_create, label_delete, label_update
from pmhub.capabilities import Action
from pmhub.serializers import StrictSerializer
from roadmaps.api.common import PK_PATH, PRODUCT_PATH, ProductChildListView, ScopedObjectView


class LabelSerializer(serializers.ModelSerializer):
    class Meta:
        model = Label
        fields = ["id", "product", "name", "colour"]
        read_only_fields = fields


class LabelInput(StrictSerializer):
    name = serializers.CharField(max_length=40)
    colour = serializers.CharField(max_length=7, required=False, help_text="#rrggbb")


@extend_schema_view(
    get=extend_schema(parameters=[PRODUCT_PATH], operation_id="product_labels_list"),
    post=extend_schema(
        parameters=[PRODUCT_PATH],
        request=LabelInput,
        responses={201: LabelSerializer},
        operation_id="product_labels_create",
    ),
)
class LabelListView(ProductChildListView):
    """The product's labels by name; add one."""

    serializer_class = LabelSerializer
    capabilities = {"GET": Action.BACKLOG_VIEW, "POST": Action.BACKLOG_EDIT}

    def get_queryset(self) -> QuerySet[Label]:
        if getattr(self, "swagger_fake_view", False):
            return Label.objects.none()
        return Label.objects.filter(product=self.product()).order_by("name", "pk")

    def post(self, request: Request, product_pk: str) -> Response:
        product = self.product()
        data = LabelInput(data=request.data)
        data.is_valid(raise_exception=True)
        label = label_create(product=product, actor=self.actor, **data.validated_data)
        return Response(LabelSerializer(label).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(parameters=[PK_PATH], operation_id="label_retrieve"),
    patch=extend_schema(
        parameters=[PK_PATH],
        request=LabelInput,
        responses=LabelSerializer,
        operation_id="label_update",
    ),
    delete=extend_schema(parameters=[PK_PATH], responses={204: None}, operation_id="label_destroy"),
)
class LabelDetailView(ScopedObjectView):
    """One label: read, rename or recolour, or delete it (its items lose it)."""

    queryset = Label.objects.select_related("product__workspace")
    serializer_class = LabelSerializer
    capabilities = {
        "GET": Action.BACKLOG_VIEW,
        "PATCH": Action.BACKLOG_EDIT,
        "DELETE": Action.BACKLOG_EDIT,
    }

    def get(self, request: Request, pk: str) -> Response:
        return Response(LabelSerializer(self.get_object()).data)

    def patch(self, request: Request, pk: str) -> Response:
        label = self.get_object()
        data = LabelInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        label_update(label=label, actor=self.actor, **data.validated_data)
        return Response(LabelSerializer(label).data)

    def delete(self, request: Request, pk: str) -> Response:
        label_delete(label=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)
