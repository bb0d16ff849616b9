"""Development settings: `make run` and manage.py's default."""

from pmhub.settings.base import *  # noqa: F403
from pmhub.settings.environment import env_bool, env_list, env_str

DEBUG = env_bool("DEBUG", default=True)
SECRET_KEY = env_str("SECRET_KEY", "django-insecure-local-development-only")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
