"""The Celery application shared by the web process, the workers and beat.

Broker settings come from Django settings (the ``CELERY_`` namespace), which read ``REDIS_URL``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmhub.settings.local")

app = Celery("pmhub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
