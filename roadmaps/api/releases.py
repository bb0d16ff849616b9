"""Releases and milestones of a product with their launch checklists: create, change, ship,
delete; checklist items added and changed by planners, ticked by the delivery team too."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from pmhub.capabilities import Action
from pmhub.serializers import StrictSerializer, UserSummarySerializer, WorkspaceMemberField
from pmhub.tenancy import get_scoped_or_404
from roadmaps.api.common import (
    PK_PATH,
    PRODUCT_PATH,
    ChildListView,
    ProductChildListView,
    ScopedIdListField,
    ScopedObjectView,
    path_id,
    scoped,
)
from roadmaps.models import ChecklistItem, Initiative, Release, ReleaseStatus
from roadmaps.services.releases import (
    checklist_item_create,
    checklist_item_delete,
    checklist_item_set_done,
    checklist_item_update,
    release_create,
    release_delete,
    release_ship,
    release_update,
)

# --- Launch checklist items -----------------------------------------------------------------------


class ChecklistItemSerializer(serializers.ModelSerializer):
    owner = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = ChecklistItem
        fields = ["id", "release", "title", "owner", "due_on", "done", "done_at", "position"]
        read_only_fields = fields


class ChecklistItemInput(StrictSerializer):
    title = serializers.CharField(max_length=200)
    owner = WorkspaceMemberField(required=False, allow_null=True, help_text="A member's user id.")
    due_on = serializers.DateField(required=False, allow_null=True)
    position = serializers.IntegerField(
        min_value=0, max_value=10_000, required=False, help_text="Default: the end of the list."
    )


class DoneInput(StrictSerializer):
    done = serializers.BooleanField(help_text="true: ticked; false: open again.")


def _items() -> Prefetch:
    return Prefetch("checklist", queryset=ChecklistItem.objects.select_related("owner"))


# --- Releases -------------------------------------------------------------------------------------


class ReleaseSerializer(serializers.ModelSerializer):
    initiatives: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="Ids of the initiatives it carries."
    )
    checklist = ChecklistItemSerializer(many=True, read_only=True)

    class Meta:
        model = Release
        fields = [
            "id",
            "product",
            "name",
            "target_date",
            "status",
            "notes",
            "is_milestone",
            "shipped_on",
            "initiatives",
            "checklist",
            "created_at",
        ]
        read_only_fields = fields


def releases_with_links(queryset: QuerySet[Release]) -> QuerySet[Release]:
    """``queryset`` with the ids of its initiatives and its checklist (one query each)."""
    return queryset.prefetch_related(
        Prefetch("initiatives", queryset=Initiative.objects.only("id").order_by("pk")), _items()
    )


def _output(release: Release) -> dict[str, Any]:
    fresh = releases_with_links(Release.objects.filter(pk=release.pk)).get()
    return ReleaseSerializer(fresh).data


class ReleaseChangeInput(StrictSerializer):
    name = serializers.CharField(max_length=120)
    target_date = serializers.DateField()
    status = serializers.ChoiceField(
        choices=ReleaseStatus.choices,
        required=False,
        help_text="Setting `shipped` ships it (as the ship action does, today).",
    )
    notes = serializers.CharField(
        allow_blank=True, required=False, max_length=50_000, help_text="Markdown release notes."
    )
    is_milestone = serializers.BooleanField(required=False)
    initiatives = ScopedIdListField(
        rows=scoped(Initiative),
        what="initiative",
        required=False,
        help_text="Ids of the product's initiatives it carries; replaces the list.",
    )


class ReleaseFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ReleaseStatus.choices)

    class Meta:
        model = Release
        fields = ["status"]


@extend_schema_view(
    get=extend_schema(parameters=[PRODUCT_PATH], operation_id="product_releases_list"),
    post=extend_schema(
        parameters=[PRODUCT_PATH],
        request=ReleaseChangeInput,
        responses={201: ReleaseSerializer},
        operation_id="product_releases_create",
    ),
)
class ReleaseListView(ProductChildListView):
    """The product's releases and milestones by target date, each with its checklist."""

    serializer_class = ReleaseSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ReleaseFilter
    capabilities = {"GET": Action.ROADMAP_VIEW, "POST": Action.ROADMAP_PLAN}

    def get_queryset(self) -> QuerySet[Release]:
        if getattr(self, "swagger_fake_view", False):
            return Release.objects.none()
        rows = Release.objects.filter(product=self.product())
        return releases_with_links(rows).order_by("target_date", "name", "pk")

    def post(self, request: Request, product_pk: str) -> Response:
        product = self.product()
        data = ReleaseChangeInput(data=request.data, context=self.input_context())
        data.is_valid(raise_exception=True)
        release = release_create(product=product, actor=self.actor, **data.validated_data)
        return Response(_output(release), status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(parameters=[PK_PATH], operation_id="release_retrieve"),
    patch=extend_schema(
        parameters=[PK_PATH],
        request=ReleaseChangeInput,
        responses=ReleaseSerializer,
        operation_id="release_update",
    ),
    delete=extend_schema(
        parameters=[PK_PATH], responses={204: None}, operation_id="release_destroy"
    ),
)
class ReleaseDetailView(ScopedObjectView):
    """One release: read it with its checklist, change it, or delete it."""

    queryset = Release.objects.select_related("product__workspace")
    serializer_class = ReleaseSerializer
    capabilities = {
        "GET": Action.ROADMAP_VIEW,
        "PATCH": Action.ROADMAP_PLAN,
        "DELETE": Action.ROADMAP_PLAN,
    }

    def get(self, request: Request, pk: str) -> Response:
        return Response(_output(self.get_object()))

    def patch(self, request: Request, pk: str) -> Response:
        release = self.get_object()
        data = ReleaseChangeInput(data=request.data, partial=True, context=self.input_context())
        data.is_valid(raise_exception=True)
        release_update(release=release, actor=self.actor, **data.validated_data)
        return Response(_output(release))

    def delete(self, request: Request, pk: str) -> Response:
        release_delete(release=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ShipInput(StrictSerializer):
    shipped_on = serializers.DateField(required=False, help_text="Default: today.")


@extend_schema_view(
    post=extend_schema(
        parameters=[PK_PATH],
        request=ShipInput,
        responses=ReleaseSerializer,
        operation_id="release_ship",
    )
)
class ReleaseShipView(ScopedObjectView):
    """Mark a release shipped and note it on the charts of the metrics its initiatives' key
    results read (shipping a shipped release changes nothing)."""

    queryset = Release.objects.select_related("product__workspace")
    serializer_class = ReleaseSerializer
    capabilities = {"POST": Action.ROADMAP_PLAN}

    def post(self, request: Request, pk: str) -> Response:
        release = self.get_object()
        data = ShipInput(data=request.data)
        data.is_valid(raise_exception=True)
        release_ship(release=release, actor=self.actor, **data.validated_data)
        return Response(_output(release))


RELEASE_PATH = path_id("release_pk", "a release of your workspace")


@extend_schema_view(
    get=extend_schema(parameters=[RELEASE_PATH], operation_id="release_checklist_list"),
    post=extend_schema(
        parameters=[RELEASE_PATH],
        request=ChecklistItemInput,
        responses={201: ChecklistItemSerializer},
        operation_id="release_checklist_create",
    ),
)
class ChecklistListView(ChildListView):
    """The release's launch checklist in order; add an item at the end."""

    serializer_class = ChecklistItemSerializer
    capabilities = {"GET": Action.ROADMAP_VIEW, "POST": Action.ROADMAP_PLAN}

    def release(self) -> Release:
        return get_scoped_or_404(
            Release.objects.select_related("product__workspace"),
            self.workspace,
            pk=self.kwargs["release_pk"],
        )

    def get_queryset(self) -> QuerySet[ChecklistItem]:
        if getattr(self, "swagger_fake_view", False):
            return ChecklistItem.objects.none()
        return self.release().checklist.select_related("owner").order_by("position", "pk")

    def post(self, request: Request, release_pk: str) -> Response:
        release = self.release()
        data = ChecklistItemInput(data=request.data, context=self.input_context())
        data.is_valid(raise_exception=True)
        item = checklist_item_create(release=release, actor=self.actor, **data.validated_data)
        return Response(ChecklistItemSerializer(item).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(parameters=[PK_PATH], operation_id="checklist_item_retrieve"),
    patch=extend_schema(
        parameters=[PK_PATH],
        request=ChecklistItemInput,
        responses=ChecklistItemSerializer,
        operation_id="checklist_item_update",
    ),
    delete=extend_schema(
        parameters=[PK_PATH], responses={204: None}, operation_id="checklist_item_destroy"
    ),
)
class ChecklistItemDetailView(ScopedObjectView):
    """One checklist item: read, change its title, owner, due day or place, or remove it."""

    queryset = ChecklistItem.objects.select_related("release__product__workspace", "owner")
    serializer_class = ChecklistItemSerializer
    capabilities = {
        "GET": Action.ROADMAP_VIEW,
        "PATCH": Action.ROADMAP_PLAN,
        "DELETE": Action.ROADMAP_PLAN,
    }

    def get(self, request: Request, pk: str) -> Response:
        return Response(ChecklistItemSerializer(self.get_object()).data)

    def patch(self, request: Request, pk: str) -> Response:
        item = self.get_object()
        data = ChecklistItemInput(data=request.data, partial=True, context=self.input_context())
        data.is_valid(raise_exception=True)
        checklist_item_update(item=item, actor=self.actor, **data.validated_data)
        return Response(ChecklistItemSerializer(item).data)

    def delete(self, request: Request, pk: str) -> Response:
        checklist_item_delete(item=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    post=extend_schema(
        parameters=[PK_PATH],
        request=DoneInput,
        responses=ChecklistItemSerializer,
        operation_id="checklist_item_done",
    )
)
class ChecklistItemDoneView(ScopedObjectView):
    """Tick a checklist item, or open it again (the delivery team may too)."""

    queryset = ChecklistItem.objects.select_related("release__product__workspace", "owner")
    serializer_class = ChecklistItemSerializer
    capabilities = {"POST": Action.LAUNCH_UPDATE}

    def post(self, request: Request, pk: str) -> Response:
        item = self.get_object()
        data = DoneInput(data=request.data)
        data.is_valid(raise_exception=True)
        checklist_item_set_done(item=item, actor=self.actor, **data.validated_data)
        return Response(ChecklistItemSerializer(item).data)
