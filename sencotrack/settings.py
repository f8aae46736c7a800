"""Settings for sencotrack: every knob comes from the environment, parsed strictly.

Defaults give the embedded mode (a SQLite file, Celery tasks run in-process).
Production sets DATABASE_URL, REDIS_URL, SECRET_KEY, DEBUG=false and ALLOWED_HOSTS.
A malformed value stops start-up with a message naming the variable.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use true/false, yes/no, on/off or 1/0.")


def env_int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} must be at least {minimum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY", "").strip()
    if key:
        if not DEBUG and (len(key) < 50 or key.startswith("django-insecure")):
            raise ImproperlyConfigured("SECRET_KEY is too weak for production: use at least 50 random characters.")
        return key
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production (DEBUG off) refuses to start without one; "
            "for development set DEBUG=true and a key is generated for you."
        )
    # Development: generate a key once and keep it in an ignored file so sessions survive restarts.
    key_file = BASE_DIR / ".secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "template_partials",
    "django_celery_beat",
    "django_celery_results",
    "simple_history",
    "axes",
    "csp",
    "sencotrack.apps.SencotrackConfig",
    "pupils",
    "assessments",
    "interventions",
    "plans",
    "reports",
    "imports",
    "demo",
    "staff",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page (not static files, served above) is private and never stored by a browser or proxy.
    "sencotrack.middleware.no_store",
    # After authentication: the audit history (django-simple-history) records who made each change.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sencotrack.urls"
WSGI_APPLICATION = "sencotrack.wsgi.application"

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
                "pupils.context_processors.membership",
                "sencotrack.source.footer",
            ],
        },
    },
]


def _database() -> dict:
    url = os.environ.get("DATABASE_URL", "").strip() or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    try:
        config = dj_database_url.parse(url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
    except ValueError as exc:  # dj-database-url raises ValueError for unknown schemes
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL I can use: {exc}") from None
    if not config.get("NAME"):
        raise ImproperlyConfigured("DATABASE_URL names no database.")
    if config["ENGINE"].endswith("sqlite3"):
        config["CONN_MAX_AGE"] = 0
        # A longer wait avoids "database is locked" when the dev server and an in-process task overlap.
        config.setdefault("OPTIONS", {})["timeout"] = 20
        # Each transaction takes the write lock when it begins, so two saves at once run one after
        # the other (the second waits up to the timeout) instead of one failing with "database is
        # locked" when it upgrades a read to a write (sencotrack.conflicts).
        config["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (django-axes): the throttle backend goes first and refuses a locked-out
# username + address before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "sencotrack.auth.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
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
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"

# Uploads (CSV imports) are small; anything larger is refused before it is read
# (imports.engine reads at most IMPORT_MAX_BYTES + 1 bytes of an upload and refuses more).
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Redis, Celery and caching -------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"REDIS_URL={REDIS_URL!r} must start with redis://, rediss:// or unix://.")

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
# Embedded mode: with no broker configured, tasks run in-process, with the same code.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "sencotrack")
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# How a report run survives a dead worker (docs/operations-reports.md). Recovery does not come from
# the broker: the building worker writes a heartbeat on the run every few seconds, and beat's sweeper
# puts a run whose heartbeat has stopped back on the queue. The broker's part is only to never hand
# a build that is still going to a second worker:
# - late acknowledgement, one task reserved per worker process: a message is acknowledged when its
#   task ends, so a worker that dies before it has claimed its run leaves the message to Redis;
# - Redis gives an unacknowledged message to another worker only after visibility_timeout, which
#   must be longer than the hard time limit: by then the first worker's task has ended one way or
#   the other (finished, failed or killed by the limit), so it is no longer building;
# - and a worker that is given a run anyway (redelivered, or sent twice) starts it only if it is
#   queued, or running with a heartbeat older than REPORT_RUN_STALE_SECONDS (reports.services._claim).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 30 * 60, minimum=10)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 25 * 60, minimum=5)
visibility_timeout = env_int("CELERY_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT + 300, minimum=1)
if visibility_timeout <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        f"CELERY_VISIBILITY_TIMEOUT ({visibility_timeout}s) must be longer than CELERY_TASK_TIME_LIMIT "
        f"({CELERY_TASK_TIME_LIMIT}s), or Redis would hand a report still being built to a second worker."
    )
# A lost broker connection does not stop the builds under way: they store their results in
# PostgreSQL, and a message that could not be acknowledged comes back after visibility_timeout to
# find its run done.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False

# Every broker call gives up quickly, so a Redis that is down or hung (accepting connections but
# never answering) cannot hold a web request: connecting and each read wait at most a second, and
# a publish is not retried (redis-py reconnects a pooled connection to a restarted Redis by itself).
# A run that could not be handed over stays queued and the sweeper sends it once Redis answers.
# Workers drop a connection whose BRPOP reply is overdue by health_check_interval and reconnect, so
# a Redis that hangs, or a connection cut without a reset (failover, NAT, firewall), never wedges a
# worker for good; they keep trying to reconnect however long Redis is away.
CELERY_BROKER_CONNECTION_TIMEOUT = env_int("CELERY_BROKER_CONNECTION_TIMEOUT", 1, minimum=1)
broker_socket_timeout = env_int("CELERY_BROKER_SOCKET_TIMEOUT", 1, minimum=1)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 0}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": visibility_timeout,
    "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
    "socket_timeout": broker_socket_timeout,
    "socket_keepalive": True,
    "health_check_interval": 10,
}

# Report runs: the heartbeat, the sweeper (a periodic task, `setup_schedules`) and their thresholds.
# A run whose heartbeat is older than REPORT_RUN_STALE_SECONDS is taken to have lost its worker;
# the sweeper, every REPORT_RUN_SWEEP_SECONDS, queues it again (at most REPORT_RUN_MAX_ATTEMPTS
# starts, then it fails with a message), and sends again a queued run that could not be handed to
# the broker, or whose message was lost: handed over STALE seconds ago with the queue empty, or
# REPORT_RUN_RESEND_SECONDS ago whatever the queue holds.
# From a worker's death to another worker starting its run: at most STALE + SWEEP seconds (65 by
# default) when a worker is free. Nine heartbeats can be missed before a run is taken for dead, and
# a run taken for dead that was not (its worker only stalled) is still stored once: the newer attempt.
REPORT_RUN_HEARTBEAT_SECONDS = env_int("REPORT_RUN_HEARTBEAT_SECONDS", 5, minimum=1)
REPORT_RUN_STALE_SECONDS = env_int("REPORT_RUN_STALE_SECONDS", 45, minimum=3)
REPORT_RUN_SWEEP_SECONDS = env_int("REPORT_RUN_SWEEP_SECONDS", 20, minimum=5)
REPORT_RUN_RESEND_SECONDS = env_int("REPORT_RUN_RESEND_SECONDS", 10 * 60, minimum=60)
REPORT_RUN_MAX_ATTEMPTS = env_int("REPORT_RUN_MAX_ATTEMPTS", 3, minimum=1)
if REPORT_RUN_STALE_SECONDS < 3 * REPORT_RUN_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured(
        f"REPORT_RUN_STALE_SECONDS ({REPORT_RUN_STALE_SECONDS}) must be at least three heartbeats "
        f"(3 x REPORT_RUN_HEARTBEAT_SECONDS = {3 * REPORT_RUN_HEARTBEAT_SECONDS}), or a report still being "
        "built could be taken for dead."
    )

# The cache holds page fragments only (sencotrack/fragments.py): losing it loses nothing. Timeouts
# are short: a Redis that is down or hung makes a fragment a miss, built from the database.
REDIS_CACHE_OPTIONS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "OPTIONS": REDIS_CACHE_OPTIONS}}
else:  # embedded mode: the server's own memory (the data versions are in the database, not here)
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 1000}}}

# --- Security ----------------------------------------------------------------------------
# Sessions live in the database only: signing out ends a session whatever state Redis is in.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60, minimum=300)
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): scripts only from our own static files, never inline
# (templates pass data with json_script, which is JSON, not script; a test scans every template).
# 'unsafe-inline' for styles only: Plotly draws its charts by injecting <style> elements and style
# attributes at run time, which a nonce cannot cover. Scripts get no 'unsafe-eval' either.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Login throttling: five failed sign-ins for one username from one address lock that pair out for
# 15 minutes (another try while locked out starts the 15 minutes again); a successful sign-in
# clears the count. The lockout page says when to try again.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "sencotrack.auth.lockout_response"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False  # no start-up banner on every command; lockouts are still logged
# Behind a reverse proxy that sets X-Forwarded-For, set AXES_PROXY_COUNT to the number of proxies
# so the client's own address is throttled rather than the proxy's.
AXES_IPWARE_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if AXES_IPWARE_PROXY_COUNT else ("REMOTE_ADDR",)
)
# django-ipware is not installed, so axes would read REMOTE_ADDR (the proxy) whatever the count says.
AXES_CLIENT_IP_CALLABLE = "sencotrack.client_ip.client_ip"

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # The preload directive only allows the domain's owner to submit it to browsers' preload list
    # (includeSubDomains is already on); check --deploy asks for it. SECURE_HSTS_PRELOAD=false drops it.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # django-axes logs every sign-in at INFO; lockouts and refused attempts are WARNING.
    "loggers": {"axes": {"level": os.environ.get("AXES_LOG_LEVEL", "WARNING")}},
}

# --- Product settings -----------------------------------------------------------------------
# How long records of pupils who have left are kept before the retention command may purge them.
SENCOTRACK_RETENTION_YEARS = env_int("SENCOTRACK_RETENTION_YEARS", 25, minimum=1)

# --- E-mail (invitations to parents and carers) ----------------------------------------------
# With EMAIL_HOST set, mail goes out over SMTP. Without it, development (DEBUG) prints each
# message on the console and production sends none: the SENCo hands the invitation link over
# (it is always shown to them as well).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "").strip()
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
    if EMAIL_USE_TLS and EMAIL_USE_SSL:
        raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on: choose one (SSL for port 465).")
    # A mail server that does not answer must not hold a SENCo's page for long.
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
elif DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
# The address people open sencotrack at: the start of links sent from the command line (set-password
# links from `import_data staff`); pages use the address they were opened at.
SITE_URL = os.environ.get("SITE_URL", "").strip() or "http://127.0.0.1:8000"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "").strip() or "sencotrack <noreply@localhost>"
# How long an invitation link to a parent or carer works (it stops working once used).
PARENT_INVITATION_DAYS = env_int("PARENT_INVITATION_DAYS", 14, minimum=1)
# Where the source code of this server is offered to its users (AGPL-3.0 section 13): a URL, e.g.
# the school's fork on a forge; unset, /source/ serves the running code as a .tar.gz.
SOURCE_URL = os.environ.get("SOURCE_URL", "").strip()
if SOURCE_URL and not SOURCE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(f"SOURCE_URL must start with https:// or http://, not {SOURCE_URL!r}")
# How long a new member of staff's set-password link works (it stops working once used).
STAFF_LINK_DAYS = env_int("STAFF_LINK_DAYS", 7, minimum=1)
