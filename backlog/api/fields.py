"""Custom fields of a product's items: list, add, rename or change the options or position
(key and kind stay: values and formulas use them), delete (with their values)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from backlog.models import CustomField, FieldKind
from backlog.services.fields import custom_field_create, custom_field_delete, custom_field_update
from pmhub.capabilities import Action
from pmhub.serializers import StrictSerializer
from roadmaps.api.common import PK_PATH, PRODUCT_PATH, ProductChildListView, ScopedObjectView


class CustomFieldSerializer(serializers.ModelSerializer):
    options = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="A single select's choices."
    )

    class Meta:
        model = CustomField
        fields = ["id", "product", "key", "name", "kind", "options", "position"]
        read_only_fields = fields
        extra_kwargs = {
            "key": {
                "help_text": "Where items keep its value (`custom.<key>`), and its name in "
                "a custom formula."
            }
        }


class CustomFieldChangeInput(StrictSerializer):
    name = serializers.CharField(max_length=80)
    options = serializers.ListField(
        child=serializers.CharField(max_length=80),
        required=False,
        max_length=50,
        help_text="A single select's choices: 1 to 50 distinct texts.",
    )
    position = serializers.IntegerField(
        min_value=0, max_value=10_000, required=False, help_text="Order among the fields."
    )


class CustomFieldInput(CustomFieldChangeInput):
    key = serializers.CharField(
        max_length=40,
        help_text="Lower-case letters, digits and underscores, starting with a letter.",
    )
    kind = serializers.ChoiceField(choices=FieldKind.choices)


@extend_schema_view(
    get=extend_schema(parameters=[PRODUCT_PATH], operation_id="product_custom_fields_list"),
    post=extend_schema(
        parameters=[PRODUCT_PATH],
        request=CustomFieldInput,
        responses={201: CustomFieldSerializer},
        operation_id="product_custom_fields_create",
    ),
)
class CustomFieldListView(ProductChildListView):
    """The product's custom fields in their order; add one."""

    serializer_class = CustomFieldSerializer
    capabilities = {"GET": Action.BACKLOG_VIEW, "POST": Action.BACKLOG_CONFIGURE}

    def get_queryset(self) -> QuerySet[CustomField]:
        if getattr(self, "swagger_fake_view", False):
            return CustomField.objects.none()
        return CustomField.objects.filter(product=self.product()).order_by("position", "pk")

    def post(self, request: Request, product_pk: str) -> Response:
        product = self.product()
        data = CustomFieldInput(data=request.data)
        data.is_valid(raise_exception=True)
        field = custom_field_create(product=product, actor=self.actor, **data.validated_data)
        return Response(CustomFieldSerializer(field).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(parameters=[PK_PATH], operation_id="custom_field_retrieve"),
    patch=extend_schema(
        parameters=[PK_PATH],
        request=CustomFieldChangeInput,
        responses=CustomFieldSerializer,
        operation_id="custom_field_update",
    ),
    delete=extend_schema(
        parameters=[PK_PATH], responses={204: None}, operation_id="custom_field_destroy"
    ),
)
class CustomFieldDetailView(ScopedObjectView):
    """One custom field: read, change, or delete it with its values on every item."""

    queryset = CustomField.objects.select_related("product__workspace")
    serializer_class = CustomFieldSerializer
    capabilities = {
        "GET": Action.BACKLOG_VIEW,
        "PATCH": Action.BACKLOG_CONFIGURE,
        "DELETE": Action.BACKLOG_CONFIGURE,
    }

    def get(self, request: Request, pk: str) -> Response:
        return Response(CustomFieldSerializer(self.get_object()).data)

    def patch(self, request: Request, pk: str) -> Response:
        field = self.get_object()
        data = CustomFieldChangeInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        custom_field_update(field=field, actor=self.actor, **data.validated_data)
        return Response(CustomFieldSerializer(field).data)

    def delete(self, request: Request, pk: str) -> Response:
        custom_field_delete(field=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)
