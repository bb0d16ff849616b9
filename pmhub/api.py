"""REST API of the core domain: workspace, products, members, invitations, tokens, activity.

Views are thin: serializers validate and shape, services write, selectors read, and the
``capabilities`` of each view name the action of the capability table it needs.
"""

from __future__ import annotations

import django_filters
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import APIRootView
from rest_framework.views import APIView

from pmhub import selectors, services
from pmhub.capabilities import Action, Role
from pmhub.filters import IdFilter, StrictBooleanFilter, UtcDateTimeFilter
from pmhub.models import ApiToken, AuditEvent, Invitation, LifecycleStage, Membership, Product
from pmhub.rendering import render_markdown
from pmhub.serializers import StrictSerializer, UserSummarySerializer, WorkspaceMemberField
from pmhub.tenancy import WorkspaceContextMixin, WorkspaceScopedMixin
from pmhub.tokens import token_create, token_revoke


def _caps(view: Action, **writes: Action) -> dict[str, Action]:
    """A view's capability map: reads need ``view``, each named write its own action."""
    return {"list": view, "retrieve": view, "GET": view, **writes}


class RootView(APIRootView):
    capabilities = _caps(Action.WORKSPACE_VIEW)


# --- Workspace -----------------------------------------------------------------------------------


class WorkspaceSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    slug = serializers.CharField(read_only=True)
    role = serializers.CharField(read_only=True, help_text="Your role in this workspace.")
    created_at = serializers.DateTimeField(read_only=True)


class WorkspaceInput(StrictSerializer):
    name = serializers.CharField(max_length=100)


class WorkspaceView(WorkspaceContextMixin, APIView):
    """The workspace this request acts in (the token's, or the session's current one)."""

    capabilities = {"GET": Action.WORKSPACE_VIEW, "PATCH": Action.WORKSPACE_CHANGE}

    def _body(self) -> dict:
        ws = self.workspace
        data = {
            "id": ws.pk,
            "name": ws.name,
            "slug": ws.slug,
            "role": self.membership.role,
            "created_at": ws.created_at,
        }
        return WorkspaceSerializer(data).data

    @extend_schema(responses=WorkspaceSerializer, operation_id="workspace_retrieve")
    def get(self, request: Request) -> Response:
        return Response(self._body())

    @extend_schema(
        request=WorkspaceInput, responses=WorkspaceSerializer, operation_id="workspace_update"
    )
    def patch(self, request: Request) -> Response:
        data = WorkspaceInput(data=request.data, partial=True)  # PATCH: what is omitted stays
        data.is_valid(raise_exception=True)
        if data.validated_data:
            services.workspace_update(
                workspace=self.workspace, actor=self.actor, **data.validated_data
            )
        return Response(self._body())


# --- Products ------------------------------------------------------------------------------------


class ProductSerializer(serializers.ModelSerializer):
    owner = UserSummarySerializer(read_only=True, allow_null=True)
    archived = serializers.BooleanField(source="is_archived", read_only=True)
    vision_html = serializers.SerializerMethodField()
    strategy_html = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "slug",
            "description",
            "vision",
            "vision_html",
            "strategy",
            "strategy_html",
            "stage",
            "owner",
            "archived",
            "archived_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_vision_html(self, product: Product) -> str:
        return render_markdown(product.vision)

    def get_strategy_html(self, product: Product) -> str:
        return render_markdown(product.strategy)


class ProductInput(StrictSerializer):
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=500, allow_blank=True, required=False)
    vision = serializers.CharField(max_length=20_000, allow_blank=True, required=False)
    strategy = serializers.CharField(max_length=20_000, allow_blank=True, required=False)
    stage = serializers.ChoiceField(choices=LifecycleStage.choices, required=False)
    owner = WorkspaceMemberField(
        allow_null=True, required=False, help_text="User id of a workspace member."
    )


