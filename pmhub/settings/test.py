"""Test settings: real PostgreSQL and Redis (``make test`` checks both answer before it starts)."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pmhub")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")

from pmhub.settings.base import *  # noqa: F403
from pmhub.settings.environment import env_str

DEBUG = False
# Parallel test runs (each with its own DATABASE_URL) must not share cache keys, e.g. rate limits.
CACHES["default"]["KEY_PREFIX"] = DATABASES["default"]["NAME"]  # noqa: F405
SECRET_KEY = "test-only-secret-key-that-is-long-enough-for-hmac-0123456789"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast user creation
# A Celery worker started by a test may write mail to files (EMAIL_BACKEND/EMAIL_FILE_PATH).
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))  # noqa: F405
