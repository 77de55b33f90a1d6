"""Quotaflow settings, read from the environment.

Every value comes from a ``QUOTAFLOW_*`` variable (or ``DATABASE_URL``) and is checked
on start-up: a bad value stops the process with a message naming the variable.
"""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from quotaflow.config.env import (
    default_sqlite_path,
    env_bool,
    env_int,
    env_list,
    env_str,
    env_time_zone,
    local_secret_key,
    parse_database_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("QUOTAFLOW_DEBUG", default=False)

SECRET_KEY = env_str("QUOTAFLOW_SECRET_KEY") or local_secret_key()
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured(
        "QUOTAFLOW_SECRET_KEY must be at least 50 characters with at least 5 different ones; "
        "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(64))'"
    )

ALLOWED_HOSTS = env_list("QUOTAFLOW_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("QUOTAFLOW_CSRF_TRUSTED_ORIGINS", [])

_database_url = env_str("DATABASE_URL")
if not _database_url:
    _sqlite_file = default_sqlite_path()
    _database_url = f"sqlite:///{_sqlite_file}"
DEFAULT_DATABASE_IS_EMBEDDED = not env_str("DATABASE_URL")
DATABASES = {"default": parse_database_url(_database_url)}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "csp",
    "ninja",  # serves the API docs' Swagger UI from the installed package, not a CDN
    "django_tasks",
    "django_tasks_db",
    "quotaflow.core",
    "quotaflow.accounts",
    "quotaflow.org",
    "quotaflow.metrics",
    "quotaflow.sales",
    "quotaflow.imports",
    "quotaflow.plans",
    "quotaflow.performance",
    "quotaflow.smart",
    "quotaflow.feedback",
    "quotaflow.incentives",
    "quotaflow.recognition",
    "quotaflow.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "quotaflow.web.csp.PageCSPMiddleware",
    "quotaflow.api.middleware.ApiJsonErrorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "quotaflow.web.middleware.RefuseControlCharactersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the login page's message
]

ROOT_URLCONF = "quotaflow.config.urls"
WSGI_APPLICATION = "quotaflow.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "quotaflow.web.context.navigation",
                "quotaflow.web.context.inbox",
            ],
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "quotaflow.accounts.throttling.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
TIME_ZONE = env_time_zone("QUOTAFLOW_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("QUOTAFLOW_STATIC_ROOT", str(default_sqlite_path().parent / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Uploads: import files are streamed from disk, never held whole in memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Security: secure by default; QUOTAFLOW_HTTPS=0 only for a plain-HTTP laptop run.
HTTPS = env_bool("QUOTAFLOW_HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("QUOTAFLOW_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("QUOTAFLOW_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("QUOTAFLOW_BEHIND_PROXY", False) else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
QUOTAFLOW_BEHIND_PROXY = env_bool("QUOTAFLOW_BEHIND_PROXY", False)

# Login throttling (django-axes, see quotaflow.accounts.throttling): failures counted per
# account and client address, in the database.
AXES_FAILURE_LIMIT = env_int("QUOTAFLOW_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("QUOTAFLOW_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "quotaflow.accounts.throttling.client_address"
AXES_LOCKOUT_CALLABLE = "quotaflow.web.views.accounts.locked_out"
AXES_VERBOSE = False
if AXES_FAILURE_LIMIT < 1 or AXES_COOLOFF_TIME < timedelta(minutes=1):
    raise ImproperlyConfigured(
        "QUOTAFLOW_LOGIN_FAILURE_LIMIT must be at least 1 and QUOTAFLOW_LOGIN_COOLOFF_MINUTES at least 1."
    )

# Content-Security-Policy: scripts, styles, fonts and data only from this server; no inline
# script, no inline event handlers, no inline styles; no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# E-mail
EMAIL_BACKEND = env_str("QUOTAFLOW_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("QUOTAFLOW_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("QUOTAFLOW_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("QUOTAFLOW_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_str("QUOTAFLOW_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("QUOTAFLOW_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("QUOTAFLOW_EMAIL_FROM", "quotaflow@localhost")

# The TrueType font review PDFs are set in (empty = a system font with wide coverage if one
# is found, else the built-in Latin-1 Helvetica); see feedback.review_pdf.
QUOTAFLOW_PDF_FONT = env_str("QUOTAFLOW_PDF_FONT")
if QUOTAFLOW_PDF_FONT and not Path(QUOTAFLOW_PDF_FONT).is_file():
    raise ImproperlyConfigured(
        f"QUOTAFLOW_PDF_FONT={QUOTAFLOW_PDF_FONT!r} is not a file: name a TrueType (.ttf) font."
    )
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where people open Quotaflow (e.g. https://quotaflow.example.com): e-mailed notifications
# link to their page there; without it they name the page's path.
QUOTAFLOW_BASE_URL = env_str("QUOTAFLOW_BASE_URL")

# Links in e-mails and printed by the command line (set-password invitations) start with
# the address people open Quotaflow at; the API uses the request's own address when unset.
PUBLIC_URL = env_str("QUOTAFLOW_PUBLIC_URL").rstrip("/")
# How long a set-password link works (it works once in any case).
PASSWORD_RESET_TIMEOUT = env_int("QUOTAFLOW_INVITE_HOURS", 72) * 3600

# Background tasks: the database backend needs no extra server.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Jobs `quotaflow worker` queues once a day after the given local time (quotaflow.core.schedule);
# each is a management command too, for cron. QUOTAFLOW_SCHEDULER=0 turns the schedule off in a
# worker; QUOTAFLOW_SCHEDULER_INTERVAL is how often (seconds) it looks.
QUOTAFLOW_SCHEDULE = [
    {
        "job": "period-close",
        "task": "quotaflow.performance.tasks.close_periods_task",
        "at": env_str("QUOTAFLOW_PERIOD_CLOSE_AT", "01:00"),
    },
    {
        "job": "recognition",
        "task": "quotaflow.recognition.tasks.evaluate_recognition_task",
        "at": env_str("QUOTAFLOW_RECOGNITION_AT", "02:00"),
    },
    {
        "job": "alerts-and-digests",
        "task": "quotaflow.performance.tasks.alerts_and_digests_task",
        "at": env_str("QUOTAFLOW_ALERTS_AT", "07:00"),
    },
    {
        "job": "checkin-reminders",
        "task": "quotaflow.feedback.tasks.send_checkin_reminders_task",
        "at": env_str("QUOTAFLOW_CHECKIN_REMINDERS_AT", "08:00"),
    },
]
for _job in QUOTAFLOW_SCHEDULE:
    try:
        time.fromisoformat(_job["at"])
    except ValueError:
        raise ImproperlyConfigured(
            f"The time {_job['at']!r} of the scheduled job {_job['job']} is not HH:MM."
        ) from None
QUOTAFLOW_SCHEDULER = env_bool("QUOTAFLOW_SCHEDULER", True)
QUOTAFLOW_SCHEDULER_INTERVAL = env_int("QUOTAFLOW_SCHEDULER_INTERVAL", 300)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("QUOTAFLOW_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
