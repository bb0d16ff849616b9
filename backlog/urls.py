"""URLs of the backlog app, mounted by pmhub/urls.py: pages in the ``backlog`` namespace and the
API under /api/v1/ in ``api:backlog``. Each area keeps to its own section."""

from django.urls import path, re_path

from backlog.api import fields as fields_api
from backlog.api import imports as imports_api
from backlog.api import items as items_api
from backlog.api import labels as labels_api
from backlog.api import settings as settings_api
from backlog.api import sprints as sprints_api
from backlog.api import views as views_api
from backlog.api.common import PK, PRODUCT
from backlog.views import backlog_list, item_inline, items, quadrant
from backlog.views import board as board_views
from backlog.views import csv as csv_views
from backlog.views import settings as backlog_settings
from backlog.views import sprints as sprint_views

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
_ITEM = "products/<slug:slug>/backlog/items/<int:pk>"
_SETTINGS = "products/<slug:slug>/backlog/settings"
grooming_urlpatterns: list = [
    # The backlog list (backlog/views/backlog_list.py, item_inline.py): every product's backlog,
    # one product's list, quick add, inline edit, ranking, bulk actions and saved views.
    path("backlog/", backlog_list.backlog_index, name="index"),
    path("products/<slug:slug>/backlog/", backlog_list.backlog_list, name="list"),
    path(
        "products/<slug:slug>/backlog/items/new/",
        backlog_list.item_create_view,
        name="item-create",
    ),
    path(
        "products/<slug:slug>/backlog/items/<int:pk>/row/",
        item_inline.item_row_view,
        name="item-row",
    ),
    path(
        "products/<slug:slug>/backlog/items/<int:pk>/inline/",
        item_inline.item_inline_view,
        name="item-inline",
    ),
    path(
        "products/<slug:slug>/backlog/items/<int:pk>/move/",
        backlog_list.item_move_view,
        name="item-move",
    ),
    path("products/<slug:slug>/backlog/bulk/", backlog_list.bulk_view, name="bulk"),
    path(
        "products/<slug:slug>/backlog/score-order/",
        backlog_list.score_order_view,
        name="score-order",
    ),
    path(
        "products/<slug:slug>/backlog/views/",
        backlog_list.saved_view_create_view,
        name="saved-view-create",
    ),
    path(
        "products/<slug:slug>/backlog/views/<int:pk>/delete/",
        backlog_list.saved_view_delete_view,
        name="saved-view-delete",
    ),
    # --- Items, settings, custom fields, labels and the quadrant (backlog/views/items.py,
    # settings.py, quadrant.py) ---
    path(f"{_ITEM}/", items.item_detail, name="item"),
    path(f"{_ITEM}/edit/", items.item_edit, name="item-edit"),
    path(f"{_ITEM}/delete/", items.item_delete_view, name="item-delete"),
    path(f"{_ITEM}/status/", items.item_status, name="item-status"),
    path(f"{_ITEM}/acceptance/", items.acceptance_edit, name="item-acceptance"),
    path(
        f"{_ITEM}/acceptance/<int:index>/",
        items.acceptance_tick,
        name="item-acceptance-tick",
    ),
    path(f"{_SETTINGS}/", backlog_settings.settings_page, name="settings"),
    path(f"{_SETTINGS}/save/", backlog_settings.settings_save, name="settings-save"),
    path(f"{_SETTINGS}/formula/", backlog_settings.formula_check, name="formula-check"),
    path(
        f"{_SETTINGS}/fields/new/",
        backlog_settings.custom_field_create_view,
        name="custom-field-create",
    ),
    path(
        f"{_SETTINGS}/fields/<int:pk>/edit/",
        backlog_settings.custom_field_edit,
        name="custom-field-edit",
    ),
    path(
        f"{_SETTINGS}/fields/<int:pk>/delete/",
        backlog_settings.custom_field_delete_view,
        name="custom-field-delete",
    ),
    path(f"{_SETTINGS}/labels/new/", backlog_settings.label_create_view, name="label-create"),
    path(f"{_SETTINGS}/labels/<int:pk>/edit/", backlog_settings.label_edit, name="label-edit"),
    path(
        f"{_SETTINGS}/labels/<int:pk>/delete/",
        backlog_settings.label_delete_view,
        name="label-delete",
    ),
    path("products/<slug:slug>/backlog/quadrant/", quadrant.quadrant_page, name="quadrant"),
]

# --- Pages: delivery (kanban board, sprints, planning, burndown, velocity) ------------------------
delivery_urlpatterns: list = [
    # The kanban board (backlog/views/board.py): columns per status, moves through the workflow.
    path("products/<slug:slug>/backlog/board/", board_views.board, name="board"),
    path(
        "products/<slug:slug>/backlog/board/<int:pk>/move/",
        board_views.board_move,
        name="board-move",
    ),
    # Sprints (backlog/views/sprints.py): list and velocity, one sprint with its burndown, the
    # sprint form, start, close, review and retrospective notes, planning.
    path("products/<slug:slug>/backlog/sprints/", sprint_views.sprint_list, name="sprints"),
    path(
        "products/<slug:slug>/backlog/sprints/new/",
        sprint_views.sprint_create_view,
        name="sprint-create",
    ),
    path(
        "products/<slug:slug>/backlog/sprints/<int:pk>/",
        sprint_views.sprint_detail,
        name="sprint",
    ),
    path(
        "products/<slug:slug>/backlog/sprints/<int:pk>/edit/",
        sprint_views.sprint_edit,
        name="sprint-edit",
    ),
    path(
        "products/<slug:slug>/backlog/sprints/<int:pk>/delete/",
        sprint_views.sprint_delete_view,
        name="sprint-delete",
    ),
    path(
        "products/<slug:slug>/backlog/sprints/<int:pk>/start/",
        sprint_views.sprint_start_view,
        name="sprint-start",
    ),
    path(
        "products/<slug:slug>/backlog/sprints/<int:pk>/close/",
        sprint_views.sprint_close_view,
        name="sprint-close",
    ),
    path(
        "products/<slug:slug>/backlog/sprints/<int:pk>/notes/",
        sprint_views.sprint_notes,
        name="sprint-notes",
    ),
    path(
        "products/<slug:slug>/backlog/sprints/<int:pk>/plan/",
        sprint_views.sprint_plan,
        name="sprint-plan",
    ),
    path(
        "products/<slug:slug>/backlog/sprints/<int:pk>/plan/<int:item>/move/",
        sprint_views.sprint_plan_move,
        name="sprint-plan-move",
    ),
]

# --- Pages: CSV import and export ---------------------------------------------------------------
csv_urlpatterns: list = [
    # backlog/views/csv.py: upload and map a file, an import's progress, the backlog as CSV.
    path("products/<slug:slug>/backlog/import/", csv_views.import_page, name="import"),
    path(
        "products/<slug:slug>/backlog/import/new/",
        csv_views.import_create_view,
        name="import-create",
    ),
    path(
        "products/<slug:slug>/backlog/imports/<int:pk>/",
        csv_views.import_job,
        name="import-job",
    ),
    path("products/<slug:slug>/backlog/export.csv", csv_views.export_csv, name="export-csv"),
]

page_urlpatterns = grooming_urlpatterns + delivery_urlpatterns + csv_urlpatterns
