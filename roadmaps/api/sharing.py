"""Read-only share links of a product's roadmap: create one (its URL is shown once, in the
answer), list them, revoke one."""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from pmhub.capabilities import Action
from pmhub.serializers import StrictSerializer, UserSummarySerializer
from roadmaps.api.common import PK_PATH, PRODUCT_PATH, ProductChildListView, ScopedObjectView
from roadmaps.models import ShareLink
from roadmaps.services.sharing import share_link_create, share_link_revoke


class ShareLinkSerializer(serializers.ModelSerializer):
    created_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = ShareLink
        fields = ["id", "product", "label", "created_by", "created_at", "expires_at", "revoked_at"]
        read_only_fields = fields


class NewShareLinkSerializer(ShareLinkSerializer):
    url = serializers.URLField(  # type: ignore[assignment]
        read_only=True,
        help_text="The read-only roadmap page for people without an account. Shown only in this "
        "answer: keep it, pmhub cannot show it again.",
    )

    class Meta(ShareLinkSerializer.Meta):
        fields = [*ShareLinkSerializer.Meta.fields, "url"]
        read_only_fields = fields


class ShareLinkInput(StrictSerializer):
    label = serializers.CharField(  # type: ignore[assignment]
        allow_blank=True, required=False, max_length=120, help_text="Who it is for."
    )
    expires_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="In the future; absent: never expires."
    )


@extend_schema_view(
    get=extend_schema(parameters=[PRODUCT_PATH], operation_id="product_share_links_list"),
    post=extend_schema(
        parameters=[PRODUCT_PATH],
        request=ShareLinkInput,
        responses={201: NewShareLinkSerializer},
        operation_id="product_share_links_create",
    ),
)
class ShareLinkListView(ProductChildListView):
    """The product's share links, newest first (revoked ones too, with `revoked_at`)."""

    serializer_class = ShareLinkSerializer
    capabilities = {"GET": Action.ROADMAP_SHARE, "POST": Action.ROADMAP_SHARE}

    def get_queryset(self) -> QuerySet[ShareLink]:
        if getattr(self, "swagger_fake_view", False):
            return ShareLink.objects.none()
        rows = ShareLink.objects.filter(product=self.product()).select_related("created_by")
        return rows.order_by("-created_at", "-pk")

    def post(self, request: Request, product_pk: str) -> Response:
        product = self.product()
        data = ShareLinkInput(data=request.data)
        data.is_valid(raise_exception=True)
        link, token = share_link_create(product=product, actor=self.actor, **data.validated_data)
        body = NewShareLinkSerializer(link).data
        body["url"] = request.build_absolute_uri(reverse("roadmaps-public:share", args=[token]))
        return Response(body, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(parameters=[PK_PATH], operation_id="share_link_retrieve"),
    delete=extend_schema(
        parameters=[PK_PATH], responses={204: None}, operation_id="share_link_revoke"
    ),
)
class ShareLinkDetailView(ScopedObjectView):
    """One share link (never its URL); delete revokes it for good: its URL becomes a 404."""

    queryset = ShareLink.objects.select_related("product__workspace", "created_by")
    serializer_class = ShareLinkSerializer
    capabilities = {"GET": Action.ROADMAP_SHARE, "DELETE": Action.ROADMAP_SHARE}

    def get(self, request: Request, pk: str) -> Response:
        return Response(ShareLinkSerializer(self.get_object()).data)

    def delete(self, request: Request, pk: str) -> Response:
        share_link_revoke(link=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)
