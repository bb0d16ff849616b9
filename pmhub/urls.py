"""The project's URL conf: pages, the API, schema and docs, health probes, admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from backlog.urls import api_urlpatterns as backlog_api_urls
from backlog.urls import page_urlpatterns as backlog_page_urls
from metrics.urls import api_urlpatterns as metrics_api_urls
from metrics.urls import ingest_urlpatterns
from metrics.urls import page_urlpatterns as metrics_page_urls
from pmhub import api, health, views
from roadmaps.urls import api_urlpatterns as roadmaps_api_urls
from roadmaps.urls import page_urlpatterns as roadmaps_page_urls
from roadmaps.urls import public_urlpatterns as roadmaps_public_urls

router = DefaultRouter()
router.APIRootView = api.RootView
router.register("products", api.ProductViewSet, basename="product")
router.register("members", api.MemberViewSet, basename="member")
router.register("invitations", api.InvitationViewSet, basename="invitation")
router.register("tokens", api.TokenViewSet, basename="token")
router.register("activity", api.ActivityViewSet, basename="activity")

api_urls = [
    # Metrics first: dashboards read series far more often than anything else is asked for, and
    # each pattern tried before a match costs (no pattern of one include can match another's).
    path("", include((metrics_api_urls, "metrics"))),
    path("workspace/", api.WorkspaceView.as_view(), name="workspace"),
    *router.urls,
    path("", include((roadmaps_api_urls, "roadmaps"))),
    path("", include((backlog_api_urls, "backlog"))),
]

urlpatterns = [
    # Machine routes first: Django tries patterns in order, and every page include that fails
    # to match builds a list of what it tried (half a millisecond an API request behind them).
    # Analytics SDKs post events here (metrics app).
    *ingest_urlpatterns,
    # API, its schema and docs
    path("api/v1/", include((api_urls, "api"))),
    path(
        "api/schema/",
        SpectacularAPIView.as_view(permission_classes=[AllowAny], authentication_classes=[]),
        name="schema",
    ),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="schema", permission_classes=[AllowAny], authentication_classes=[]
        ),
        name="api-docs",
    ),
    # Probes and admin
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    # Pages
    path("", views.home, name="home"),
    # Accounts
    path("accounts/signup/", views.signup, name="signup"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("invitations/<str:key>/", views.invitation_accept, name="invitation-accept"),
    # Workspace
    path("workspaces/new/", views.workspace_create, name="workspace-create"),
    path("workspaces/switch/", views.workspace_switch, name="workspace-switch"),
    path("workspace/settings/", views.workspace_settings, name="workspace-settings"),
    path("workspace/members/", views.member_list, name="member-list"),
    path("workspace/members/invite/", views.member_invite, name="member-invite"),
    path("workspace/members/<int:pk>/role/", views.member_change_role, name="member-role"),
    path("workspace/members/<int:pk>/remove/", views.member_remove, name="member-remove"),
    path(
        "workspace/invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation-revoke"
    ),
    path("workspace/activity/", views.activity, name="activity"),
    path("settings/tokens/", views.token_list, name="token-list"),
    path("settings/tokens/<int:pk>/revoke/", views.token_revoke_view, name="token-revoke"),
    # Products
    path("products/", views.product_list, name="product-list"),
    path("products/new/", views.product_create, name="product-create"),
    path("products/<slug:slug>/", views.product_detail, name="product-detail"),
    path("products/<slug:slug>/edit/", views.product_edit, name="product-edit"),
    path("products/<slug:slug>/archive/", views.product_archive, name="product-archive"),
    path("", include((metrics_page_urls, "metrics"))),
    path("", include((roadmaps_page_urls, "roadmaps"))),
    path("", include((roadmaps_public_urls, "roadmaps-public"))),
    path("", include((backlog_page_urls, "backlog"))),
]

# Unmatched /api/ URLs answer in the API's JSON error format; pages keep the HTML 404.
handler404 = "pmhub.api_errors.page_not_found"
