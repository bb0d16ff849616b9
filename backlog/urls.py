"""URLs of the backlog app, mounted by pmhub/urls.py: pages in the ``backlog`` namespace and the
API under /api/v1/ in ``api:backlog``. Each area keeps to its own section."""

from django.urls import path  # noqa: F401 (the sections below fill in)

# --- API (backlog/api/) ---------------------------------------------------------------------------
api_urlpatterns: list = []

# --- Pages: grooming (backlog list, items, quadrant, settings, fields, labels, saved views) ---
grooming_urlpatterns: list = []

# --- Pages: delivery (kanban board, sprints, planning, burndown, velocity) ------------------------
delivery_urlpatterns: list = []

# --- Pages: CSV import and export ---------------------------------------------------------------
csv_urlpatterns: list = []

page_urlpatterns = grooming_urlpatterns + delivery_urlpatterns + csv_urlpatterns
