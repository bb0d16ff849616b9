"""URLs of the roadmaps app, mounted by pmhub/urls.py: pages in the ``roadmaps`` namespace, the
API under /api/v1/ in ``api:roadmaps``, and the public share page."""

from django.urls import path, re_path

from roadmaps.api import competitors as competitors_api
from roadmaps.api import health as health_api
from roadmaps.api import initiatives as initiatives_api
from roadmaps.api import okrs as okrs_api
from roadmaps.api import releases as releases_api
from roadmaps.api import sharing as sharing_api
from roadmaps.api import snapshots as snapshots_api
from roadmaps.api import themes as themes_api
from roadmaps.views import (
    board,
    competitors,
    export,
    health,
    initiatives,
    objectives,
    releases,
    sharing,
    snapshots,
    timeline,
)

# --- Pages: planning (board, timeline, objectives, portfolio, initiatives, export) --------------
planning_urlpatterns: list = [
    # The workspace: every product on one timeline, and the OKR tree.
    path("roadmap/", timeline.portfolio, name="index"),
    path("roadmap/objectives/", objectives.objectives, name="objectives"),
    path("roadmap/objectives/new/", objectives.objective_create_view, name="objective-create"),
    path(
        "roadmap/objectives/<int:pk>/edit/", objectives.objective_edit_view, name="objective-edit"
    ),
    path(
        "roadmap/objectives/<int:pk>/key-results/new/",
        objectives.key_result_create_view,
        name="key-result-create",
    ),
    path(
        "roadmap/key-results/<int:pk>/edit/",
        objectives.key_result_edit_view,
        name="key-result-edit",
    ),
    # A product's roadmap: board, timeline, objectives, export.
    path("products/<slug:slug>/roadmap/", board.board, name="board"),
    path(
        "products/<slug:slug>/roadmap/initiatives/",
        board.initiative_create_view,
        name="initiative-create",
    ),
    path("products/<slug:slug>/roadmap/timeline/", timeline.timeline, name="timeline"),
    path("products/<slug:slug>/roadmap/export.csv", export.roadmap_csv, name="export-csv"),
    path("products/<slug:slug>/roadmap/print/", export.roadmap_print, name="print"),
    path(
        "products/<slug:slug>/objectives/", objectives.product_objectives, name="product-objectives"
    ),
    # One initiative: its page, edit form, moves on the board and timeline, links.
    path("roadmap/initiatives/<int:pk>/", initiatives.initiative_detail, name="initiative"),
    path("roadmap/initiatives/<int:pk>/edit/", initiatives.initiative_edit, name="initiative-edit"),
    path("roadmap/initiatives/<int:pk>/move/", board.initiative_move_view, name="initiative-move"),
    path(
        "roadmap/initiatives/<int:pk>/dates/",
        timeline.initiative_dates_view,
        name="initiative-dates",
    ),
    path(
        "roadmap/initiatives/<int:pk>/dependencies/",
        initiatives.dependency_add,
        name="dependency-add",
    ),
    path(
        "roadmap/initiatives/<int:pk>/dependencies/<int:other>/remove/",
        initiatives.dependency_remove,
        name="dependency-remove",
    ),
    path(
        "roadmap/initiatives/<int:pk>/objectives/",
        initiatives.objectives_set,
        name="initiative-objectives",
    ),
]

