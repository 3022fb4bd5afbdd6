"""Settings for the registration portal, driven by the environment (12-factor).

Defaults are for a caseworker trying the portal on one machine (SQLite, DEBUG off
unless asked). Production sets DJANGO_SECRET_KEY, DATABASE_URL and ALLOWED_HOSTS.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY",
    # Only for a local try-out: the "django-insecure-" prefix makes check --deploy fail.
    default="django-insecure-local-try-out-key-never-use-in-production-0123456789",
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "web.signin.apps.PortalAdminConfig",  # django.contrib.admin behind our sign-in
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "bootstrap",  # django-bootstrap-static: Bootstrap 5 files, served locally
    "crispy_forms",
    "crispy_bootstrap5",
    "django_countries",
    "phonenumber_field",
    "django_htmx",
    "csp",
    "guardian",
    "simple_history",
    "django_ratelimit",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI / Redoc files for /api/docs/, served locally
    # Ours, from the bottom layer up (docs/architecture.md); core and the workflows
    # without models are plain packages.
    "agencies",
    "audit",
    "clients",
    "access",
    "workflows.duplicates",
    "workflows.imports",
    "jobs",
    "api",
    "web.signin",
    "web",
]
# Developer tools (demo seed, synthetic data, benchmarks) as management commands, where
# the folder exists: a production image does not ship it, and the product never imports it.
if (BASE_DIR / "tools").is_dir():
    INSTALLED_APPS.append("tools")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "web.middleware.AllowedMethodsMiddleware",
    # Before the session: an API request authenticates by key only, so page middleware
    # below (second factor, idle timeout, sign-in redirects) never acts on it.
    "api.middleware.ApiRequestMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "web.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "audit.middleware.RequestIdMiddleware",
    # After the request id: they use the client address it determined.
    "web.signin.middleware.SecondFactorMiddleware",
    "web.signin.middleware.SessionActivityMiddleware",
    "web.middleware.LogContextMiddleware",  # agency and user ids in the log lines
    # After sign-in: chooses primary or replica per view and user (docs/scaling.md).
    "registration_portal.db_router.ReplicaReadsMiddleware",
    "axes.middleware.AxesMiddleware",  # answers a locked-out sign-in with our page
]

ROOT_URLCONF = "registration_portal.urls"
WSGI_APPLICATION = "registration_portal.wsgi.application"

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
                "django.template.context_processors.i18n",
                "csp.context_processors.nonce",
                "web.context_processors.membership",
            ],
        },
    },
]

# SQLite is the embedded default for a try-out; PostgreSQL is production and tests.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
# A kept connection is tested before a request uses it: after a database restart each
# worker would otherwise answer one request with a 500.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Past one machine (docs/scaling.md), by configuration only. PgBouncer in transaction
# mode (DATABASE_POOLER=pgbouncer): a server connection belongs to a client for one
# transaction only, so no server-side cursors (they live across transactions in Django's
# iterator()) and no prepared statements (psycopg prepares per server connection, which
# the next transaction may not get); connections to the pooler are cheap and kept.
DATABASE_POOLER = env.str("DATABASE_POOLER", default="")
if DATABASE_POOLER not in ("", "pgbouncer"):
    raise ImproperlyConfigured(f"DATABASE_POOLER: empty or pgbouncer, not {DATABASE_POOLER!r}")
_POOLED = DATABASE_POOLER == "pgbouncer"
if _POOLED:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None
    # procrastinate's worker LISTENs for new jobs: a session-level state the pooler would
    # hand to another client. It connects directly (DATABASE_DIRECT_URL) when given.
    if env.str("DATABASE_DIRECT_URL", default=""):
        DATABASES["direct"] = env.db("DATABASE_DIRECT_URL")
        DATABASES["direct"]["CONN_HEALTH_CHECKS"] = True
        DATABASES["direct"]["TEST"] = {"MIRROR": "default"}
        PROCRASTINATE_DATABASE_ALIAS = "direct"
# Read replicas (streaming replication): DATABASE_REPLICA_URLS, comma-separated, become
# the aliases replica_1..n. Only views named in DATABASE_REPLICA_VIEWS read from them,
# and only until the request writes; a user who wrote within DATABASE_READ_YOUR_WRITES
# seconds reads from the primary (registration_portal.db_router).
DATABASE_REPLICAS: list[str] = []
for _number, _url in enumerate(env.list("DATABASE_REPLICA_URLS", default=[]), start=1):
    _alias = f"replica_{_number}"
    DATABASES[_alias] = env.db_url_config(_url)
    DATABASES[_alias]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES[_alias]["CONN_HEALTH_CHECKS"] = True
    if _POOLED:
        DATABASES[_alias]["DISABLE_SERVER_SIDE_CURSORS"] = True
        DATABASES[_alias].setdefault("OPTIONS", {})["prepare_threshold"] = None
    # A test run has no replica: it reads the test database through a second connection.
    DATABASES[_alias]["TEST"] = {"MIRROR": "default"}
    DATABASE_REPLICAS.append(_alias)
DATABASE_ROUTERS = ["registration_portal.db_router.ReplicaRouter"]
DATABASE_READ_YOUR_WRITES = env.int("DATABASE_READ_YOUR_WRITES", default=10)
# A replica further behind than this is skipped (checked at most every few seconds).
DATABASE_REPLICA_MAX_LAG = env.float("DATABASE_REPLICA_MAX_LAG", default=5.0)
# The read-only pages whose list queries may go to a replica (URL names). Access checks
# (guards, the record page, grants) never are: they always read the primary; a page that
# opens a record by id (audit:record-accesses) is therefore not named here. API views
# authenticate by key inside the view, after the router decided: read-your-writes would
# not know their agency system, so they are left out by default (docs/scaling.md).
DATABASE_REPLICA_VIEWS = env.list(
    "DATABASE_REPLICA_VIEWS",
    default=[
        "clients:client-search",
        "audit:event-list",
    ],
)
# Background jobs live in PostgreSQL (procrastinate's tables and functions); the SQLite
# try-out has no queue and runs a job in the request that asks for it (jobs.queue).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    INSTALLED_APPS.insert(INSTALLED_APPS.index("agencies"), "procrastinate.contrib.django")
# Jobs (jobs.tasks; docs/operations.md "Background jobs"): without the queue (JOBS_INLINE,
# the default without PostgreSQL) a job runs in the request or command that asks for it.
JOBS_INLINE = env.bool("JOBS_INLINE", default="procrastinate.contrib.django" not in INSTALLED_APPS)
# When the scheduled jobs run: cron lines in UTC, read when the worker starts.
JOBS_SCHEDULE = {
    "duplicate_report": env.str("JOBS_CRON_DUPLICATE_REPORT", default="30 1 * * *"),
    "audit_chain_verify": env.str("JOBS_CRON_AUDIT_CHAIN_VERIFY", default="0 3 * * *"),
    "audit_purge": env.str("JOBS_CRON_AUDIT_PURGE", default="30 3 * * *"),
    "audit_anomaly_alerts": env.str("JOBS_CRON_AUDIT_ANOMALY_ALERTS", default="5 * * * *"),
    "audit_partitions": env.str("JOBS_CRON_AUDIT_PARTITIONS", default="45 0 * * *"),
    "stalled_jobs_retry": env.str("JOBS_CRON_STALLED_JOBS_RETRY", default="*/5 * * * *"),
    "jobs_cleanup": env.str("JOBS_CRON_CLEANUP", default="15 4 * * *"),
}
# The nightly report's CSV (ids and external references): a path, or nothing kept.
JOBS_DUPLICATE_REPORT_PATH = env.str("JOBS_DUPLICATE_REPORT_PATH", default="/dev/null")
JOBS_DUPLICATE_REPORT_WORKERS = env.int("JOBS_DUPLICATE_REPORT_WORKERS", default=1)
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=730)
# A job whose worker sent no heartbeat for this long is stalled and put back in the queue;
# /readyz reports (without failing) when no worker's heartbeat is this recent.
JOBS_STALLED_AFTER = env.int("JOBS_STALLED_AFTER", default=60)
JOBS_KEEP_DAYS = env.int("JOBS_KEEP_DAYS", default=30)
# Failed jobs are mailed to these addresses (comma-separated), besides portal.alerts.
ADMINS = [(address, address) for address in env.list("ADMINS", default=[])]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The try-out serves the live duplicate check while a form is saved: a transaction
    # takes the write lock when it begins (not half-way, where SQLite cannot wait for
    # it and answers "database is locked"), waits up to 20 s for it, and readers do not
    # block the writer (WAL).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE",
        timeout=20,
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "agencies.User"
# Object permissions come from the one policy (access.policy), not from guardian's backend,
# which reads its rows without their end dates; guardian stores the rows.
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account or address before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "access.backends.PolicyBackend",
]
SILENCED_SYSTEM_CHECKS = [
    "guardian.W001",  # its backend is left out on purpose (above)
    # Django's own RedisCache increments atomically (INCR); django-ratelimit lists only
    # third-party Redis backends as supported.
    "django_ratelimit.W001",
    # A covering index (access.ClientGroupObjectPermission) is a PostgreSQL speed-up; on
    # SQLite, for trying the portal out, it is a plain index.
    "models.W040",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # zxcvbn's list of breached passwords, also under added digits, signs or repetition.
    {"NAME": "web.signin.passwords.BreachedPasswordValidator"},
]
# Argon2id for new and changed passwords; older PBKDF2 hashes still verify and are
# rehashed with Argon2 at the user's next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]

# Sign-in (web.signin; docs/operations.md "Sign-in: second factor, lockout, sessions").
# The second factor (TOTP app + backup codes) for every account: on in production, off
# for the demo (DEBUG) and for tests that are not about it (tests/conftest.py).
SECOND_FACTOR_REQUIRED = env.bool("SECOND_FACTOR_REQUIRED", default=not DEBUG)
SECOND_FACTOR_PENDING_SECONDS = 10 * 60  # from the password to the second factor
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Registrierungsportal Berlin")
# Lockout (django-axes): failed sign-ins (passwords and codes) per account and per
# address within the cool-off time, which is also how long a lock lasts.
LOGIN_FAILURE_LIMIT_ACCOUNT = env.int("LOGIN_FAILURE_LIMIT_ACCOUNT", default=5)
LOGIN_FAILURE_LIMIT_ADDRESS = env.int("LOGIN_FAILURE_LIMIT_ADDRESS", default=30)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT_ACCOUNT
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own, in this order
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=30))
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "web.signin.lockout.PortalAxesHandler"
AXES_USERNAME_CALLABLE = "web.signin.lockout.lockout_username"
AXES_CLIENT_IP_CALLABLE = "web.signin.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "web.signin.lockout.lockout_response"
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code", "old_password"]
AXES_ENABLE_ADMIN = False  # our own, audited (web.admin.organisation)
AXES_VERBOSE = False  # its log lines would name what was typed as a user name
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"  # the start page of the day
LOGOUT_REDIRECT_URL = "login"
# guardian: anonymous users never get object permissions.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
GUARDIAN_USER_OBJ_PERMS_MODEL = "guardian.UserObjectPermission"

LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
# Dates typed and shown as DD.MM.YYYY in both languages (registration_portal/formats).
FORMAT_MODULE_PATH = ["registration_portal.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
# In DEBUG and tests, serve straight from the apps' static folders (no collectstatic).
WHITENOISE_USE_FINDERS = DEBUG or env.bool("WHITENOISE_USE_FINDERS", default=False)
WHITENOISE_AUTOREFRESH = DEBUG

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Countries most people arrive from, at the top of every country list.
COUNTRIES_FIRST = ["UA", "SY", "AF", "IQ", "TR", "ER", "IR", "MD", "GE", "RU", "SO", "DE"]

PHONENUMBER_DEFAULT_REGION = "DE"
PHONENUMBER_DEFAULT_FORMAT = "INTERNATIONAL"

# Security: secure by default, relaxed only for local DEBUG runs.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# The portal uses no browser feature beyond forms and its own scripts: every powerful
# feature is switched off for it and for anything it could be made to embed.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer", "autoplay", "camera", "display-capture", "encrypted-media",
        "fullscreen", "geolocation", "gyroscope", "hid", "idle-detection", "magnetometer",
        "microphone", "midi", "payment", "picture-in-picture", "publickey-credentials-get",
        "screen-wake-lock", "serial", "usb", "web-share", "xr-spatial-tracking",
    )
}  # fmt: skip
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Sessions (web.signin.sessions): rows with their owner, ended after SESSION_IDLE_TIMEOUT
# without a request and SESSION_COOKIE_AGE after signing in, whatever the activity.
SESSION_ENGINE = "web.signin.sessions"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)  # one working day
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
# "__Host-": only over HTTPS, for this host alone, for every path; browsers refuse such a
# cookie without Secure, so plain HTTP (the DEBUG demo) keeps the usual names.
SESSION_COOKIE_NAME = "__Host-sessionid" if SESSION_COOKIE_SECURE else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if CSRF_COOKIE_SECURE else "csrftoken"
# No script of ours reads the token from the cookie (forms and htmx send the form's).
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# A load balancer probes the health endpoints over plain HTTP (web.views.health).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
# Only behind a reverse proxy that sets these headers itself may the app trust them.
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy: no inline script or style, no third-party origins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# The cache: Redis when REDIS_URL is set (production: shared by every worker, as the rate
# limits need); otherwise the process's memory, enough for `make run`'s single process.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="portal"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Per process only: `check --deploy` warns about it (access.checks).
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")
RATELIMIT_USE_CACHE = "default"
# Sessions are read from that cache when it is Redis, and written through to their rows
# (web.signin.sessions): no query to load a session, the rows still list and end them.
SESSION_CACHE_ALIAS = "default"
SESSION_CACHED = env.bool("SESSION_CACHED", default=bool(REDIS_URL))

# Searches and duplicate checks ("lookup") and access requests from hints ("hint") per
# user and per agency (access.throttle); rates as django-ratelimit writes them.
PORTAL_RATE_LIMITS = {
    "lookup": {
        "user": env.list("RATE_LIMIT_LOOKUP_USER", default=["30/m", "400/h"]),
        "agency": env.list("RATE_LIMIT_LOOKUP_AGENCY", default=["600/m"]),
    },
    "hint": {
        "user": env.list("RATE_LIMIT_HINT_USER", default=["20/h"]),
        "agency": env.list("RATE_LIMIT_HINT_AGENCY", default=["200/h"]),
    },
}
PORTAL_RATE_LIMIT_ALERT_WINDOW = 60 * 60  # one alert per user and group per hour

# The REST API for agency systems (api/, docs/api.md): keys only (no session
# authentication, so no CSRF surface), deny unless a view says who may call it, problem
# details for every error, cursor pagination, a rate per key counted in the cache above.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.DenyAll"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiKeyRateThrottle"],
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "api.pagination.ApiCursorPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Registration portal API",
    "DESCRIPTION": (
        "For agency systems: the records shared with your agency, in the sections your "
        "agency holds, under the same rules and audit as the portal's pages. "
        "Authenticate with `Authorization: Bearer rpk_...` (a key from your agency's admin)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI's files from drf-spectacular-sidecar, served by us (CSP: 'self' only).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# API keys (api.services): validity of a new key, how long a rotated key keeps working,
# and the default rate per key (each key has its own, changeable in the admin).
API_KEY_VALID_DAYS = env.int("API_KEY_VALID_DAYS", default=365)
API_KEY_ROTATION_GRACE_HOURS = env.int("API_KEY_ROTATION_GRACE_HOURS", default=72)
API_KEY_RATE_PER_MINUTE = env.int("API_KEY_RATE_PER_MINUTE", default=120)
# Webhooks (api.webhooks; docs/api.md "Webhooks"): the portal calls only these hosts
# (exact names, or ".example.org" for subdomains), never follows redirects: an agency
# admin cannot make the server reach into the internal network (SSRF). Empty: no calls.
WEBHOOK_ALLOWED_HOSTS = env.list("WEBHOOK_ALLOWED_HOSTS", default=[])
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=5.0)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)

# Alerts to supervisors go by mail: EMAIL_URL (smtp://user:password@host:587), printed on
# the console in DEBUG. (django-environ's documented way to set the EMAIL_* settings.)
EMAIL_CONFIG = env.email_url(
    "EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25"
)
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="portal@localhost")

# Logs carry record ids only, never personal data (see docs/operations.md "Logs"): one JSON
# object a line in production (LOG_FORMAT=json), text for a developer (DEBUG); both with the
# request id, the agency id and the user id (core.logs).
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "core.logs.RequestContextFilter"}},
    "formatters": {
        "text": {
            "format": "%(asctime)s %(levelname)s %(name)s "
            "[request=%(request_id)s agency=%(agency_id)s] %(message)s"
        },
        "json": {"()": "core.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # procrastinate names every task at INFO whenever a process starts; its failures
    # (WARNING and up) stay, and our own JobRun rows say what ran.
    "loggers": {"procrastinate": {"level": env.str("JOBS_LOG_LEVEL", default="WARNING")}},
}

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = False
# Old versions are evidence; admins correct data through the portal, never by revert.
SIMPLE_HISTORY_REVERT_DISABLED = True

# Anomaly rules on the supervisors' audit page (audit.selectors.anomalies).
AUDIT_ANOMALY = {
    "window_days": env.int("AUDIT_ANOMALY_WINDOW_DAYS", default=7),
    "baseline_days": 30,
    "volume_min": env.int("AUDIT_ANOMALY_VOLUME_MIN", default=100),  # reads a day
    "volume_factor": 3.0,  # times the user's usual daily reads
    "working_hours": (6, 20),  # local time; weekends count as off hours
    "denied_min": 5,
    "same_name_agencies": 3,
    # Failed logins within the last hours: per account (or name that is no account) and
    # per client address (an office's NAT sends many users from one address).
    "failed_login_hours": env.int("AUDIT_ANOMALY_FAILED_LOGIN_HOURS", default=24),
    "failed_login_account_min": env.int("AUDIT_ANOMALY_FAILED_LOGINS_ACCOUNT", default=10),
    "failed_login_address_min": env.int("AUDIT_ANOMALY_FAILED_LOGINS_ADDRESS", default=30),
}
# The audit chain's head, signed and kept outside the database (audit.anchor; see
# docs/operations.md "Audit log: anchor, purge role, restore"): a file, a Redis database
# without eviction, or both. Without either, removing the newest events goes unnoticed.
AUDIT_ANCHOR = {
    "key": env.str("AUDIT_ANCHOR_KEY", default=""),  # empty: derived from SECRET_KEY
    "path": env.str("AUDIT_ANCHOR_PATH", default=""),
    "redis_url": env.str("AUDIT_ANCHOR_REDIS_URL", default=""),
    "redis_key": env.str("AUDIT_ANCHOR_REDIS_KEY", default=""),  # empty: by database name
    "fsync": env.bool("AUDIT_ANCHOR_FSYNC", default=True),
}
