"""URLs of the roadmaps app, mounted by pmhub/urls.py: pages in the ``roadmaps`` namespace, the
API under /api/v1/ in ``api:roadmaps``, and the public share page."""

from django.urls import path

from roadmaps.views import competitors, health, releases, sharing, snapshots

# --- Pages: planning (board, timeline, objectives, portfolio, initiatives, export) --------------
planning_urlpatterns: list = []

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
api_urlpatterns: list = []
