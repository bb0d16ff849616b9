"""Backlog items of a product: the list (the backlog page's filters and sorts, a fixed number of
queries however many rows), create, read, change (status through the workflow), delete, move in
the manual order, history, bulk changes and applying the score order."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet, TextChoices
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from backlog.api.common import CustomValueField, ProductActionView, ProductRowsField
from backlog.api.item_filters import CUSTOM_PARAMETER, ItemQuery, parse_item_query
from backlog.models import (
    Item,
    ItemHistory,
    ItemKind,
    Label,
    Sprint,
    Status,
)
from backlog.scoring import Kano, MoSCoW
from backlog.selectors import items_filtered, with_links
from backlog.services.items import item_create, item_delete, item_update
from backlog.services.items import items_bulk_delete as bulk_delete
from backlog.services.items import items_bulk_update as bulk_update
from backlog.services.ranking import item_move, items_apply_score_order
from pmhub.capabilities import Action
from pmhub.errors import ApplicationError
from pmhub.selectors import with_user_summaries
from pmhub.serializers import (
    RowOutputMixin,
    StrictSerializer,
    UserSummarySerializer,
    WorkspaceMemberField,
)
from pmhub.tenancy import get_scoped_or_404
from roadmaps.api.common import (
    PK_PATH,
    PRODUCT_PATH,
    ChildListView,
    FiniteFloatField,
    ProductChildListView,
    ScopedIdField,
    ScopedIdListField,
    ScopedObjectView,
    scoped,
)
from roadmaps.models import Initiative, Release

# --- Output ---------------------------------------------------------------------------------------


class LabelSummarySerializer(RowOutputMixin, serializers.ModelSerializer):
    class Meta:
        model = Label
        fields = ["id", "name", "colour"]
        read_only_fields = fields


class CriterionSerializer(serializers.Serializer):
    text = serializers.CharField(read_only=True)
    done = serializers.BooleanField(read_only=True)


SCORE_INPUT_FIELDS = [
    "reach",
    "impact",
    "confidence",
    "effort",
    "business_value",
    "time_criticality",
    "risk_reduction",
    "job_size",
    "ice_impact",
    "ice_confidence",
    "ice_ease",
    "value",
    "moscow",
    "kano",
    "roi_value",
    "roi_months",
    "roi_cost",
]


class ItemSerializer(RowOutputMixin, serializers.ModelSerializer):
    assignee = UserSummarySerializer(read_only=True, allow_null=True)
    reporter = UserSummarySerializer(read_only=True, allow_null=True)
    labels = LabelSummarySerializer(many=True, read_only=True, source="label_list")
    acceptance = CriterionSerializer(many=True, read_only=True, help_text="The checklist.")
    children = serializers.ListField(
        child=serializers.IntegerField(),
        source="child_ids",
        read_only=True,
        help_text="Ids of the items under it, in backlog order.",
    )
    custom = serializers.DictField(
        child=CustomValueField(),
        read_only=True,
        help_text="Values of the product's custom fields, by key.",
    )

    class Meta:
        model = Item
        fields = [
            "id",
            "product",
            "kind",
            "title",
            "description",
            "acceptance",
            "status",
            "assignee",
            "reporter",
            "labels",
            "estimate",
            "initiative",
            "release",
            "sprint",
            "parent",
            "children",
            "rank",
            "score",
            "score_problem",
            *SCORE_INPUT_FIELDS,
            "custom",
            "created_at",
            "updated_at",
            "done_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "rank": {"help_text": "Place in the manual order (sorts as text)."},
            "score": {"help_text": "The product's framework applied to the inputs."},
            "score_problem": {"help_text": "Why there is no score (an input is missing…)."},
            "estimate": {"help_text": "Story points."},
        }


def item_rows(items: QuerySet[Item]) -> QuerySet[Item]:
    """``items`` with what the output shows besides their columns, in the same query: the
    people, the labels and the ids of the children (initiative, release and sprint are ids)."""
    return with_user_summaries(with_links(items), "assignee", "reporter")


def item_output(item: Item) -> dict[str, Any]:
    """The item as the list shows it (read again with its links)."""
    return ItemSerializer(item_rows(Item.objects.filter(pk=item.pk)).get()).data


# --- Input ----------------------------------------------------------------------------------------


class CriterionInput(StrictSerializer):
    text = serializers.CharField(max_length=500)
    done = serializers.BooleanField(default=False)


def _optional_number(**kwargs: Any) -> FiniteFloatField:
    return FiniteFloatField(required=False, allow_null=True, **kwargs)


class ItemChangeInput(StrictSerializer):
    """What an item's PATCH may change (every field optional). Rank, score, product and id are
    not input: the move action and the framework set them."""

    kind = serializers.ChoiceField(choices=ItemKind.choices, required=False)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(
        allow_blank=True, required=False, max_length=20_000, help_text="Markdown."
    )
    acceptance = CriterionInput(
        many=True, required=False, help_text="The acceptance criteria; replaces the list."
    )
    status = serializers.ChoiceField(
        choices=Status.choices,
        required=False,
        help_text="A change follows the workflow (e.g. new → ready → in progress → in review "
        "→ done); any other is a 400 on `status`.",
    )
    assignee = WorkspaceMemberField(required=False, allow_null=True, help_text="A member's id.")
    reporter = WorkspaceMemberField(required=False, allow_null=True, help_text="A member's id.")
    estimate = _optional_number(min_value=0, help_text="Story points on the product's scale.")
    initiative = ScopedIdField(
        rows=scoped(Initiative),
        what="initiative",
        required=False,
        allow_null=True,
        help_text="Id of an initiative of the item's product.",
    )
    release = ScopedIdField(
        rows=scoped(Release),
        what="release",
        required=False,
        allow_null=True,
        help_text="Id of a release of the item's product.",
    )
    sprint = ScopedIdField(
        rows=scoped(Sprint),
        what="sprint",
        required=False,
        allow_null=True,
        help_text="Id of an open sprint of the item's product; null: the backlog.",
    )
    parent = ScopedIdField(  # type: ignore[assignment]
        rows=scoped(Item, "parent__parent"),
        what="item",
        required=False,
        allow_null=True,
        help_text="Id of the item it sits under (at most three levels deep).",
    )
    labels = ScopedIdListField(
        rows=scoped(Label),
        what="label",
        required=False,
        help_text="Ids of labels of the item's product; replaces the list.",
    )
    custom = serializers.DictField(
        child=CustomValueField(),
        required=False,
        help_text="Values of the product's custom fields by key (null clears one); replaces "
        "the map.",
    )
    reach = _optional_number()
    impact = _optional_number(help_text="RICE impact: 0.25, 0.5, 1, 2 or 3.")
    confidence = _optional_number(help_text="Percent, 0 to 100.")
    effort = _optional_number()
    business_value = _optional_number()
    time_criticality = _optional_number()
    risk_reduction = _optional_number()
    job_size = _optional_number()
    ice_impact = _optional_number(help_text="1 to 10.")
    ice_confidence = _optional_number(help_text="1 to 10.")
    ice_ease = _optional_number(help_text="1 to 10.")
    value = _optional_number(help_text="0 to 10.")
    moscow = serializers.ChoiceField(
        choices=MoSCoW.choices, required=False, allow_null=True, allow_blank=True
    )
    kano = serializers.ChoiceField(
        choices=Kano.choices, required=False, allow_null=True, allow_blank=True
    )
    roi_value = _optional_number()
    roi_months = serializers.IntegerField(
        min_value=1, max_value=120, required=False, allow_null=True
    )
    roi_cost = _optional_number()


class ItemInput(ItemChangeInput):
    """A new item goes to the bottom of the backlog, in any status (default: new)."""


def _write(data: dict[str, Any]) -> tuple[dict[str, Any], list[Label] | None]:
    """The validated input split into the service's fields and its labels."""
    fields = dict(data)
    labels = fields.pop("labels", None)
    if "acceptance" in fields:
        fields["acceptance"] = [dict(entry) for entry in fields["acceptance"]]
    return fields, labels


