"""pmhub core: settings, URLs, the Celery app and the tenant domain every app builds on."""

from pmhub.celery import app as celery_app

__all__ = ["celery_app"]
