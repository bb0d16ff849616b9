"""Competitors of a product and the feature comparison matrix: competitors (its columns),
features (its rows, with the product's own support) and cells (a competitor's support)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pmhub.capabilities import Action
from pmhub.selectors import product_get
from pmhub.serializers import StrictSerializer
from pmhub.tenancy import WorkspaceContextMixin, get_scoped_or_404
from roadmaps.api.common import (
    PK_PATH,
    PRODUCT_PATH,
    ProductChildListView,
    ScopedObjectView,
    path_id,
)
from roadmaps.models import Competitor, CompetitorFeature, FeatureSupport, Support
from roadmaps.services.competitors import (
    competitor_create,
    competitor_delete,
    competitor_update,
    feature_create,
    feature_delete,
    feature_support_set,
    feature_update,
)

# --- Competitors ----------------------------------------------------------------------------------


class CompetitorSerializer(serializers.ModelSerializer):
    market_share = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        coerce_to_string=False,
        read_only=True,
        allow_null=True,
        help_text="Percent.",
    )

    class Meta:
        model = Competitor
        fields = ["id", "product", "name", "website", "notes", "market_share", "position"]
        read_only_fields = fields


class CompetitorInput(StrictSerializer):
    name = serializers.CharField(max_length=120)
    website = serializers.CharField(
        allow_blank=True, required=False, max_length=200, help_text="An http(s) address."
    )
    notes = serializers.CharField(allow_blank=True, required=False, max_length=20_000)
    market_share = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        required=False,
        allow_null=True,
        help_text="Percent, 0 to 100.",
    )
    position = serializers.IntegerField(min_value=0, max_value=10_000, required=False)


@extend_schema_view(
    get=extend_schema(parameters=[PRODUCT_PATH], operation_id="product_competitors_list"),
    post=extend_schema(
        parameters=[PRODUCT_PATH],
        request=CompetitorInput,
        responses={201: CompetitorSerializer},
        operation_id="product_competitors_create",
    ),
)
class CompetitorListView(ProductChildListView):
    """The product's competitors in the matrix's column order."""

    serializer_class = CompetitorSerializer
    capabilities = {"GET": Action.ROADMAP_VIEW, "POST": Action.ROADMAP_PLAN}

    def get_queryset(self) -> QuerySet[Competitor]:
        if getattr(self, "swagger_fake_view", False):
            return Competitor.objects.none()
        return Competitor.objects.filter(product=self.product()).order_by("position", "name", "pk")

    def post(self, request: Request, product_pk: str) -> Response:
        product = self.product()
        data = CompetitorInput(data=request.data)
        data.is_valid(raise_exception=True)
        competitor = competitor_create(product=product, actor=self.actor, **data.validated_data)
        return Response(CompetitorSerializer(competitor).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(parameters=[PK_PATH], operation_id="competitor_retrieve"),
    patch=extend_schema(
        parameters=[PK_PATH],
        request=CompetitorInput,
        responses=CompetitorSerializer,
        operation_id="competitor_update",
    ),
    delete=extend_schema(
        parameters=[PK_PATH], responses={204: None}, operation_id="competitor_destroy"
    ),
)
class CompetitorDetailView(ScopedObjectView):
    """One competitor: read, change, or remove it with its column of the matrix."""

    queryset = Competitor.objects.select_related("product__workspace")
    serializer_class = CompetitorSerializer
    capabilities = {
        "GET": Action.ROADMAP_VIEW,
        "PATCH": Action.ROADMAP_PLAN,
        "DELETE": Action.ROADMAP_PLAN,
    }

    def get(self, request: Request, pk: str) -> Response:
        return Response(CompetitorSerializer(self.get_object()).data)

    def patch(self, request: Request, pk: str) -> Response:
        competitor = self.get_object()
        data = CompetitorInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        competitor_update(competitor=competitor, actor=self.actor, **data.validated_data)
        return Response(CompetitorSerializer(competitor).data)

    def delete(self, request: Request, pk: str) -> Response:
        competitor_delete(competitor=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Features (the matrix's rows) and cells -------------------------------------------------------


class CellSerializer(serializers.ModelSerializer):
    class Meta:
        model = FeatureSupport
        fields = ["feature", "competitor", "level"]
        read_only_fields = fields


class FeatureSerializer(serializers.ModelSerializer):
    class Meta:
        model = CompetitorFeature
        fields = ["id", "product", "name", "ours", "position"]
        read_only_fields = fields


class FeatureInput(StrictSerializer):
    name = serializers.CharField(max_length=120)
    ours = serializers.ChoiceField(
        choices=Support.choices, required=False, help_text="Whether the product has it."
    )
    position = serializers.IntegerField(min_value=0, max_value=10_000, required=False)


@extend_schema_view(
    get=extend_schema(parameters=[PRODUCT_PATH], operation_id="product_features_list"),
    post=extend_schema(
        parameters=[PRODUCT_PATH],
        request=FeatureInput,
        responses={201: FeatureSerializer},
        operation_id="product_features_create",
    ),
)
class FeatureListView(ProductChildListView):
    """The matrix's features (rows) in order, with the product's own support."""

    serializer_class = FeatureSerializer
    capabilities = {"GET": Action.ROADMAP_VIEW, "POST": Action.ROADMAP_PLAN}

    def get_queryset(self) -> QuerySet[CompetitorFeature]:
        if getattr(self, "swagger_fake_view", False):
            return CompetitorFeature.objects.none()
        rows = CompetitorFeature.objects.filter(product=self.product())
        return rows.order_by("position", "name", "pk")

    def post(self, request: Request, product_pk: str) -> Response:
        product = self.product()
        data = FeatureInput(data=request.data)
        data.is_valid(raise_exception=True)
        feature = feature_create(product=product, actor=self.actor, **data.validated_data)
        return Response(FeatureSerializer(feature).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(parameters=[PK_PATH], operation_id="feature_retrieve"),
    patch=extend_schema(
        parameters=[PK_PATH],
        request=FeatureInput,
        responses=FeatureSerializer,
        operation_id="feature_update",
    ),
    delete=extend_schema(
        parameters=[PK_PATH], responses={204: None}, operation_id="feature_destroy"
    ),
)
class FeatureDetailView(ScopedObjectView):
    """One feature: read, change, or remove it with its row of the matrix."""

    queryset = CompetitorFeature.objects.select_related("product__workspace")
    serializer_class = FeatureSerializer
    capabilities = {
        "GET": Action.ROADMAP_VIEW,
        "PATCH": Action.ROADMAP_PLAN,
        "DELETE": Action.ROADMAP_PLAN,
    }

    def get(self, request: Request, pk: str) -> Response:
        return Response(FeatureSerializer(self.get_object()).data)

    def patch(self, request: Request, pk: str) -> Response:
        feature = self.get_object()
        data = FeatureInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        feature_update(feature=feature, actor=self.actor, **data.validated_data)
        return Response(FeatureSerializer(feature).data)

    def delete(self, request: Request, pk: str) -> Response:
        feature_delete(feature=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MatrixSerializer(serializers.Serializer):
    competitors = CompetitorSerializer(many=True, help_text="The columns, in order.")
    features = FeatureSerializer(many=True, help_text="The rows, in order.")
    cells = CellSerializer(
        many=True, help_text="Known cells; a feature and competitor without one is unknown."
    )


class MatrixView(WorkspaceContextMixin, APIView):
    """The product's whole comparison matrix in three queries: columns, rows and cells."""

    capabilities = {"GET": Action.ROADMAP_VIEW}

    @extend_schema(
        parameters=[PRODUCT_PATH], responses=MatrixSerializer, operation_id="product_matrix"
    )
    def get(self, request: Request, product_pk: str) -> Response:
        product = product_get(workspace=self.workspace, pk=product_pk)
        body = {
            "competitors": product.competitors.order_by("position", "name", "pk"),
            "features": product.competitor_features.order_by("position", "name", "pk"),
            "cells": FeatureSupport.objects.filter(feature__product=product).order_by(
                "feature_id", "competitor_id"
            ),
        }
        return Response(MatrixSerializer(body).data)


