"""Production settings: gunicorn, the Celery worker and beat, docker-compose."""

from django.core.exceptions import ImproperlyConfigured

from pmhub.settings.base import *  # noqa: F403
from pmhub.settings.environment import env_bool, env_int

if not SECRET_KEY:  # noqa: F405
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# HTTPS by default; SECURE_SSL_REDIRECT=0 is a plain-HTTP run behind no proxy, so cookies can't be
# marked Secure either (browsers would drop them).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = SECURE_SSL_REDIRECT
CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SECURE_SSL_REDIRECT else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SILENCED_SYSTEM_CHECKS = (
    []
    if SECURE_SSL_REDIRECT
    else ["security.W004", "security.W008", "security.W012", "security.W016"]
)
