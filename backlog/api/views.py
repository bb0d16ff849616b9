"""Saved views of a product's backlog list: a person's own and those shared with the team.

Anyone who reads the backlog may save views; only a view's owner changes or deletes it (a 403
for someone else's shared view; another person's private view is not found).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from backlog.models import SavedView
from backlog.services.fields import saved_view_create, saved_view_delete, saved_view_update
from pmhub.capabilities import Action
from pmhub.models import Workspace
from pmhub.serializers import StrictSerializer, UserSummarySerializer
from pmhub.tenancy import scope
from roadmaps.api.common import PK_PATH, PRODUCT_PATH, ProductChildListView, ScopedObjectView


class SavedViewSerializer(serializers.ModelSerializer):
    owner = UserSummarySerializer(read_only=True)

    class Meta:
        model = SavedView
        fields = ["id", "product", "name", "query", "shared", "owner", "created_at"]
        read_only_fields = fields
        extra_kwargs = {
            "query": {
                "help_text": "The list's query string (filters and sort), e.g. "
                "`kind=bug&sort=score`; the items list takes the same parameters."
            },
            "shared": {"help_text": "true: the product's whole team sees it."},
        }


class SavedViewInput(StrictSerializer):
    name = serializers.CharField(max_length=80)
    query = serializers.CharField(max_length=1000, allow_blank=True, required=False)
    shared = serializers.BooleanField(required=False)


def visible_views(user, rows: QuerySet[SavedView]) -> QuerySet[SavedView]:
    """The views of ``rows`` that ``user`` sees: their own and the shared ones."""
    return rows.filter(Q(owner=user) | Q(shared=True))


@extend_schema_view(
    get=extend_schema(parameters=[PRODUCT_PATH], operation_id="product_saved_views_list"),
    post=extend_schema(
        parameters=[PRODUCT_PATH],
        request=SavedViewInput,
        responses={201: SavedViewSerializer},
        operation_id="product_saved_views_create",
    ),
)
class SavedViewListView(ProductChildListView):
    """Your saved views of the product's backlog and those shared with you, by name; save one."""

    serializer_class = SavedViewSerializer
    capabilities = {"GET": Action.BACKLOG_VIEW, "POST": Action.BACKLOG_VIEW}

    def get_queryset(self) -> QuerySet[SavedView]:
        if getattr(self, "swagger_fake_view", False):
            return SavedView.objects.none()
        rows = SavedView.objects.filter(product=self.product()).select_related("owner")
        return visible_views(self.actor, rows).order_by("name", "pk")

    def post(self, request: Request, product_pk: str) -> Response:
        product = self.product()
        data = SavedViewInput(data=request.data)
        data.is_valid(raise_exception=True)
        view = saved_view_create(product=product, actor=self.actor, **data.validated_data)
        return Response(SavedViewSerializer(view).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(parameters=[PK_PATH], operation_id="saved_view_retrieve"),
    patch=extend_schema(
        parameters=[PK_PATH],
        request=SavedViewInput,
        responses=SavedViewSerializer,
        operation_id="saved_view_update",
    ),
    delete=extend_schema(
        parameters=[PK_PATH], responses={204: None}, operation_id="saved_view_destroy"
    ),
)
class SavedViewDetailView(ScopedObjectView):
    """One saved view you can see: read it; change or delete it if it is yours."""

    queryset = SavedView.objects.select_related("product__workspace", "owner")
    serializer_class = SavedViewSerializer
    capabilities = {
        "GET": Action.BACKLOG_VIEW,
        "PATCH": Action.BACKLOG_VIEW,
        "DELETE": Action.BACKLOG_VIEW,
    }

    def scoped_queryset(self, workspace: Workspace) -> QuerySet[SavedView]:
        return visible_views(self.actor, scope(self.queryset.all(), workspace))

    def get(self, request: Request, pk: str) -> Response:
        return Response(SavedViewSerializer(self.get_object()).data)

    def patch(self, request: Request, pk: str) -> Response:
        view = self.get_object()
        data = SavedViewInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        saved_view_update(view=view, actor=self.actor, **data.validated_data)
        return Response(SavedViewSerializer(view).data)

    def delete(self, request: Request, pk: str) -> Response:
        saved_view_delete(view=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)