# --- Views ----------------------------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        parameters=[PRODUCT_PATH, ItemQuery, CUSTOM_PARAMETER], operation_id="product_items_list"
    ),
    post=extend_schema(
        parameters=[PRODUCT_PATH],
        request=ItemInput,
        responses={201: ItemSerializer},
        operation_id="product_items_create",
    ),
)
class ItemListView(ProductChildListView):
    """The product's backlog, filtered and sorted as on the backlog page; add an item (at the
    bottom)."""

    serializer_class = ItemSerializer
    capabilities = {"GET": Action.BACKLOG_VIEW, "POST": Action.BACKLOG_EDIT}

    def get_queryset(self) -> QuerySet[Item]:
        if getattr(self, "swagger_fake_view", False):
            return Item.objects.none()
        product = self.product()
        filters, sort = parse_item_query(product, self.request.query_params)
        return item_rows(items_filtered(product, filters, sort))

    def post(self, request: Request, product_pk: str) -> Response:
        product = self.product()
        data = ItemInput(data=request.data, context=self.input_context())
        data.is_valid(raise_exception=True)
        fields, labels = _write(data.validated_data)
        item = item_create(product=product, actor=self.actor, labels=labels, **fields)
        return Response(item_output(item), status=status.HTTP_201_CREATED)


