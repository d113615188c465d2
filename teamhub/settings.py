"""TeamHub settings, read from the environment (see .env.example)."""

import sys
from pathlib import Path

import environ
import plotly
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# The test suite runs on these same settings, with the few differences marked TESTING.
TESTING = "pytest" in sys.modules
# Demo mode: make run sets it; seed_demo refuses to create demo logins without it.
DEMO_MODE = env.bool("TEAMHUB_DEMO", default=DEBUG)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off (production)."
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "teamhub.core",
    "teamhub.people",
    "teamhub.initiatives",
    "teamhub.requirements",
    "teamhub.integrations",
    "teamhub.staffing",
    "teamhub.dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "teamhub.core.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "teamhub.urls"
WSGI_APPLICATION = "teamhub.wsgi.application"
ASGI_APPLICATION = "teamhub.asgi.application"

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
                "teamhub.core.context_processors.navigation",
            ],
        },
    },
]

# SQLite (WAL) by default; PostgreSQL through DATABASE_URL.
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'teamhub.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA busy_timeout=5000;"
            ),
            "transaction_mode": "IMMEDIATE",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", 60))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# plotly.js comes from the installed plotly package: static 'plotly/plotly.min.js'
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("plotly", Path(plotly.__file__).parent / "package_data"),
]
STATIC_ROOT = VAR_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"

# Uploaded spreadsheets are refused above this size.
TEAMHUB_MAX_UPLOAD_BYTES = env.int("TEAMHUB_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = TEAMHUB_MAX_UPLOAD_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = TEAMHUB_MAX_UPLOAD_BYTES + 1024 * 1024

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default=(
        "django.core.mail.backends.console.EmailBackend"
        if DEBUG
        else "django.core.mail.backends.smtp.EmailBackend"
    ),
)
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="teamhub@localhost")
# Links in e-mails are absolute: where people reach this TeamHub.
TEAMHUB_BASE_URL = env.str("TEAMHUB_BASE_URL", default="http://127.0.0.1:8000")

# Celery: Redis when REDIS_URL is set, else kombu's filesystem transport under var/.
CELERY_BROKER_DIR = VAR_DIR / "celery-broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = None
    # The filesystem broker needs its folders before the first message.
    for _folder in ("queue", "processed", "control"):
        (CELERY_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Installed into django-celery-beat's tables when beat starts; admins can change
# them in the admin. Reminders run hourly: the task itself sends each person at
# most one a day, so a second run (or a missed hour) changes nothing.
TEAMHUB_SYNC_MINUTES = env.int("TEAMHUB_SYNC_MINUTES", default=15)
# Staffing suggestions are recomputed this long after the last change to skills,
# goals or allocations (changes within the window share one recompute).
TEAMHUB_STAFFING_DEBOUNCE_SECONDS = env.int(
    "TEAMHUB_STAFFING_DEBOUNCE_SECONDS", default=30
)
# Dashboard charts stay cached until the data they read changes, or this long:
# the expiry bounds how far "today"-relative numbers (ages, quiet initiatives) lag.
TEAMHUB_DASHBOARD_CACHE_SECONDS = env.int(
    "TEAMHUB_DASHBOARD_CACHE_SECONDS", default=600
)
# Charts missing from the cache are built in up to this many threads at once
# (each with its own database connection); 1 builds them one after another. On
# SQLite threads measured slower (benchmarks/dashboard.py), so it builds serially.
TEAMHUB_DASHBOARD_BUILD_THREADS = env.int(
    "TEAMHUB_DASHBOARD_BUILD_THREADS",
    default=1 if DATABASES["default"]["ENGINE"].endswith("sqlite3") else 4,
)
CELERY_BEAT_SCHEDULE = {
    "signoff-reminders": {
        "task": "teamhub.requirements.tasks.signoff_reminders_send_task",
        "schedule": 60 * 60,
    },
    "integrations-sync": {
        "task": "teamhub.integrations.tasks.sync_all_task",
        "schedule": 60 * TEAMHUB_SYNC_MINUTES,
    },
}

# Integrations: bare Git mirrors live here; tokens stored in the database are
# encrypted with TEAMHUB_ENCRYPTION_KEY (a Fernet key; derived from SECRET_KEY
# when unset, so rotating SECRET_KEY then needs the tokens entered again).
TEAMHUB_GIT_MIRRORS_DIR = Path(
    env.str("TEAMHUB_GIT_MIRRORS_DIR", default=str(VAR_DIR / "git"))
)
TEAMHUB_ENCRYPTION_KEY = env.str("TEAMHUB_ENCRYPTION_KEY", default="")
# A sync run is stopped (SoftTimeLimitExceeded → failed) after this many seconds.
TEAMHUB_SYNC_SOFT_TIME_LIMIT = env.int("TEAMHUB_SYNC_SOFT_TIME_LIMIT", default=15 * 60)

REST_FRAMEWORK = {
    # Token first, so an anonymous request gets 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "teamhub.core.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "teamhub.core.exceptions.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "TeamHub API",
    "DESCRIPTION": "People & skills registry, skill search and ML initiatives.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and Redoc served from the installed sidecar package, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choices that share a field name across models get names of their own.
    "ENUM_NAME_OVERRIDES": {
        "SyncRunStatusEnum": "teamhub.integrations.models.SyncRun.Status",
        "SyncRunTriggerEnum": "teamhub.integrations.models.SyncRun.Trigger",
        "JiraMappingKindEnum": "teamhub.integrations.models.JiraMapping.Kind",
        "ActivityKindEnum": "teamhub.integrations.models.ActivityEvent.Kind",
        "IntegrationSourceEnum": "teamhub.integrations.models.Source",
        "SkillSourceEnum": "teamhub.people.models.PersonSkill.Source",
        "AssignmentStatusEnum": "teamhub.initiatives.models.Assignment.Status",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
