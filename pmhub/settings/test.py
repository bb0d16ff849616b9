"""Test settings: real PostgreSQL and Redis (``make test`` checks both answer before it starts)."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pmhub")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")

from pmhub.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-secret-key-that-is-long-enough-for-hmac-0123456789"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast user creation
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