class CellInput(StrictSerializer):
    level = serializers.ChoiceField(choices=Support.choices)


FEATURE_PATH = path_id("feature_pk", "a feature of your workspace's matrix")
COMPETITOR_PATH = path_id("competitor_pk", "a competitor of the feature's product")


class CellView(WorkspaceContextMixin, APIView):
    """Set how far a competitor has a feature (one cell of the matrix)."""

    capabilities = {"PUT": Action.ROADMAP_PLAN}

    @extend_schema(
        parameters=[FEATURE_PATH, COMPETITOR_PATH],
        request=CellInput,
        responses=CellSerializer,
        operation_id="matrix_cell_set",
    )
    def put(self, request: Request, feature_pk: str, competitor_pk: str) -> Response:
        feature = get_scoped_or_404(
            CompetitorFeature.objects.select_related("product__workspace"),
            self.workspace,
            pk=feature_pk,
        )
        # The competitor must be a column of the feature's own matrix.
        competitor = get_scoped_or_404(
            Competitor.objects.filter(product=feature.product_id).select_related(
                "product__workspace"
            ),
            self.workspace,
            pk=competitor_pk,
        )
        data = CellInput(data=request.data)
        data.is_valid(raise_exception=True)
        cell = feature_support_set(
            feature=feature, competitor=competitor, actor=self.actor, **data.validated_data
        )
        return Response(CellSerializer(cell).data)