class _ItemView(ScopedObjectView):
    queryset = Item.objects.select_related("product__workspace")
    serializer_class = ItemSerializer


@extend_schema_view(
    get=extend_schema(parameters=[PK_PATH], operation_id="item_retrieve"),
    patch=extend_schema(
        parameters=[PK_PATH],
        request=ItemChangeInput,
        responses=ItemSerializer,
        operation_id="item_update",
    ),
    delete=extend_schema(parameters=[PK_PATH], responses={204: None}, operation_id="item_destroy"),
)
class ItemDetailView(_ItemView):
    """One item: read, change (status through the workflow), or delete it (its children stay,
    without a parent)."""

    capabilities = {
        "GET": Action.BACKLOG_VIEW,
        "PATCH": Action.BACKLOG_EDIT,
        "DELETE": Action.BACKLOG_EDIT,
    }

    def get(self, request: Request, pk: str) -> Response:
        return Response(item_output(self.get_object()))

    def patch(self, request: Request, pk: str) -> Response:
        item = self.get_object()
        data = ItemChangeInput(data=request.data, partial=True, context=self.input_context())
        data.is_valid(raise_exception=True)
        fields, labels = _write(data.validated_data)
        item_update(item=item, actor=self.actor, labels=labels, **fields)
        return Response(item_output(item))

    def delete(self, request: Request, pk: str) -> Response:
        item_delete(item=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MovePosition(TextChoices):
    TOP = "top", "Top"
    BOTTOM = "bottom", "Bottom"


class ItemMoveInput(StrictSerializer):
    """Exactly one of ``before``, ``after`` and ``position``."""

    before = ScopedIdField(
        rows=scoped(Item),
        what="item",
        required=False,
        help_text="Id of the item of the same backlog it goes just above.",
    )
    after = ScopedIdField(
        rows=scoped(Item),
        what="item",
        required=False,
        help_text="Id of the item of the same backlog it goes just below.",
    )
    position = serializers.ChoiceField(
        choices=MovePosition.choices,
        required=False,
        help_text="The top or the bottom of the backlog.",
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if len(data) != 1:
            raise serializers.ValidationError(
                {"before": ["Say where: one of before, after or position."]}
            )
        return data


@extend_schema_view(
    post=extend_schema(
        parameters=[PK_PATH],
        request=ItemMoveInput,
        responses=ItemSerializer,
        operation_id="item_move",
    )
)
class ItemMoveView(_ItemView):
    """Move an item in the manual order: above or below another item, or to the top or bottom
    (only the moved item's rank changes)."""

    capabilities = {"POST": Action.BACKLOG_EDIT}

    def post(self, request: Request, pk: str) -> Response:
        item = self.get_object()
        data = ItemMoveInput(data=request.data, context=self.input_context())
        data.is_valid(raise_exception=True)
        item_move(item=item, actor=self.actor, **data.validated_data)
        return Response(item_output(item))


class HistorySerializer(serializers.ModelSerializer):
    actor = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = ItemHistory
        fields = ["id", "item", "field", "old", "new", "at", "actor"]
        read_only_fields = fields
        extra_kwargs = {
            "old": {"help_text": "The value before: a status, a sprint id, points; blank: none."},
            "new": {"help_text": "The value after (for `created`: the first status)."},
        }


@extend_schema_view(get=extend_schema(parameters=[PK_PATH], operation_id="item_history_list"))
class ItemHistoryView(ChildListView):
    """An item's history, oldest first: its creation and each change of status, sprint and
    estimate, with when and who."""

    serializer_class = HistorySerializer
    capabilities = {"GET": Action.BACKLOG_VIEW}

    def get_queryset(self) -> QuerySet[ItemHistory]:
        if getattr(self, "swagger_fake_view", False):
            return ItemHistory.objects.none()
        item = get_scoped_or_404(Item.objects.all(), self.workspace, pk=self.kwargs["pk"])
        return ItemHistory.objects.filter(item=item).select_related("actor").order_by("at", "pk")


# --- Bulk and score order -------------------------------------------------------------------------


class BulkAction(TextChoices):
    SET = "set", "Set"
    DELETE = "delete", "Delete"


BULK_SET = ("status", "sprint", "release", "assignee", "initiative", "add_label")


class BulkInput(StrictSerializer):
    """``set`` gives every named item the values sent (null clears a sprint, release, assignee or
    initiative) and may add a label; ``delete`` deletes them. All or nothing."""

    items = ProductRowsField(
        model=Item,
        what="item",
        related=("product__workspace",),
        help_text="Ids of items of this product, each once (at most 500).",
    )
    action = serializers.ChoiceField(choices=BulkAction.choices)
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    sprint = ScopedIdField(rows=scoped(Sprint), what="sprint", required=False, allow_null=True)
    release = ScopedIdField(rows=scoped(Release), what="release", required=False, allow_null=True)
    assignee = WorkspaceMemberField(required=False, allow_null=True)
    initiative = ScopedIdField(
        rows=scoped(Initiative), what="initiative", required=False, allow_null=True
    )
    add_label = ScopedIdField(rows=scoped(Label), what="label", required=False)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        named = [name for name in BULK_SET if name in data]
        if data["action"] == "delete" and named:
            raise serializers.ValidationError(
                {name: ["Only items go with the delete action."] for name in named}
            )
        if data["action"] == "set" and not named:
            raise serializers.ValidationError(
                {"action": [f"Say what to set: one or more of {', '.join(BULK_SET)}."]}
            )
        return data


class BulkResultSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=BulkAction.choices, read_only=True)
    count = serializers.IntegerField(
        read_only=True, help_text="Items changed (set) or deleted (delete)."
    )


@extend_schema_view(
    post=extend_schema(
        parameters=[PRODUCT_PATH],
        request=BulkInput,
        responses=BulkResultSerializer,
        operation_id="product_items_bulk",
    )
)
class ItemBulkView(ProductActionView):
    """Change or delete many items of the product at once."""

    serializer_class = BulkResultSerializer
    capabilities = {"POST": Action.BACKLOG_EDIT}

    def post(self, request: Request, product_pk: str) -> Response:
        product = self.product()
        data = BulkInput(data=request.data, context=self.input_context(product=product))
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        action, items = fields.pop("action"), fields.pop("items")
        if action == "delete":
            count = bulk_delete(product=product, actor=self.actor, items=items)
        else:
            count = bulk_update(product=product, actor=self.actor, items=items, **fields)
        return Response({"action": action, "count": count})


class ScoreOrderSerializer(serializers.Serializer):
    ranked = serializers.IntegerField(read_only=True, help_text="How many items were ranked.")


@extend_schema_view(
    post=extend_schema(
        parameters=[PRODUCT_PATH],
        request=None,
        responses=ScoreOrderSerializer,
        operation_id="product_items_apply_score_order",
    )
)
class ApplyScoreOrderView(ProductActionView):
    """Make the manual order the score order: highest score first, unscored items after in
    their current order. A 409 while the scores are being recomputed for a new framework."""

    serializer_class = ScoreOrderSerializer
    capabilities = {"POST": Action.BACKLOG_EDIT}

    def post(self, request: Request, product_pk: str) -> Response:
        if request.data:
            raise ApplicationError("This action takes no input.")
        ranked = items_apply_score_order(product=self.product(), actor=self.actor)
        return Response({"ranked": ranked})
