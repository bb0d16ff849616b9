"""URLs of the backlog app, mounted by pmhub/urls.py: pages in the ``backlog`` namespace and the
API under /api/v1/ in ``api:backlog``. Each area keeps to its own section."""

from django.urls import path, re_path  # noqa: F401 (the sections below fill in)

from backlog.api import fields as fields_api
from backlog.api import imports as imports_api
from backlog.api import items as items_api
from backlog.api import labels as labels_api
from backlog.api import settings as settings_api
from backlog.api import sprints as sprints_api
from backlog.api import views as views_api
from backlog.api.common import PK, PRODUCT

# --- API (backlog/api/) ---------------------------------------------------------------------------
api_urlpatterns: list = [
    # Items: the product's backlog (filtered, sorted), one item, its moves and history, bulk.
    re_path(rf"{PRODUCT}/items/$", items_api.ItemListView.as_view(), name="item-list"),
    re_path(rf"{PRODUCT}/items/bulk/$", items_api.ItemBulkView.as_view(), name="item-bulk"),
    re_path(
        rf"{PRODUCT}/items/apply-score-order/$",
        items_api.ApplyScoreOrderView.as_view(),
        name="item-score-order",
    ),
    re_path(rf"^items/{PK}/$", items_api.ItemDetailView.as_view(), name="item-detail"),
    re_path(rf"^items/{PK}/move/$", items_api.ItemMoveView.as_view(), name="item-move"),
    re_path(rf"^items/{PK}/history/$", items_api.ItemHistoryView.as_view(), name="item-history"),
    # Labels, custom fields and saved views.
    re_path(rf"{PRODUCT}/labels/$", labels_api.LabelListView.as_view(), name="label-list"),
    re_path(rf"^labels/{PK}/$", labels_api.LabelDetailView.as_view(), name="label-detail"),
    re_path(
        rf"{PRODUCT}/custom-fields/$",
        fields_api.CustomFieldListView.as_view(),
        name="custom-field-list",
    ),
    re_path(
        rf"^custom-fields/{PK}/$",
        fields_api.CustomFieldDetailView.as_view(),
        name="custom-field-detail",
    ),
    re_path(
        rf"{PRODUCT}/saved-views/$", views_api.SavedViewListView.as_view(), name="saved-view-list"
    ),
    re_path(
        rf"^saved-views/{PK}/$", views_api.SavedViewDetailView.as_view(), name="saved-view-detail"
    ),
    # Sprints: plan, change, start, close.
    re_path(rf"{PRODUCT}/sprints/$", sprints_api.SprintListView.as_view(), name="sprint-list"),
    re_path(rf"^sprints/{PK}/$", sprints_api.SprintDetailView.as_view(), name="sprint-detail"),
    re_path(rf"^sprints/{PK}/start/$", sprints_api.SprintStartView.as_view(), name="sprint-start"),
    re_path(rf"^sprints/{PK}/close/$", sprints_api.SprintCloseView.as_view(), name="sprint-close"),
    # Backlog settings: framework, formula, scale, WIP limits.
    re_path(
        rf"{PRODUCT}/backlog-settings/$",
        settings_api.BacklogSettingsView.as_view(),
        name="backlog-settings",
    ),
    # CSV imports: their status, progress and rejected rows.
    re_path(rf"{PRODUCT}/imports/$", imports_api.ImportListView.as_view(), name="import-list"),
    re_path(rf"^imports/{PK}/$", imports_api.ImportDetailView.as_view(), name="import-detail"),
]

# --- Pages: grooming (backlog list, items, quadrant, settings, fields, labels, saved views) ---
grooming_urlpatterns: list = []

# --- Pages: delivery (kanban board, sprints, planning, burndown, velocity) ------------------------
delivery_urlpatterns: list = []

# --- Pages: CSV import and export ---------------------------------------------------------------
csv_urlpatterns: list = []

page_urlpatterns = grooming_urlpatterns + delivery_urlpatterns + csv_urlpatterns
