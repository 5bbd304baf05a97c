"""One settings module, driven by the environment (see .env.example for every variable).

The defaults serve the embedded mode: SQLite under var/, Celery tasks run eagerly, e-mail to the
console. Production sets DATABASE_URL, REDIS_URL, DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and
DJANGO_DEBUG=0.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config import beat, openapi

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY",
    default="embedded-mode-only-not-secret-" + "x" * 40 if DEBUG else environ.Env.NOTSET,
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
# The site's public address, e.g. https://registry.example.org: every absolute link (API `next`
# links, password-reset and confirmation e-mails, reviewers' e-mails) is built on it, never on the
# Host header a client sent (registry.site_url). Empty: links follow the request (embedded mode).
REGISTRY_SITE_URL = env.str("REGISTRY_SITE_URL", default="")
if REGISTRY_SITE_URL:
    from urllib.parse import urlsplit

    _site_host = urlsplit(REGISTRY_SITE_URL).hostname or ""
    if _site_host and "*" not in ALLOWED_HOSTS and _site_host not in ALLOWED_HOSTS:
        ALLOWED_HOSTS.append(_site_host)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # The admin, with its site asking accounts.roles who may open it (accounts.apps).
    "accounts.apps.RegistryAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    # Sign-in, sign-up with e-mail verification, password reset and change, e-mail management:
    # django-allauth (translated into Chinese and Russian, anti-enumeration, rate limits).
    "allauth",
    "allauth.account",
    # Lockout after repeated failed sign-ins, per account and per address, and the log of
    # sign-ins, sign-outs and failures: django-axes.
    "axes",
    "registry",
    "accounts",
    "regulations",
    "accessions",
    "notifications",
    "api",
    "web",
]

# Sessions, CSRF, the signed-in user and messages are Django's own, in subclasses that let an API
# read (GET/HEAD under /api/, keyed or anonymous: the API never reads the session) pass straight
# through (api/middleware.py; issue 23). axes' lockout does no work on a request that signs no
# one in (it reads one attribute after the view), so it stays as axes ships it.
MIDDLEWARE = [
    # First: links name the configured site, not the Host header (REGISTRY_SITE_URL).
    "registry.site_url.SiteUrlMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # A repeated eligibility question is answered here, before the rest (issue 23).
    "web.middleware.RepeatedAnswerMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "api.middleware.ApiReadsSkipSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "api.middleware.ApiReadsSkipCsrfViewMiddleware",
    "api.middleware.ApiReadsSkipAuthenticationMiddleware",
    "registry.history.HistoryContextMiddleware",
    "api.middleware.ApiReadsSkipMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "web.middleware.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Last: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# CSRF protection is Django's own CsrfViewMiddleware, through a subclass that leaves out only the
# API's safe reads (api.middleware.ApiReadsSkipCsrfViewMiddleware, issue 23); Django's deploy
# check looks for the class by its dotted name and would warn.
SILENCED_SYSTEM_CHECKS = ["security.W003"]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.context_processors.permissions",
            ],
        },
    },
]

# Embedded default: one SQLite file under var/. Full stack: DATABASE_URL=postgres://...
DATABASE_URL = env.str("DATABASE_URL", default="")  # empty (as in .env.example): embedded
EMBEDDED = not DATABASE_URL
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": environ.Env.db_url_config(
        DATABASE_URL or f"sqlite:///{VAR_DIR / 'registry.sqlite3'}"
    )
}
if "postgresql" in DATABASES["default"]["ENGINE"]:
    # No JIT compilation (issue 23): the eligibility statement's correlated subqueries inflate its
    # cost estimate past jit_above_cost for a batch, and PostgreSQL then spent ~12 s compiling a
    # statement that runs in ~0.1 s. A libpq option: set at connect time, no round trip.
    # One plan per prepared statement, kept (plan_cache_mode): the statements the process
    # prepares (registry.sql.server_bound: the resolver and records.sql) are fixed texts over
    # array parameters, and by default PostgreSQL planned records.sql anew at every execution
    # (its generic plan's estimate, inflated by the correlated subqueries, never won): 3.5 ms of
    # planning for 1.2 ms of execution at 20,000 products (bench/RESULTS.md, 2026-12-07).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", "-c jit=off -c plan_cache_mode=force_generic_plan"
    )
    # psycopg prepares a statement a connection runs for the fifth time, where the cursor binds
    # on the server (registry.sql.server_bound; Django's own cursors bind on the client and are
    # never prepared). Django turns preparing off unless this is set; off again with
    # DATABASE_PREPARED_STATEMENTS=0 behind a PgBouncer older than 1.21 (README, "Scaling").
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        DATABASES["default"]["OPTIONS"].setdefault("prepare_threshold", 5)
# Persistent connections by default, with a health check before a kept connection is reused.
# gunicorn's sync workers (and Celery's prefork children) serve one request (task) at a time, so
# one kept connection per process is exactly what a pool would hold, without psycopg_pool and
# without a pool's connections sitting idle in every worker; Celery's Django fix-up closes a kept
# connection past its age after each task as Django does after each request. Opening a PostgreSQL
# connection per request cost the eligibility API most of its throughput (issue 13). SQLite opens
# a file, so the embedded mode keeps 0.
DATABASES["default"]["CONN_MAX_AGE"] = env.int(
    "DJANGO_CONN_MAX_AGE", default=0 if EMBEDDED else 600
)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("DJANGO_CONN_HEALTH_CHECKS", default=True)
DATABASES["default"]["ATOMIC_REQUESTS"] = False

# Read replicas (PostgreSQL streaming replication), zero or more, comma-separated. With none,
# nothing changes: no router, no middleware, every read on DATABASE_URL. With some, reads that
# may be served slightly behind go to a healthy replica and everything else to the primary
# (registry.replicas, web.middleware.ReadRoutingMiddleware).
DATABASE_REPLICA_URLS = [
    url.strip() for url in env.list("DATABASE_REPLICA_URLS", default=[]) if url.strip()
]
if DATABASE_REPLICA_URLS and EMBEDDED:
    raise ImproperlyConfigured("DATABASE_REPLICA_URLS needs DATABASE_URL (a PostgreSQL primary).")
DATABASE_REPLICA_ALIASES = [f"replica_{n}" for n in range(1, len(DATABASE_REPLICA_URLS) + 1)]
for _alias, _url in zip(DATABASE_REPLICA_ALIASES, DATABASE_REPLICA_URLS, strict=True):
    DATABASES[_alias] = environ.Env.db_url_config(_url) | {
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": DATABASES["default"]["CONN_HEALTH_CHECKS"],
        "ATOMIC_REQUESTS": False,
        # In a test run a replica alias is the test database itself (no second test database).
        "TEST": {"MIRROR": "default"},
    }
    # A replica that does not answer is skipped after this many seconds (libpq's minimum is 2).
    DATABASES[_alias].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_REPLICA_CONNECT_TIMEOUT", default=2)
    )
    # The primary's session options (no JIT, kept plans, prepared statements): a replica runs the
    # same statements.
    for _option in ("options", "prepare_threshold"):
        if _option in DATABASES["default"].get("OPTIONS", {}):
            DATABASES[_alias]["OPTIONS"].setdefault(
                _option, DATABASES["default"]["OPTIONS"][_option]
            )
DATABASE_ROUTERS = ["registry.replicas.ReplicaRouter"] if DATABASE_REPLICA_URLS else []
if DATABASE_REPLICA_URLS:
    # Sets each request's read scope; after authentication, which it asks about the user.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("api.middleware.ApiReadsSkipAuthenticationMiddleware") + 1,
        "web.middleware.ReadRoutingMiddleware",
    )
# A replica whose replay lags more than this many seconds behind the primary is skipped.
DATABASE_REPLICA_MAX_LAG = env.float("DATABASE_REPLICA_MAX_LAG", default=5.0)
# How often each process measures a replica's lag (between, it trusts the last measure).
DATABASE_REPLICA_CHECK_SECONDS = env.float("DATABASE_REPLICA_CHECK_SECONDS", default=2.0)
# How long a replica that lagged or did not answer is left aside before it is tried again.
DATABASE_REPLICA_SKIP_SECONDS = env.float("DATABASE_REPLICA_SKIP_SECONDS", default=30.0)
# Read-your-writes: after a request that changes something, the client's reads stay on the
# primary this many seconds (a cookie in browsers, the API key for API clients).
DATABASE_READ_YOUR_WRITES_SECONDS = env.int("DATABASE_READ_YOUR_WRITES_SECONDS", default=15)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").exists() else []
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

# --- Accounts: sign-in on the site (django-allauth), lockout (django-axes) ---------------------
# Everyone signs in at /accounts/login/ (the admin's own login page redirects there). Traders
# register themselves and verify their e-mail address; inspectors, senior inspectors and
# administrators are made by an administrator (accounts.roles.role_assign), never self-granted.
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "account-home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out account or address is refused before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_ADAPTER = "web.auth.AccountAdapter"
ACCOUNT_FORMS = {"login": "web.auth.LoginForm", "signup": "web.auth.SignupForm"}
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_UNIQUE_EMAIL = True
# The same answer whether or not an account exists (sign-up, password reset): no enumeration.
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_USERNAME_BLACKLIST = ["admin", "administrator", "root", "inspector", "registry"]
# Failed sign-ins are counted by django-axes (one mechanism, kept in the database and shown in
# the admin); allauth's own limits stay on for sign-up, reset and confirmation e-mails.
ACCOUNT_RATE_LIMITS = {"login_failed": None}

AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
# Lock after this many failures for the same account name, or from the same address.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Hours until a lockout ends by itself (an administrator can lift it at once in the admin).
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False
AXES_USERNAME_CALLABLE = "web.auth.sign_in_name"
AXES_LOCKOUT_TEMPLATE = "account/locked_out.html"
# The client address as the API throttle sees it (API_NUM_PROXIES trusted X-Forwarded-For hops).
AXES_CLIENT_IP_CALLABLE = "web.auth.client_address"
AXES_SENSITIVE_PARAMETERS = ["password", "password1", "password2", "oldpassword"]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# A sign-in lasts two weeks at most, and ends when the browser closes unless "remember me".
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_COOKIE_AGE", default=14 * 24 * 3600)

# Demo accounts (one per role, flagged illustrative) are made by `load_demo` in the embedded
# mode only; never in production.
REGISTRY_DEMO_USERS = (
    env.bool("REGISTRY_DEMO_USERS") if env.str("REGISTRY_DEMO_USERS", default="") else EMBEDDED
)
# How many API keys a trader or inspector may hold at once (administrators: no limit).
REGISTRY_API_KEYS_PER_USER = env.int("REGISTRY_API_KEYS_PER_USER", default=5)

# The history triggers of auto-created many-to-many tables (pghistory tracks them, but Django
# migrations cannot carry triggers on models they do not own) are installed after each migrate.
PGTRIGGER_INSTALL_ON_MIGRATE = "postgresql" in DATABASES["default"]["ENGINE"]

# --- Redis, cache and Celery -----------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# Redis is a dependency with a budget: one short connect and read timeout for the cache, the rate
# limits and the web's enqueues; after a failure the process stops asking Redis for
# REDIS_BREAKER_SECONDS (registry.redis_cache.RedisBreaker), so a request waits for it at most once.
REDIS_TIMEOUT = env.float("REDIS_TIMEOUT", default=0.25)
REDIS_BREAKER_SECONDS = env.float("REDIS_BREAKER_SECONDS", default=5.0)
CACHES = {
    "default": (
        {
            # A Redis outage reads as a cache miss, never a 500 (see registry.redis_cache).
            "BACKEND": "registry.redis_cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

CELERY_BROKER_URL = REDIS_URL or "memory://"
# Without a broker (embedded mode) tasks run in-process, eagerly.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# No input may take the machine: a worker child is replaced after a task that left it above this
# resident size (KiB), and cannot grow its heap past REGISTRY_WORKER_MEMORY_LIMIT_MB at all (an
# allocation past it raises MemoryError inside the task, which fails that task's run with its
# reason; config.celery sets it in each child). 0 turns either off.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=400_000)
REGISTRY_WORKER_MEMORY_LIMIT_MB = env.int("REGISTRY_WORKER_MEMORY_LIMIT_MB", default=1024)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The worker retries a lost broker forever (with Celery's growing interval, capped), never gives up
# after 100 attempts.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A Redis host that drops packets must not hold a web request that enqueues after commit: give up
# quickly (the outbox keeps the event and the periodic dispatcher sends it later).
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=1.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
    "socket_timeout": 5,
    "max_retries": 1,
}
CELERY_TIMEZONE = "UTC"
# The periodic jobs, a comment per entry: config/beat.py.
CELERY_BEAT_SCHEDULE = beat.CELERY_BEAT_SCHEDULE

# WSGI middleware config.wsgi puts in front of Django's handler, outermost first: a repeated
# eligibility question is answered before Django's request handling (web.early, issue 23).
REGISTRY_WSGI_WRAPPERS: list[str] = ["web.early.EarlyAnswers"]

# Without a broker there is no Celery beat: the serving process itself runs the expiry sweep at
# start and then daily at beat's time (accessions.scheduler). Started by config.wsgi, so by
# `runserver` and any WSGI server, never by management commands or the tests.
REGISTRY_ON_SERVE: list[str] = (
    env.list("REGISTRY_ON_SERVE")
    if env.str("REGISTRY_ON_SERVE", default="")
    else (
        []
        if REDIS_URL
        else [
            "accessions.scheduler.start_embedded_sweep",
            "accessions.scheduler.start_embedded_reaper",
        ]
    )
)

# --- Imports of lists (registry.tabular): every bound is checked while the file streams ------
REGISTRY_IMPORT_MAX_BYTES = env.int("REGISTRY_IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
REGISTRY_IMPORT_MAX_ROWS = env.int("REGISTRY_IMPORT_MAX_ROWS", default=50_000)
REGISTRY_IMPORT_MAX_COLUMNS = env.int("REGISTRY_IMPORT_MAX_COLUMNS", default=60)
REGISTRY_IMPORT_MAX_CELLS = env.int("REGISTRY_IMPORT_MAX_CELLS", default=1_000_000)
REGISTRY_IMPORT_MAX_CELL_CHARS = env.int("REGISTRY_IMPORT_MAX_CELL_CHARS", default=20_000)
# XLSX is a zip: the unpacked size of all its parts is bounded before any part is inflated.
REGISTRY_IMPORT_MAX_UNPACKED_BYTES = env.int(
    "REGISTRY_IMPORT_MAX_UNPACKED_BYTES", default=100 * 1024 * 1024
)
REGISTRY_IMPORT_MAX_SECONDS = env.float("REGISTRY_IMPORT_MAX_SECONDS", default=60.0)
# A queued run no worker has picked up after this many seconds is failed by the reaper (the
# message was lost: Redis flushed, or a worker took it and died); a running run is failed once it
# is older than the task's hard time limit, since no task can still be working on it.
REGISTRY_IMPORT_QUEUE_TIMEOUT = env.int("REGISTRY_IMPORT_QUEUE_TIMEOUT", default=30 * 60)
# A stored upload is removed when its run ends; any file still stored after this many days (a run
# that never ended) is removed by the reaper with its run failed.
REGISTRY_IMPORT_RETENTION_DAYS = env.int("REGISTRY_IMPORT_RETENTION_DAYS", default=2)

# --- Webhook delivery ---------------------------------------------------------------------------
REGISTRY_WEBHOOK_TIMEOUT = env.float("REGISTRY_WEBHOOK_TIMEOUT", default=5.0)
REGISTRY_WEBHOOK_CONCURRENCY = env.int("REGISTRY_WEBHOOK_CONCURRENCY", default=8)
REGISTRY_WEBHOOK_MAX_ATTEMPTS = env.int("REGISTRY_WEBHOOK_MAX_ATTEMPTS", default=8)
REGISTRY_WEBHOOK_BACKOFF_BASE = env.int("REGISTRY_WEBHOOK_BACKOFF_BASE", default=60)
REGISTRY_WEBHOOK_BACKOFF_CAP = env.int("REGISTRY_WEBHOOK_BACKOFF_CAP", default=6 * 3600)
# Webhook targets are chosen by subscribers, so by default only https:// to public addresses on
# port 443 (notifications.outbound). The switches below are for development and tests only.
REGISTRY_WEBHOOK_ALLOW_HTTP = env.bool("REGISTRY_WEBHOOK_ALLOW_HTTP", default=False)
REGISTRY_WEBHOOK_ALLOW_PRIVATE = env.bool("REGISTRY_WEBHOOK_ALLOW_PRIVATE", default=False)
# Ports allowed besides 443 (and 80 with http), comma-separated; "*" allows any port.
REGISTRY_WEBHOOK_PORTS = env.list("REGISTRY_WEBHOOK_PORTS", default=[])

# --- E-mail ------------------------------------------------------------------------------------
# Embedded mode prints e-mail (sign-up verification, password reset, digests) to the console;
# the full stack sends it by SMTP.
EMAIL_BACKEND = env.str("DJANGO_EMAIL_BACKEND", default="") or (
    "django.core.mail.backends." + ("console.EmailBackend" if EMBEDDED else "smtp.EmailBackend")
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="registry@localhost")

# django-filter's empty choice in every filter form (the HTML lists reuse the API's FilterSets):
# "any", translated, instead of "---------".
FILTERS_EMPTY_CHOICE_LABEL = _("any")

# --- REST framework and OpenAPI --------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # Public reads: anyone, rate-limited per client address; an API key raises the limit.
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.auth.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": ["api.auth.ApiRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_RATE_ANON", default="120/min"),
        "key": env.str("API_RATE_KEY", default="3000/min"),
        # Invalid API keys per client address, counted before authentication.
        "bad_key": env.str("API_RATE_BAD_KEY", default="30/min"),
        # Answers saved as citable records from the checker page, per client address.
        "answer_save": env.str("API_RATE_ANSWER_SAVE", default="30/hour"),
    },
    "EXCEPTION_HANDLER": "api.errors.problem_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON with a nesting limit (a deeply nested body is a 400, not a RecursionError).
    "DEFAULT_PARSER_CLASSES": ["api.parsers.BoundedJSONParser"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Behind a proxy, trust this many X-Forwarded-For hops for the client address (throttling).
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
}
# The admin's history pages (pghistory), which say so instead of failing on SQLite, where no
# history is recorded.
PGHISTORY_ADMIN_CLASS = "registry.admin.HistoryEventsAdmin"
# The review of records with legal or public effect on the admin's screens (the admin site mixes
# these into the screens of every model an app declares in its `reviewed_models`).
REGISTRY_REVIEW_ADMIN = "accessions.review_admin.ProposalAdminMixin"
REGISTRY_REVIEW_INLINE = "accessions.review_admin.ProposalInlineMixin"

# The OpenAPI description of the API: config/openapi.py.
SPECTACULAR_SETTINGS = openapi.SPECTACULAR_SETTINGS
# How long an eligibility answer is kept in the cache; the key includes the data version, so a
# change to the registry is never served stale (the TTL only bounds memory).
# 0 turns the answer cache off (every question is read from the database).
API_ANSWER_CACHE_SECONDS = env.int("API_ANSWER_CACHE_SECONDS", default=3600)
# How long the data version kept in Redis (api.answer_cache) is trusted: every write through
# Django sets it anew on commit; a write made outside Django (psql) is seen within this time.
API_DATA_VERSION_SECONDS = env.int("API_DATA_VERSION_SECONDS", default=60)


# --- Security ------------------------------------------------------------------------------------
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG
)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https")
    if env.bool("DJANGO_BEHIND_TLS_PROXY", default=False)
    else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    # httpx logs each webhook request with its URL at INFO; the database records deliveries.
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}
