"""The event explorer: stored events and refused messages of a product."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from metrics import selectors
from metrics.api.common import (
    PRODUCT_PATH,
    ProductChildListView,
)
from metrics.filters import EventFilter, RejectionFilter
from metrics.models import (
    Event,
    Rejection,
)
from pmhub.capabilities import Action


class EventSerializer(serializers.ModelSerializer):
    person_id = serializers.IntegerField(
        read_only=True, help_text="The person at ingestion (persons merged later point onward)."
    )

    class Meta:
        model = Event
        fields = [
            "id",
            "message_id",
            "type",
            "name",
            "user_id",
            "anonymous_id",
            "person_id",
            "timestamp",
            "received_at",
            "properties",
            "traits",
            "context",
        ]
        read_only_fields = fields


class RejectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rejection
        fields = ["id", "code", "reason", "message_id", "excerpt", "received_at"]
        read_only_fields = fields


@extend_schema_view(
    get=extend_schema(parameters=[PRODUCT_PATH], operation_id="product_events_list")
)
class EventListView(ProductChildListView):
    """Events the product received, newest arrival first, with the total `count`."""

    serializer_class = EventSerializer
    filterset_class = EventFilter
    capabilities = {"GET": Action.EVENT_VIEW}

    def get_queryset(self) -> QuerySet[Event]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no request
            return Event.objects.none()
        return selectors.event_list(product=self.product())


@extend_schema_view(
    get=extend_schema(parameters=[PRODUCT_PATH], operation_id="product_rejections_list")
)
class RejectionListView(ProductChildListView):
    """Messages ingestion refused for the product, newest first, each with its reason."""

    serializer_class = RejectionSerializer
    filterset_class = RejectionFilter
    capabilities = {"GET": Action.EVENT_VIEW}

    def get_queryset(self) -> QuerySet[Rejection]:
        if getattr(self, "swagger_fake_view", False):
            return Rejection.objects.none()
        return selectors.rejection_list(product=self.product())
