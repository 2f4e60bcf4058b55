"""Masthead settings: one file, read from the environment, with embedded defaults.

The embedded default needs nothing: SQLite (WAL) under MASTHEAD_DATA_DIR, a file
cache, the database task backend and email written to files.  Every value can be
overridden by an environment variable; the README lists them in one table.
"""

import os
import secrets
from pathlib import Path

from django.utils.csp import CSP
from environs import Env

from masthead.core.storage_url import media_origin, storage_from_url

env = Env()
env.read_env(os.environ.get("MASTHEAD_ENV_FILE", ".env"), recurse=False)

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env.str("MASTHEAD_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """Use SECRET_KEY from the environment, else one generated once and kept in DATA_DIR."""
    given = env.str("SECRET_KEY", "")
    if given:
        return given
    path = DATA_DIR / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(64))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env.bool("DEBUG", False)
TESTING = env.bool("MASTHEAD_TESTING", False)
SITE_URL = env.str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
WAGTAILADMIN_BASE_URL = SITE_URL
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", [SITE_URL])

INSTALLED_APPS = [
    "masthead.core",
    "masthead.theme",
    "masthead.newsroom",
    "masthead.api",
    "masthead.metrics",
    "masthead.discussion",
    "masthead.readers",
    "masthead.newsletters",
    "masthead.staffauth",
    "masthead.support",
    "masthead.ads",
    "masthead.porting",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "anymail",
    "django_filters",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "axes",
    "django_tasks_db",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    # Outermost: every response, cached or not, carries the request's id, and every
    # log line written while serving it names that id.
    "masthead.core.requestid.RequestIdMiddleware",
    # Anonymous public GETs read from DATABASE_REPLICA_URL when one is given.
    "masthead.core.replica.ReplicaReadsMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    # ETag + 304 for everything the page cache does not answer itself.
    "django.middleware.http.ConditionalGetMiddleware",
    # Inside the two above: stores shareable pages (see masthead.core.pagecache).
    "masthead.core.pagecache.middleware.PageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "masthead.theme.middleware.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
    # Staff with two-factor sign-in must verify (or, when required, set it up) first.
    "masthead.staffauth.middleware.AdminTwoFactorMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "masthead.urls"
WSGI_APPLICATION = "masthead.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# --- database -------------------------------------------------------------
DATABASES = {
    "default": env.dj_db_url(
        "DATABASE_URL",
        default=f"sqlite:///{DATA_DIR / 'db.sqlite3'}",
        conn_max_age=env.int("DATABASE_CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
}
if "postgresql" in DATABASES["default"]["ENGINE"]:
    # Wagtail's PostgreSQL search backend relies on its lookups and checks.
    INSTALLED_APPS.append("django.contrib.postgres")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0 if TESTING else None
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers proceed while one writer writes; IMMEDIATE avoids
        # "database is locked" upgrades from read to write mid-transaction.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA busy_timeout=5000; PRAGMA cache_size=-20000;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
# A read replica: anonymous GETs of public pages read from it (masthead.core.replica);
# writes, the admin, signed-in readers and everything after a write use the primary.
if env.str("DATABASE_REPLICA_URL", ""):
    DATABASES["replica"] = env.dj_db_url(
        "DATABASE_REPLICA_URL",
        conn_max_age=env.int("DATABASE_CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
    # Tests run against the primary's test database: the "replica" mirrors it.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["masthead.core.replica.ReplicaRouter"]
    # How far behind the replica may fall: the time a writer's browser, and every render
    # after a content change, reads the primary.
    DATABASE_REPLICA_LAG_SECONDS = env.float("DATABASE_REPLICA_LAG_SECONDS", 10)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache ----------------------------------------------------------------
# The embedded default is diskcache: SQLite-backed, safe across processes, with an
# atomic add() and ~10 us reads.  Django's FileBasedCache lists every cache file on
# each set() to cull, which costs milliseconds once a few thousand entries exist.
if env.str("CACHE_URL", ""):
    CACHES = {"default": env.dj_cache_url("CACHE_URL")}
    if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
        # A Redis that stops answering is a cache that misses (masthead.core.cache):
        # pages render uncached, sessions come from the database.  Short timeouts so a
        # dead or unreachable Redis costs milliseconds per request, and after a failure
        # Redis is skipped for CACHE_RETRY_SECONDS rather than tried on every call.
        CACHES["default"]["BACKEND"] = "masthead.core.cache.ResilientRedisCache"
        CACHES["default"].setdefault("OPTIONS", {}).update(
            SOCKET_TIMEOUT=env.float("CACHE_SOCKET_TIMEOUT", 0.25),
            CONNECT_TIMEOUT=env.float("CACHE_CONNECT_TIMEOUT", 0.25),
            RETRY_AFTER=env.float("CACHE_RETRY_SECONDS", 1.0),
        )
else:
    CACHES = {
        "default": {
            "BACKEND": "masthead.core.cache.PersistentDiskCache",
            "LOCATION": str(DATA_DIR / "cache"),
            "TIMEOUT": 300,
            "SHARDS": 4,
            "DATABASE_TIMEOUT": 0.25,
            "OPTIONS": {"size_limit": env.int("CACHE_SIZE_LIMIT_BYTES", 512 * 1024 * 1024)},
        },
        # Wagtail rewrites every rendition it reads back into its cache on each
        # render; in process memory that costs nothing.  A stale entry can only
        # outlive an image's deletion by TIMEOUT, on this one machine.
        "renditions": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "renditions",
            "TIMEOUT": 600,
            "OPTIONS": {"MAX_ENTRIES": 5000},
        },
    }
CACHES["default"].setdefault("KEY_PREFIX", env.str("CACHE_KEY_PREFIX", "masthead"))
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Rate limits count in the cache.  While it is down they fail closed (the library's
# default, made explicit): every limited endpoint - comments, sign-in links, email
# changes, subscription and newsletter confirmations, membership links - answers "over
# the limit" rather than lose its abuse protection.  Most of them send mail through the
# task queue, which lives in the same Redis and cannot take the job anyway.
RATELIMIT_FAIL_OPEN = False

# Rendered fragments (an article's markup, ranked lists) per content generation;
# the timeout also bounds how old the view count inside them can be.
FRAGMENT_CACHE_ALIAS = "default"
FRAGMENT_CACHE_SECONDS = env.int("FRAGMENT_CACHE_SECONDS", 300)

# --- tasks ----------------------------------------------------------------
# The database queue on one machine; at scale, RQ on Redis (TASK_QUEUE_URL, or the
# cache's Redis when CACHE_URL is redis://), which workers on any machine take from.
TASK_QUEUE_URL = env.str("TASK_QUEUE_URL", "")
if not TASK_QUEUE_URL and env.str("CACHE_URL", "").startswith(("redis://", "rediss://")):
    TASK_QUEUE_URL = env.str("CACHE_URL")
TASKS = {
    "default": {
        "BACKEND": env.str(
            "TASK_BACKEND",
            # RQ, with a table of the database as its fallback while Redis is down.
            "masthead.core.tasks_fallback.FallbackRQBackend"
            if TASK_QUEUE_URL
            else "django_tasks_db.DatabaseBackend",
        ),
        "QUEUES": ["default"],
    }
}
if TASKS["default"]["BACKEND"].endswith("RQBackend"):
    INSTALLED_APPS.append("django_rq")
    # A job a killed worker left running is re-queued once its lease lapses (the
    # worker's heartbeat); tasks are written to be safe to run twice.
    # Only the connect is bounded: the worker's blocking wait for jobs must not time out.
    _sep = "&" if "?" in TASK_QUEUE_URL else "?"
    RQ_QUEUES = {
        "default": {
            "URL": f"{TASK_QUEUE_URL}{_sep}socket_connect_timeout=1",
            "DEFAULT_TIMEOUT": 3600,
        }
    }
    RQ = {"JOB_CLASS": "django_tasks_rq.backend.Job"}

# --- email ----------------------------------------------------------------
MAIL_DIR = DATA_DIR / "mail"


def _mailer(url: str) -> dict:
    """A MAILERS entry from EMAIL_URL (smtp://user:pass@host:587/?tls=True), or mail files."""
    if not url:
        return {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(MAIL_DIR)},
        }
    import dj_email_url

    parsed = dj_email_url.parse(url)
    options = {
        "host": parsed["EMAIL_HOST"],
        "port": parsed["EMAIL_PORT"],
        "username": parsed["EMAIL_HOST_USER"],
        "password": parsed["EMAIL_HOST_PASSWORD"],
        "use_tls": parsed["EMAIL_USE_TLS"],
        "use_ssl": parsed["EMAIL_USE_SSL"],
        "timeout": parsed["EMAIL_TIMEOUT"] or 20,
    }
    backend = parsed["EMAIL_BACKEND"]
    if backend == "django.core.mail.backends.filebased.EmailBackend":
        options = {"file_path": parsed["EMAIL_FILE_PATH"]}
    elif backend != "django.core.mail.backends.smtp.EmailBackend":
        options = {}
    return {"BACKEND": backend, "OPTIONS": options}


def _counted(mailer: dict) -> dict:
    """The mailer, counting what it sends into the shared cache (masthead_emails_sent_total)."""
    return {
        "BACKEND": "masthead.core.mail.counting_backend",
        "OPTIONS": {"backend": mailer["BACKEND"], **mailer.get("OPTIONS", {})},
    }


MAILERS = {"default": _counted(_mailer(env.str("EMAIL_URL", "")))}
# An email service provider through django-anymail instead of SMTP, e.g.
# EMAIL_BACKEND=anymail.backends.postmark.EmailBackend; its settings come from
# ANYMAIL_* variables (ANYMAIL_POSTMARK_SERVER_TOKEN=... becomes
# ANYMAIL["POSTMARK_SERVER_TOKEN"]), and ANYMAIL_WEBHOOK_SECRET guards the
# bounce and complaint webhooks under /newsletters/esp/.
if env.str("EMAIL_BACKEND", ""):
    MAILERS["default"] = _counted({"BACKEND": env.str("EMAIL_BACKEND"), "OPTIONS": {}})
ANYMAIL = {
    key.removeprefix("ANYMAIL_"): value
    for key, value in os.environ.items()
    if key.startswith("ANYMAIL_") and value
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", "Masthead <newsroom@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- auth -----------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", 0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env.bool("AXES_ENABLED", True)
LOGIN_URL = "wagtailadmin_login"

# --- reader support (masthead.support) -------------------------------------
# Keys and secrets come only from the environment; the admin shows which
# providers are configured, never the values.
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", "")
# Only for tests or stripe-mock: where the Stripe library sends its API calls.
STRIPE_API_BASE = env.str("STRIPE_API_BASE", "")
PAYPAL_CLIENT_ID = env.str("PAYPAL_CLIENT_ID", "")
PAYPAL_CLIENT_SECRET = env.str("PAYPAL_CLIENT_SECRET", "")
PAYPAL_WEBHOOK_ID = env.str("PAYPAL_WEBHOOK_ID", "")
# https://api-m.sandbox.paypal.com while testing with PayPal's sandbox.
PAYPAL_API_BASE = env.str("PAYPAL_API_BASE", "https://api-m.paypal.com")
# The offline test provider completes payments with a button on this site.  It is
# refused on a public (https) deployment unless turned on here explicitly.
SUPPORT_OFFLINE_PROVIDER = env.bool("SUPPORT_OFFLINE_PROVIDER", not SITE_URL.startswith("https://"))

# --- i18n -----------------------------------------------------------------
LANGUAGE_CODE = env.str("LANGUAGE_CODE", "en-us")
TIME_ZONE = env.str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
# Bare www. addresses in comments link over https (Django's future default, opted into now).
URLIZE_ASSUME_HTTPS = True

# --- static and media -----------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", str(DATA_DIR / "static")))
MEDIA_URL = env.str("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", str(DATA_DIR / "media")))
# MEDIA_STORAGE_URL=s3://KEY:SECRET@bucket?endpoint_url=...&region_name=... puts
# uploads and renditions in S3-compatible object storage (masthead.core.storage_url).
MEDIA_STORAGE_URL = env.str("MEDIA_STORAGE_URL", "")
STORAGES = {
    "default": (
        storage_from_url(MEDIA_STORAGE_URL)
        if MEDIA_STORAGE_URL
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if TESTING or DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_MAX_AGE = 31536000 if not DEBUG else 0
# Media is served by the app itself in the embedded default; a front server or
# object storage takes over at scale.
SERVE_MEDIA = env.bool("SERVE_MEDIA", not MEDIA_STORAGE_URL)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o644

# --- wagtail --------------------------------------------------------------
WAGTAIL_SITE_NAME = env.str("WAGTAIL_SITE_NAME", "Masthead")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp", "avif"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = env.int("IMAGE_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
WAGTAILDOCS_EXTENSIONS = ["pdf", "txt", "csv"]
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ALLOW_UNICODE_SLUGS = False
WAGTAILEMBEDS_RESPONSIVE_HTML = True
WAGTAILADMIN_COMMENTS_ENABLED = True
# No third-party requests from the admin either: avatars are uploaded, not fetched from Gravatar.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# --- security -------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "SAMEORIGIN"
_https = SITE_URL.startswith("https://")
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", _https)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", _https)
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", 31536000 if _https else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", _https)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", False)
# W019: the Wagtail admin previews pages in a same-origin iframe, so SAMEORIGIN is
# deliberate.  W021: HSTS preloading commits every subdomain for months; it is the
# operator's call (SECURE_HSTS_PRELOAD=true), not a default.
SILENCED_SYSTEM_CHECKS = ["security.W019", "security.W021"]
if env.bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Public pages get a strict, nonce-based policy (see theme.middleware); the
# Wagtail admin keeps a policy its own inline scripts and styles can live with.
VIDEO_EMBED_HOSTS = ["https://www.youtube-nocookie.com", "https://player.vimeo.com"]
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'", CSP.NONCE],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "frame-src": ["'self'", *VIDEO_EMBED_HOSTS],
    "frame-ancestors": ["'self'"],
    "form-action": ["'self'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}
ADMIN_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "'unsafe-inline'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "frame-src": ["'self'", *VIDEO_EMBED_HOSTS],
    "frame-ancestors": ["'self'"],
    "form-action": ["'self'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}
# Media in object storage is served from the bucket's (or CDN's) origin.
MEDIA_ORIGIN = media_origin(MEDIA_STORAGE_URL)
if MEDIA_ORIGIN:
    SECURE_CSP["img-src"].append(MEDIA_ORIGIN)
    ADMIN_CSP["img-src"].append(MEDIA_ORIGIN)

# --- masthead -------------------------------------------------------------
MASTHEAD_PAGE_SIZE = env.int("MASTHEAD_PAGE_SIZE", 12)
MASTHEAD_NEWS_SITEMAP_HOURS = 48

# View counting (masthead.metrics).  The buffer is "memory" (per process, flushed by
# each process) or a redis:// URL; empty means Redis when the cache is Redis.
MASTHEAD_VIEW_BUFFER = env.str("MASTHEAD_VIEW_BUFFER", "")
MASTHEAD_VIEW_REDIS_PREFIX = env.str("MASTHEAD_VIEW_REDIS_PREFIX", "masthead:views")
# Seconds between flushes in each server process; 0 leaves flushing to explicit calls.
MASTHEAD_VIEW_FLUSH_SECONDS = env.float("MASTHEAD_VIEW_FLUSH_SECONDS", 0 if TESTING else 5)
MASTHEAD_VIEW_DEDUPE_SECONDS = 30 * 60
MASTHEAD_VIEW_CLAIM_RETENTION_SECONDS = 6 * 3600
MASTHEAD_VIEW_IDS_SECONDS = env.float("MASTHEAD_VIEW_IDS_SECONDS", 60)
MASTHEAD_VIEW_COUNT_CACHE_SECONDS = 60
MASTHEAD_VIEW_COUNTS_MAX_AGE = env.int("MASTHEAD_VIEW_COUNTS_MAX_AGE", 0)
MASTHEAD_VIEW_TRENDING_CACHE_SECONDS = env.int("MASTHEAD_VIEW_TRENDING_CACHE_SECONDS", 300)

# Newsletter sending (masthead/newsletters/sending.py): a sender holds its claimed
# rows for this long without renewing before another worker takes them back;
# rows per claimed batch (one SMTP connection each); first retry delay, doubled per attempt.
NEWSLETTER_CLAIM_LEASE_SECONDS = env.float("NEWSLETTER_CLAIM_LEASE_SECONDS", 300)
NEWSLETTER_BATCH_SIZE = env.int("NEWSLETTER_BATCH_SIZE", 100)
NEWSLETTER_RETRY_SECONDS = env.float("NEWSLETTER_RETRY_SECONDS", 30)
# The request header holding the reader's address; behind a proxy, HTTP_X_FORWARDED_FOR.
MASTHEAD_VIEW_CLIENT_IP_HEADER = env.str("MASTHEAD_VIEW_CLIENT_IP_HEADER", "REMOTE_ADDR")

# Advertising (masthead.ads).  Impressions and clicks go through the same kind of
# buffer as views (memory, or Redis under MASTHEAD_AD_REDIS_PREFIX when views use
# Redis) and are flushed with them.  A visitor's repeat impression of the same
# creative, or repeat click, within the dedupe window counts once.
MASTHEAD_AD_REDIS_PREFIX = env.str("MASTHEAD_AD_REDIS_PREFIX", "masthead:ads")
MASTHEAD_AD_DEDUPE_SECONDS = env.int("MASTHEAD_AD_DEDUPE_SECONDS", 60)
MASTHEAD_AD_CLAIM_RETENTION_SECONDS = 2 * 86400
# How long slots.json (the eligible creatives of a section) may be reused, in the shared
# cache and by browsers: daily caps and schedule changes take effect within this.
MASTHEAD_AD_SLOTS_MAX_AGE = env.int("MASTHEAD_AD_SLOTS_MAX_AGE", 30)

# Imports (masthead.porting): admin uploads are kept here, outside the public media.
PORTING_UPLOAD_DIR = Path(env.str("PORTING_UPLOAD_DIR", str(DATA_DIR / "imports")))
PORTING_MAX_UPLOAD_MB = env.float("PORTING_MAX_UPLOAD_MB", 512)

# Page cache (masthead.core.pagecache): anonymous GETs of public pages, answered
# before Django's middleware.  Entries are shared through CACHES[PAGE_CACHE_ALIAS]
# and kept per process in an LRU of PAGE_CACHE_MEMORY_MB; a content generation
# (a file in DATA_DIR on one machine, a cache key with Redis) invalidates them.
PAGE_CACHE_ENABLED = env.bool("PAGE_CACHE_ENABLED", True)
PAGE_CACHE_ALIAS = "default"
PAGE_CACHE_TIMEOUT = env.int("PAGE_CACHE_TIMEOUT", 300)  # seconds an entry lives at most
# What browsers and CDNs get: short, since they cannot see the generation.
PAGE_CACHE_MAX_AGE = env.int("PAGE_CACHE_MAX_AGE", 60)
PAGE_CACHE_STALE_WHILE_REVALIDATE = env.int("PAGE_CACHE_STALE_WHILE_REVALIDATE", 30)
PAGE_CACHE_MEMORY_BYTES = env.int("PAGE_CACHE_MEMORY_MB", 16) * 1024 * 1024
PAGE_CACHE_MAX_ENTRY_BYTES = 2 * 1024 * 1024
# "file", "cache", or empty: a file unless the cache is shared between machines.
PAGE_CACHE_GENERATION_STORE = env.str("PAGE_CACHE_GENERATION_STORE", "")
PAGE_CACHE_GENERATION_FILE = DATA_DIR / "page-cache.generation"
PAGE_CACHE_EXCLUDED_PATHS = [
    "/admin/",
    "/api/",
    "/search/",
    "/reader/",
    # The campaign's progress and the supporters list are live there; caching them
    # would mean every payment invalidating every cached page of the site.
    "/support/",
    "/metrics/",
    "/ads/",  # slots.json keeps its own short cache; beacons and clicks are never cached
    "/healthz",
    "/readyz",
    "/prometheus",
    "/static/",
    "/media/",
    "/documents/",
]

# Operations (masthead.core.ops): /healthz and /readyz are always on; Prometheus
# metrics at /prometheus only when enabled, and then only with the bearer token when
# one is set.  LOG_FORMAT=json writes one JSON object per line, each with the request id.
PROMETHEUS_ENABLED = env.bool("PROMETHEUS_ENABLED", False)
PROMETHEUS_TOKEN = env.str("PROMETHEUS_TOKEN", "")
LOG_FORMAT = env.str("LOG_FORMAT", "text")
# Trust an incoming X-Request-ID (set by the front proxy) instead of making a new one.
REQUEST_ID_HEADER = env.str("REQUEST_ID_HEADER", "HTTP_X_REQUEST_ID")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "masthead.core.requestid.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "masthead.core.jsonlog.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", "WARNING")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        # One line per request (method, path, status, duration) when ACCESS_LOG is on.
        "masthead.access": {"level": "INFO" if env.bool("ACCESS_LOG", False) else "WARNING"},
    },
}
