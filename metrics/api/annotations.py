"""Annotations: dated notes on a product's charts."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from metrics import selectors
from metrics.api.common import (
    PRODUCT_PATH,
    DateRangeQuery,
    ProductChildListView,
)
from metrics.models import (
    Annotation,
)
from metrics.services.annotations import annotation_create, annotation_delete
from pmhub.capabilities import Action
from pmhub.selectors import product_get
from pmhub.serializers import (
    StrictSerializer,
    UserSummarySerializer,
)
from pmhub.tenancy import WorkspaceContextMixin


class AnnotationSerializer(serializers.ModelSerializer):
    created_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Annotation
        fields = ["id", "day", "text", "url", "source", "created_by", "created_at"]
        read_only_fields = fields


class AnnotationInput(StrictSerializer):
    day = serializers.DateField(help_text="The day the note marks on the charts.")
    text = serializers.CharField(max_length=200, help_text="What happened, e.g. “v2.3 shipped”.")
    url = serializers.CharField(
        max_length=500, allow_blank=True, required=False, help_text="An http(s) link, optional."
    )


ANNOTATION_PATH = OpenApiParameter(
    "pk", int, OpenApiParameter.PATH, description="Id of an annotation of the product."
)


@extend_schema_view(
    get=extend_schema(
        parameters=[PRODUCT_PATH, DateRangeQuery], operation_id="product_annotations_list"
    ),
    post=extend_schema(
        parameters=[PRODUCT_PATH],
        request=AnnotationInput,
        responses={201: AnnotationSerializer},
        operation_id="product_annotations_create",
    ),
)
class AnnotationListView(ProductChildListView):
    """Dated notes on the product's charts, by day (`from`/`to` narrow them)."""

    serializer_class = AnnotationSerializer
    capabilities = {"GET": Action.METRIC_VIEW, "POST": Action.METRIC_MANAGE}
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Annotation]:
        if getattr(self, "swagger_fake_view", False):
            return Annotation.objects.none()
        product = self.product()
        query = DateRangeQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.annotation_list(
            product=product,
            start=query.validated_data.get("from"),
            end=query.validated_data.get("to"),
        )

    def post(self, request: Request, product_pk: str) -> Response:
        product = self.product()
        data = AnnotationInput(data=request.data)
        data.is_valid(raise_exception=True)
        annotation = annotation_create(product=product, actor=self.actor, **data.validated_data)
        return Response(AnnotationSerializer(annotation).data, status=status.HTTP_201_CREATED)


class AnnotationDetailView(WorkspaceContextMixin, APIView):
    """One annotation: delete it from the product's charts."""

    capabilities = {"DELETE": Action.METRIC_MANAGE}

    @extend_schema(
        parameters=[PRODUCT_PATH, ANNOTATION_PATH],
        responses={204: None},
        operation_id="product_annotation_destroy",
    )
    def delete(self, request: Request, product_pk: str, pk: str) -> Response:
        product = product_get(workspace=self.workspace, pk=product_pk)
        annotation = selectors.annotation_get(product=product, pk=int(pk))
        annotation_delete(annotation=annotation, actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)
