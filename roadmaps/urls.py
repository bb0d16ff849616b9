"""URLs of the roadmaps app, mounted by pmhub/urls.py: pages in the ``roadmaps`` namespace, the
API under /api/v1/ in ``api:roadmaps``, and the public share page."""

# --- Pages: planning (board, timeline, objectives, portfolio, initiatives, export) --------------
planning_urlpatterns: list = []

# --- Pages: releases, health, snapshots, share links, competitors --------------------------------
delivery_urlpatterns: list = []

page_urlpatterns = [*planning_urlpatterns, *delivery_urlpatterns]

# --- The read-only share page, for visitors without an account -----------------------------------
public_urlpatterns: list = []

# --- API ------------------------------------------------------------------------------------------
api_urlpatterns: list = []