# --- Pages: releases, health, snapshots, share links, competitors --------------------------------
_RELEASE = "products/<slug:slug>/releases/<int:pk>"
_COMPETITORS = "products/<slug:slug>/competitors"
delivery_urlpatterns: list = [
    # Releases and milestones, their launch checklists, shipping.
    path("products/<slug:slug>/releases/", releases.release_list, name="release-list"),
    path("products/<slug:slug>/releases/new/", releases.release_create_view, name="release-create"),
    path(f"{_RELEASE}/", releases.release_detail, name="release-detail"),
    path(f"{_RELEASE}/edit/", releases.release_edit, name="release-edit"),
    path(f"{_RELEASE}/ship/", releases.release_ship_view, name="release-ship"),
    path(f"{_RELEASE}/delete/", releases.release_delete_view, name="release-delete"),
    path(f"{_RELEASE}/checklist/", releases.checklist_item_add, name="checklist-add"),
    path(
        f"{_RELEASE}/checklist/<int:item_pk>/done/",
        releases.checklist_item_done,
        name="checklist-done",
    ),
    path(
        f"{_RELEASE}/checklist/<int:item_pk>/remove/",
        releases.checklist_item_remove,
        name="checklist-remove",
    ),
    # Health updates, posted from the panel the initiative and objectives pages include.
    path(
        "roadmap/initiatives/<int:pk>/health/", health.initiative_health, name="initiative-health"
    ),
    path("roadmap/objectives/<int:pk>/health/", health.objective_health, name="objective-health"),
    path(
        "roadmap/objectives/<int:pk>/updates/", health.objective_updates, name="objective-updates"
    ),
    # Snapshots of the roadmap and what changed between two.
    path("products/<slug:slug>/snapshots/", snapshots.snapshot_list, name="snapshot-list"),
    path("products/<slug:slug>/snapshots/new/", snapshots.snapshot_create, name="snapshot-create"),
    path("products/<slug:slug>/snapshots/diff/", snapshots.snapshot_compare, name="snapshot-diff"),
    path(
        "products/<slug:slug>/snapshots/<int:pk>/delete/",
        snapshots.snapshot_remove,
        name="snapshot-delete",
    ),
    # Read-only share links: created and revoked here, opened under /share/ (public_urlpatterns).
    path("products/<slug:slug>/share/", sharing.share_links, name="share-links"),
    path(
        "products/<slug:slug>/share/<int:pk>/revoke/",
        sharing.share_link_revoke_view,
        name="share-link-revoke",
    ),
    # Competitors and the feature matrix ("column" is a competitor's id, or "us").
    path(f"{_COMPETITORS}/", competitors.competitor_list, name="competitor-list"),
    path(f"{_COMPETITORS}/new/", competitors.competitor_create_view, name="competitor-create"),
    path(f"{_COMPETITORS}/<int:pk>/edit/", competitors.competitor_edit, name="competitor-edit"),
    path(
        f"{_COMPETITORS}/<int:pk>/delete/",
        competitors.competitor_delete_view,
        name="competitor-delete",
    ),
    path(f"{_COMPETITORS}/features/", competitors.feature_create_view, name="feature-create"),
    path(
        f"{_COMPETITORS}/features/<int:pk>/delete/",
        competitors.feature_delete_view,
        name="feature-delete",
    ),
    path(
        f"{_COMPETITORS}/features/<int:pk>/<slug:column>/",
        competitors.matrix_cell,
        name="matrix-cell",
    ),
]

page_urlpatterns = [*planning_urlpatterns, *delivery_urlpatterns]

# --- The read-only share page, for visitors without an account -----------------------------------
public_urlpatterns: list = [
    path("share/<str:token>/", sharing.share_page, name="share"),
]