class ProductFilter(django_filters.FilterSet):
    archived = StrictBooleanFilter(field_name="archived_at", lookup_expr="isnull", exclude=True)
    stage = django_filters.ChoiceFilter(choices=LifecycleStage.choices)

    class Meta:
        model = Product
        fields = ["stage", "archived"]


@extend_schema_view(
    list=extend_schema(responses=ProductSerializer(many=True)),
    retrieve=extend_schema(responses=ProductSerializer),
    create=extend_schema(request=ProductInput, responses={201: ProductSerializer}),
    partial_update=extend_schema(request=ProductInput(partial=True), responses=ProductSerializer),
    destroy=extend_schema(responses={204: None}),
)
class ProductViewSet(WorkspaceScopedMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Product.objects.select_related("owner")
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    search_fields = ["name", "description"]
    ordering_fields = ["name", "created_at", "updated_at", "stage"]
    ordering = ["name"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    capabilities = _caps(
        Action.PRODUCT_VIEW,
        create=Action.PRODUCT_CREATE,
        partial_update=Action.PRODUCT_CHANGE,
        destroy=Action.PRODUCT_DELETE,
        archive=Action.PRODUCT_ARCHIVE,
        restore=Action.PRODUCT_ARCHIVE,
    )

    def scoped_queryset(self, workspace):
        return selectors.product_list(workspace=workspace, archived=None)

    def create(self, request: Request) -> Response:
        data = ProductInput(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        product = services.product_create(
            workspace=self.workspace, actor=self.actor, **data.validated_data
        )
        return Response(ProductSerializer(product).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        product = self.get_object()
        data = ProductInput(data=request.data, partial=True, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        services.product_update(product=product, actor=self.actor, **data.validated_data)
        return Response(ProductSerializer(product).data)

    def destroy(self, request: Request, pk: str) -> Response:
        services.product_delete(product=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=ProductSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str) -> Response:
        product = services.product_set_archived(
            product=self.get_object(), actor=self.actor, archived=True
        )
        return Response(ProductSerializer(product).data)

    @extend_schema(request=None, responses=ProductSerializer)
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str) -> Response:
        product = services.product_set_archived(
            product=self.get_object(), actor=self.actor, archived=False
        )
        return Response(ProductSerializer(product).data)


# --- Members and invitations ---------------------------------------------------------------------


class MemberSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "email", "role", "created_at"]
        read_only_fields = fields


class MemberInput(StrictSerializer):
    role = serializers.ChoiceField(choices=Role.choices)


@extend_schema_view(
    partial_update=extend_schema(request=MemberInput, responses=MemberSerializer),
)
class MemberViewSet(
    WorkspaceScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Membership.objects.select_related("user")
    serializer_class = MemberSerializer
    filterset_fields = ["role"]
    search_fields = ["user__username", "user__email"]
    ordering_fields = ["created_at", "role", "user__username"]
    ordering = ["user__username"]
    capabilities = _caps(
        Action.MEMBER_VIEW,
        partial_update=Action.MEMBER_CHANGE_ROLE,
        destroy=Action.MEMBER_REMOVE,
    )

    def scoped_queryset(self, workspace):
        return selectors.member_list(workspace=workspace)

    def partial_update(self, request: Request, pk: str) -> Response:
        membership = self.get_object()
        data = MemberInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.membership_change_role(
            membership=membership, actor=self.actor, role=data.validated_data["role"]
        )
        return Response(MemberSerializer(membership).data)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        services.membership_remove(membership=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationSerializer(serializers.ModelSerializer):
    invited_by = UserSummarySerializer(read_only=True, allow_null=True)
    accept_url = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields = [
            "id",
            "email",
            "role",
            "invited_by",
            "created_at",
            "expires_at",
            "sent_at",
            "accepted_at",
            "revoked_at",
            "accept_url",
        ]
        read_only_fields = fields

    def get_accept_url(self, invitation: Invitation) -> str:
        return reverse("invitation-accept", args=[services.invitation_key(invitation)])


class InvitationInput(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=Role.choices)


@extend_schema_view(
    create=extend_schema(request=InvitationInput, responses={201: InvitationSerializer}),
    destroy=extend_schema(responses={204: None}, description="Revoke the invitation."),
)
class InvitationViewSet(
    WorkspaceScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Invitation.objects.select_related("invited_by")
    serializer_class = InvitationSerializer
    filterset_fields = ["role", "email"]
    ordering_fields = ["created_at", "email"]
    ordering = ["-created_at"]
    # Invitation links admit people, so only those who may invite see them.
    capabilities = _caps(
        Action.MEMBER_INVITE, create=Action.MEMBER_INVITE, destroy=Action.MEMBER_INVITE
    )

    def scoped_queryset(self, workspace):
        return selectors.invitation_list(workspace=workspace, open_only=False)

    def create(self, request: Request) -> Response:
        data = InvitationInput(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = services.invitation_create(
            workspace=self.workspace, actor=self.actor, **data.validated_data
        )
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, pk: str) -> Response:
        services.invitation_revoke(invitation=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Tokens --------------------------------------------------------------------------------------


class TokenSerializer(serializers.ModelSerializer):
    active = serializers.BooleanField(source="is_active", read_only=True)  # type: ignore[assignment]

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "read_only",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "created_at",
            "active",
        ]
        read_only_fields = fields


class NewTokenSerializer(TokenSerializer):
    token = serializers.CharField(read_only=True, help_text="The token itself; shown only once.")

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "token"]
        read_only_fields = fields


class TokenInput(StrictSerializer):
    name = serializers.CharField(max_length=100)
    # The metaclass moves declared fields off the class, so this never shadows Field.read_only.
    read_only = serializers.BooleanField(default=False)  # type: ignore[assignment]
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


class TokenFilter(django_filters.FilterSet):
    read_only = StrictBooleanFilter()

    class Meta:
        model = ApiToken
        fields = ["read_only"]


@extend_schema_view(
    create=extend_schema(request=TokenInput, responses={201: NewTokenSerializer}),
    destroy=extend_schema(responses={204: None}, description="Revoke the token."),
)
class TokenViewSet(
    WorkspaceScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Your own API tokens in this workspace; nobody sees anyone else's."""

    queryset = ApiToken.objects.all()
    serializer_class = TokenSerializer
    filterset_class = TokenFilter
    ordering_fields = ["created_at", "name", "last_used_at"]
    ordering = ["-created_at"]
    capabilities = _caps(
        Action.TOKEN_MANAGE, create=Action.TOKEN_MANAGE, destroy=Action.TOKEN_MANAGE
    )

    def scoped_queryset(self, workspace):
        return selectors.token_list(workspace=workspace, user=self.actor)

    def create(self, request: Request) -> Response:
        data = TokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        token, raw = token_create(user=self.actor, workspace=self.workspace, **data.validated_data)
        body = NewTokenSerializer(token).data | {"token": raw}
        return Response(body, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, pk: str) -> Response:
        token_revoke(token=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Activity ------------------------------------------------------------------------------------


class ActivitySerializer(serializers.ModelSerializer):
    actor = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "actor",
            "action",
            "target_type",
            "target_id",
            "target_repr",
            "product",
            "changes",
        ]
        read_only_fields = fields


class ActivityFilter(django_filters.FilterSet):
    product = IdFilter(field_name="product_id")
    action = django_filters.CharFilter(max_length=64)
    since = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = AuditEvent
        fields = ["product", "action", "since"]


class ActivityViewSet(WorkspaceScopedMixin, viewsets.ReadOnlyModelViewSet):
    """The audit trail of the workspace: who did what to which object, newest first."""

    queryset = AuditEvent.objects.select_related("actor")
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]
    capabilities = _caps(Action.ACTIVITY_VIEW)

    def scoped_queryset(self, workspace):
        return selectors.activity_feed(workspace=workspace)
