"""WSGI entry point (gunicorn pmhub.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmhub.settings.production")

application = get_wsgi_application()