# --- API ------------------------------------------------------------------------------------------
_ID = "[0-9]{1,18}"  # ids in API paths: digits that fit PostgreSQL's bigint, else routing 404s
_PRODUCT = rf"^products/(?P<product_pk>{_ID})"
_PK = rf"(?P<pk>{_ID})"
api_urlpatterns: list = [
    # Objectives (the company's and each product's) and their key results.
    re_path(r"^objectives/$", okrs_api.ObjectiveListView.as_view(), name="objective-list"),
    re_path(
        rf"^objectives/{_PK}/$", okrs_api.ObjectiveDetailView.as_view(), name="objective-detail"
    ),
    re_path(
        rf"^objectives/(?P<objective_pk>{_ID})/key-results/$",
        okrs_api.KeyResultListView.as_view(),
        name="key-result-list",
    ),
    re_path(
        rf"^key-results/{_PK}/$", okrs_api.KeyResultDetailView.as_view(), name="key-result-detail"
    ),
    # Themes and initiatives of a product's roadmap.
    re_path(rf"{_PRODUCT}/themes/$", themes_api.ThemeListView.as_view(), name="theme-list"),
    re_path(rf"^themes/{_PK}/$", themes_api.ThemeDetailView.as_view(), name="theme-detail"),
    re_path(
        rf"{_PRODUCT}/initiatives/$",
        initiatives_api.InitiativeListView.as_view(),
        name="initiative-list",
    ),
    re_path(
        rf"^initiatives/{_PK}/$",
        initiatives_api.InitiativeDetailView.as_view(),
        name="initiative-detail",
    ),
    re_path(
        rf"^initiatives/{_PK}/move/$",
        initiatives_api.InitiativeMoveView.as_view(),
        name="initiative-move",
    ),
    re_path(
        rf"^initiatives/{_PK}/dependencies/$",
        initiatives_api.DependencyListView.as_view(),
        name="dependency-list",
    ),
    re_path(
        rf"^initiatives/{_PK}/dependencies/(?P<depends_on_pk>{_ID})/$",
        initiatives_api.DependencyDetailView.as_view(),
        name="dependency-detail",
    ),
    # Health updates of initiatives and objectives.
    re_path(
        rf"^initiatives/{_PK}/health-updates/$",
        health_api.InitiativeHealthView.as_view(),
        name="initiative-health",
    ),
    re_path(
        rf"^objectives/{_PK}/health-updates/$",
        health_api.ObjectiveHealthView.as_view(),
        name="objective-health",
    ),
    # Releases, their launch checklists, shipping.
    re_path(rf"{_PRODUCT}/releases/$", releases_api.ReleaseListView.as_view(), name="release-list"),
    re_path(rf"^releases/{_PK}/$", releases_api.ReleaseDetailView.as_view(), name="release-detail"),
    re_path(
        rf"^releases/{_PK}/ship/$", releases_api.ReleaseShipView.as_view(), name="release-ship"
    ),
    re_path(
        rf"^releases/(?P<release_pk>{_ID})/checklist/$",
        releases_api.ChecklistListView.as_view(),
        name="checklist-list",
    ),
    re_path(
        rf"^checklist-items/{_PK}/$",
        releases_api.ChecklistItemDetailView.as_view(),
        name="checklist-item-detail",
    ),
    re_path(
        rf"^checklist-items/{_PK}/done/$",
        releases_api.ChecklistItemDoneView.as_view(),
        name="checklist-item-done",
    ),
    # Snapshots and what changed between two.
    re_path(
        rf"{_PRODUCT}/snapshots/$", snapshots_api.SnapshotListView.as_view(), name="snapshot-list"
    ),
    re_path(
        rf"{_PRODUCT}/snapshots/diff/$",
        snapshots_api.SnapshotDiffView.as_view(),
        name="snapshot-diff",
    ),
    re_path(
        rf"^snapshots/{_PK}/$", snapshots_api.SnapshotDetailView.as_view(), name="snapshot-detail"
    ),
    # Read-only share links.
    re_path(
        rf"{_PRODUCT}/share-links/$",
        sharing_api.ShareLinkListView.as_view(),
        name="share-link-list",
    ),
    re_path(
        rf"^share-links/{_PK}/$",
        sharing_api.ShareLinkDetailView.as_view(),
        name="share-link-detail",
    ),
    # Competitors and the feature matrix.
    re_path(
        rf"{_PRODUCT}/competitors/$",
        competitors_api.CompetitorListView.as_view(),
        name="competitor-list",
    ),
    re_path(
        rf"^competitors/{_PK}/$",
        competitors_api.CompetitorDetailView.as_view(),
        name="competitor-detail",
    ),
    re_path(
        rf"{_PRODUCT}/competitor-features/$",
        competitors_api.FeatureListView.as_view(),
        name="feature-list",
    ),
    re_path(
        rf"^competitor-features/{_PK}/$",
        competitors_api.FeatureDetailView.as_view(),
        name="feature-detail",
    ),
    re_path(
        rf"{_PRODUCT}/competitor-matrix/$", competitors_api.MatrixView.as_view(), name="matrix"
    ),
    re_path(
        rf"^competitor-features/(?P<feature_pk>{_ID})/cells/(?P<competitor_pk>{_ID})/$",
        competitors_api.CellView.as_view(),
        name="matrix-cell",
    ),
]
