"""Settings shared by every environment; everything that differs comes from the environment.

| variable | meaning |
| --- | --- |
| DATABASE_URL | ``postgres://user:pass@host:5432/db``; default: SQLite in var/ |
| REDIS_URL | Celery broker (and the cache, one database up); default: a file-system broker |
| SECRET_KEY | required unless DEBUG is on |
| DEBUG, ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS, SECURE_SSL_REDIRECT | see README.md |
"""

from datetime import timedelta

import dj_database_url
from celery.schedules import crontab

from pmhub.settings.environment import (
    BASE_DIR,
    env_bool,
    env_int,
    env_list,
    env_str,
    redis_next_db_url,
)

DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

# Runtime state (SQLite file, file-system broker, beat schedule) lives here, outside the code.
VAR_DIR = BASE_DIR / "var"
if env_str("PMHUB_VAR_DIR"):
    from pathlib import Path

    VAR_DIR = Path(env_str("PMHUB_VAR_DIR"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    # pmhub's own apps, in their dependency order (each may import only those above it).
    "pmhub",
    "metrics",
    "roadmaps",
    "backlog",
    "stakeholders",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "pmhub.security.ContentSecurityPolicyMiddleware",
    # Innermost but for axes: the key's claim and answer share the view's transaction.
    "pmhub.idempotency.IdempotencyKeyMiddleware",
    # Last, as django-axes asks: it answers 429 to locked-out login attempts.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pmhub.urls"
WSGI_APPLICATION = "pmhub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pmhub.tenancy.workspace_context",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'pmhub.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Fail fast instead of hanging when PostgreSQL is unreachable (readyz, ingestion's 503).
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int(
        "DB_CONNECT_TIMEOUT", 3
    )
    # Only the statements pmhub.postgres.prepared_cursor runs are prepared (Django's own cursors
    # bind on the client and are never prepared); off behind a transaction-mode pooler.
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = (
        2**31 - 1 if env_bool("DB_PREPARED_STATEMENTS", True) else None
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # Refuses logins of locked-out accounts and clients before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"

# Login brute force (django-axes): after AXES_FAILURE_LIMIT failures an account, and separately a
# client address, is locked for AXES_COOLOFF_TIME. The client is REMOTE_ADDR only, so a forged
# X-Forwarded-For changes nothing; behind a proxy, name the header it sets (e.g. HTTP_X_REAL_IP).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_IPWARE_META_PRECEDENCE_ORDER = [
    *([env_str("CLIENT_IP_HEADER")] if env_str("CLIENT_IP_HEADER") else []),
    "REMOTE_ADDR",
]
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # successful logins are in pmhub's own audit trail
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

# Request limits (OWASP API4): bodies and form fields are capped; list pages are capped in DRF.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

# --- Redis: Celery's broker and the cache -------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object]
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CACHES = {
        "default": {
            "BACKEND": "pmhub.cache.RedisCache",  # Django's, keeping its redis-py clients
            # The broker's database must never be evicted; the cache lives one database up.
            "LOCATION": env_str("REDIS_CACHE_URL", redis_next_db_url(REDIS_URL)),
        }
    }
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Unacknowledged tasks are redelivered after this long; no countdown/ETA may exceed it.
        "visibility_timeout": 3600,
        "socket_connect_timeout": 3,
    }
else:
    # No Redis: kombu's file-system transport lets `make run` work on a bare machine.
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery ---------------------------------------------------------------------------------------
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
# Acknowledge after the task ran, and requeue when its worker dies: every task is idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The beat schedule, one entry per periodic job, each with why it exists.
CELERY_BEAT_SCHEDULE = {
    # Re-sends invitation emails whose on-commit trigger was lost (e.g. Redis was down).
    "invitations-send-pending": {
        "task": "pmhub.tasks.invitations_send_pending",
        "schedule": 300.0,
    },
    # Recomputes metrics whose ingestion trigger was lost (Redis down, worker killed).
    "metrics-sweep-dirty": {
        "task": "metrics.tasks.metrics_sweep_dirty",
        "schedule": 60.0,
    },
    # Saves each product's roadmap once a week for the snapshot diff; run daily at 03:00 UTC so
    # a missed day is caught up the next one (the task skips products snapshotted this week).
    "roadmaps-snapshot-weekly": {
        "task": "roadmaps.tasks.snapshot_weekly",
        "schedule": crontab(minute=0, hour=3),
    },
    # Forgets the API answers kept for Idempotency-Key retries once they are a day old.
    "idempotency-keys-expire": {
        "task": "pmhub.tasks.idempotency_keys_expire",
        "schedule": 3600.0,
    },
}

# --- Email ----------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "pmhub <noreply@localhost>")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)

# --- REST API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "pmhub.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["pmhub.permissions.HasCapability"],
    "DEFAULT_PAGINATION_CLASS": "pmhub.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": ["pmhub.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["pmhub.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "pmhub.api_errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "pmhub.schema.PmhubAutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "pmhub API",
    "DESCRIPTION": (
        "Objectives, roadmaps, backlog, stakeholders and KPIs of one workspace. Authenticate with "
        "`Authorization: Bearer <token>`; every request is scoped to the token's workspace. Errors "
        "are `{code, message, fields}`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI served from our own static files: self-hosted installs need no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "pmhub.models.Role",
        # A dashboard tile's chart kind, beside a metric's kind (both fields are "kind").
        "ChartKindEnum": "metrics.models.ChartKind",
        "MetricKindEnum": "metrics.models.MetricKind",
        # Experiments, initiatives and releases each have a "status" of their own; the
        # experiments' keeps the name it had before the others came.
        "StatusEnum": "metrics.models.ExperimentStatus",
        "InitiativeStatusEnum": "roadmaps.models.InitiativeStatus",
        "ReleaseStatusEnum": "roadmaps.models.ReleaseStatus",
        # A competitor feature's support, ours and in the matrix's cells alike.
        "SupportEnum": "roadmaps.models.Support",
        # The backlog's: an item's status and kind beside a sprint's, an import's, a custom
        # field's; its bulk actions, move positions and history fields by what they are.
        "ItemStatusEnum": "backlog.models.Status",
        "ItemKindEnum": "backlog.models.ItemKind",
        "CustomFieldKindEnum": "backlog.models.FieldKind",
        "HistoryFieldEnum": "backlog.models.HistoryField",
        "BulkActionEnum": "backlog.api.items.BulkAction",
        "MovePositionEnum": "backlog.api.items.MovePosition",
        "ImportFormatEnum": "backlog.models.ImportFormat",
    },
    "SECURITY": [{"bearerAuth": []}],
    "APPEND_COMPONENTS": {
        "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
    },
}

# --- Security headers that hold everywhere --------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
PMHUB_BASE_URL = env_str("PMHUB_BASE_URL", "http://127.0.0.1:8000")

# --- Event ingestion (metrics) --------------------------------------------------------------------
# Requests per second one write key may send (each request carries up to 500 KB); 0 = no limit.
INGEST_RATE_LIMIT_PER_SECOND = env_int("INGEST_RATE_LIMIT_PER_SECOND", 200)
