"""URLs of the metrics app, mounted by pmhub/urls.py."""

from django.urls import path, re_path

from metrics import views

# Event ingestion at the server root, exactly where the SDKs send (no trailing-slash redirects).
ingest_urlpatterns = [
    path("v1/batch", views.segment, {"kind": "batch"}, name="ingest-batch"),
    *[
        path(f"v1/{kind}", views.segment, {"kind": kind}, name=f"ingest-{kind}")
        for kind in ("track", "identify", "page", "screen", "group", "alias")
    ],
    re_path(r"^(?:batch|capture|e|i/v0/e)/?$", views.posthog, name="ingest-posthog"),
]
