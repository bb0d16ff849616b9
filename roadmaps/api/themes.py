"""Themes of a product: the colour-coded groups its initiatives are drawn in."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from pmhub.capabilities import Action
from pmhub.serializers import StrictSerializer
from roadmaps.api.common import PK_PATH, PRODUCT_PATH, ProductChildListView, ScopedObjectView
from roadmaps.models import Theme
from roadmaps.services.themes import theme_create, theme_delete, theme_update


class ThemeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Theme
        fields = ["id", "product", "name", "colour"]
        read_only_fields = fields


class ThemeChangeInput(StrictSerializer):
    name = serializers.CharField(max_length=80)
    colour = serializers.CharField(max_length=7, required=False, help_text="#rrggbb")


@extend_schema_view(
    get=extend_schema(parameters=[PRODUCT_PATH], operation_id="product_themes_list"),
    post=extend_schema(
        parameters=[PRODUCT_PATH],
        request=ThemeChangeInput,
        responses={201: ThemeSerializer},
        operation_id="product_themes_create",
    ),
)
class ThemeListView(ProductChildListView):
    """The product's themes by name."""

    serializer_class = ThemeSerializer
    capabilities = {"GET": Action.ROADMAP_VIEW, "POST": Action.ROADMAP_PLAN}

    def get_queryset(self) -> QuerySet[Theme]:
        if getattr(self, "swagger_fake_view", False):
            return Theme.objects.none()
        return Theme.objects.filter(product=self.product()).order_by("name", "pk")

    def post(self, request: Request, product_pk: str) -> Response:
        product = self.product()
        data = ThemeChangeInput(data=request.data)
        data.is_valid(raise_exception=True)
        theme = theme_create(product=product, actor=self.actor, **data.validated_data)
        return Response(ThemeSerializer(theme).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(parameters=[PK_PATH], operation_id="theme_retrieve"),
    patch=extend_schema(
        parameters=[PK_PATH],
        request=ThemeChangeInput,
        responses=ThemeSerializer,
        operation_id="theme_update",
    ),
    delete=extend_schema(parameters=[PK_PATH], responses={204: None}, operation_id="theme_destroy"),
)
class ThemeDetailView(ScopedObjectView):
    """One theme: read, rename or recolour, or delete it (its initiatives stay, unthemed)."""

    queryset = Theme.objects.select_related("product__workspace")
    serializer_class = ThemeSerializer
    capabilities = {
        "GET": Action.ROADMAP_VIEW,
        "PATCH": Action.ROADMAP_PLAN,
        "DELETE": Action.ROADMAP_PLAN,
    }

    def get(self, request: Request, pk: str) -> Response:
        return Response(ThemeSerializer(self.get_object()).data)

    def patch(self, request: Request, pk: str) -> Response:
        theme = self.get_object()
        data = ThemeChangeInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        theme_update(theme=theme, actor=self.actor, **data.validated_data)
        return Response(ThemeSerializer(theme).data)

    def delete(self, request: Request, pk: str) -> Response:
        theme_delete(theme=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)
