"""The one settings module.

Every value is read from the environment, with embedded defaults so that a
fresh clone runs with nothing but ``DJANGO_DEBUG=1`` set (``make run`` and
the tests set it): SQLite, an in-process Dramatiq broker, local file storage
and a local-memory cache. DEBUG is off unless asked for, so a deployment that
forgets it never runs on the public development keys: with DEBUG off,
``DJANGO_SECRET_KEY`` and ``EDGE_SIGNING_KEYS`` must be set or nothing starts.
Production sets the variables listed in README.md.
"""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

# Only ever used with DEBUG on, on a developer's machine.
DEV_SECRET_KEY = "dev-insecure-key-only-for-DEBUG-" + "x" * 32
DEV_EDGE_SIGNING_KEYS = "dev:dev-insecure-edge-signing-key-only-for-DEBUG"

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "") or (DEV_SECRET_KEY if DEBUG else "")
# The edge signing keys (see the Edge section); read here so that both are checked at once.
EDGE_SIGNING_KEYS_RAW = os.environ.get("EDGE_SIGNING_KEYS", "") or (DEV_EDGE_SIGNING_KEYS if DEBUG else "")
_missing = [name for name, value in (("DJANGO_SECRET_KEY", SECRET_KEY), ("EDGE_SIGNING_KEYS", EDGE_SIGNING_KEYS_RAW))
            if not value]
# The development keys are public (they are in this file): never with DEBUG off.
_public = [name for name, used in (("DJANGO_SECRET_KEY", SECRET_KEY == DEV_SECRET_KEY),
                                   ("EDGE_SIGNING_KEYS", DEV_EDGE_SIGNING_KEYS.partition(":")[2]
                                    in EDGE_SIGNING_KEYS_RAW)) if used and not DEBUG]
if _missing or _public:
    raise ImproperlyConfigured(
        (f"{' and '.join(_missing)} must be set when DJANGO_DEBUG is off (it is off unless set to 1). "
         if _missing else
         f"{' and '.join(_public)} must not be the development keys when DJANGO_DEBUG is off: they are public. ")
        + "Generate secrets, e.g. with `python -c 'import secrets; print(secrets.token_urlsafe(50))'`; "
        "EDGE_SIGNING_KEYS looks like 'k1:<secret>'. For a development machine, set DJANGO_DEBUG=1."
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "corsheaders",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_dramatiq",
    # The app graph is a ladder, bottom first: the foundation, the catalog,
    # transcoding and edge side by side, the subscriber side (.importlinter).
    "streaming.core",
    "catalog",
    "transcoding",
    "edge",
    "streaming.subscribers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "streaming.urls"
WSGI_APPLICATION = "streaming.wsgi.application"
ASGI_APPLICATION = "streaming.asgi.application"

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# SQLite by default; DATABASE_URL (postgres://...) in production and in CI's
# second pass. The SQLite test database is a file, not memory, so that worker
# processes started by tests (rundramatiq, ffmpeg jobs) see the same rows.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        # WAL lets the in-process worker write while pages read.
        # IMMEDIATE transactions wait for the write lock instead of failing
        # with "database is locked" when a worker thread writes at the same time.
        {"timeout": 30, "init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )
    # One file per test run, so two runs on one machine never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Storage ----------------------------------------------------------------
# Local files by default. With S3_BUCKET set, sources and the HLS ladder live
# in S3 or any S3-compatible store (S3_ENDPOINT_URL).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]

S3_BUCKET = os.environ.get("S3_BUCKET", "")
if S3_BUCKET:
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("S3_REGION", "us-east-1"),
            "access_key": os.environ.get("S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("S3_PREFIX", ""),
            # Sources and renditions are private: only signed edge URLs reach them.
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": True,
            "addressing_style": os.environ.get("S3_ADDRESSING_STYLE", "path"),
        },
    }
else:
    DEFAULT_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": MEDIA_URL},
    }
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Uploads above this size go to a temporary file chunk by chunk, never into
# memory, and from there to storage in chunks (S3: multipart upload).
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_TEMP_DIR = os.environ.get("FILE_UPLOAD_TEMP_DIR") or None
DATA_UPLOAD_MAX_MEMORY_SIZE = 10_485_760

# --- Dramatiq -----------------------------------------------------------------
# By default an in-process broker (dramatiq's StubBroker plus a worker thread
# started on first use), so `make run` and the tests need no server.
# DRAMATIQ_BROKER_URL=redis://... or amqp://... selects a real broker, with
# `manage.py rundramatiq` as the worker on any number of machines.
DRAMATIQ_BROKER_URL = os.environ.get("DRAMATIQ_BROKER_URL", "")
_DRAMATIQ_MIDDLEWARE = [
    # An explicit list replaces dramatiq's defaults: every entry is wanted.
    "dramatiq.middleware.AgeLimit",
    "dramatiq.middleware.TimeLimit",
    "dramatiq.middleware.ShutdownNotifications",
    "dramatiq.middleware.Callbacks",
    "dramatiq.middleware.Pipelines",
    "dramatiq.middleware.Retries",
    "dramatiq.middleware.CurrentMessage",
    "django_dramatiq.middleware.DbConnectionsMiddleware",
    # Re-asks for job steps whose messages the broker lost (the database decides).
    "transcoding.middleware.Reconciler",
]
_broker_scheme = urlparse(DRAMATIQ_BROKER_URL).scheme
if _broker_scheme in {"redis", "rediss"}:
    DRAMATIQ_BROKER = {
        "BROKER": "dramatiq.brokers.redis.RedisBroker",
        "OPTIONS": {
            "url": DRAMATIQ_BROKER_URL,
            "namespace": os.environ.get("DRAMATIQ_NAMESPACE", "streaming"),
            # A worker silent this long is presumed dead and its messages are
            # handed to another worker (a SIGKILLed worker loses nothing).
            "heartbeat_timeout": int(os.environ.get("DRAMATIQ_HEARTBEAT_TIMEOUT_MS", "60000")),
            "maintenance_chance": int(os.environ.get("DRAMATIQ_MAINTENANCE_CHANCE", "1000")),
        },
        "MIDDLEWARE": _DRAMATIQ_MIDDLEWARE,
    }
elif _broker_scheme in {"amqp", "amqps"}:
    DRAMATIQ_BROKER = {
        "BROKER": "dramatiq.brokers.rabbitmq.RabbitmqBroker",
        "OPTIONS": {"url": DRAMATIQ_BROKER_URL},
        "MIDDLEWARE": _DRAMATIQ_MIDDLEWARE,
    }
elif not DRAMATIQ_BROKER_URL:
    DRAMATIQ_BROKER = {
        "BROKER": "streaming.core.broker.EmbeddedBroker",
        "OPTIONS": {},
        "MIDDLEWARE": _DRAMATIQ_MIDDLEWARE,
    }
else:
    raise ImproperlyConfigured(
        f"DRAMATIQ_BROKER_URL must start with redis:// or amqp://, got {DRAMATIQ_BROKER_URL!r}"
    )
DRAMATIQ_TASKS_DATABASE = "default"
# Threads of the in-process worker (embedded broker only).
DRAMATIQ_EMBEDDED_THREADS = int(os.environ.get("DRAMATIQ_EMBEDDED_THREADS", "2"))
DRAMATIQ_AUTODISCOVER_MODULES = ["tasks"]

# --- Auth, i18n ---------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "profiles"
LOGOUT_REDIRECT_URL = "landing"
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Security (production) -----------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.server": {"level": "WARNING"}},
}

# The country assumed when nothing else locates a viewer (ISO 3166-1 alpha-2).
DEFAULT_COUNTRY = os.environ.get("DEFAULT_COUNTRY", "US")
GEO_COUNTRY_HEADER = os.environ.get("GEO_COUNTRY_HEADER", "")

# --- Edge ---------------------------------------------------------------------
# The CDN control plane (edge app): URL signing keys, heartbeat freshness,
# zone load threshold, and where edges and the player find the origin.
# EDGE_SIGNING_KEYS="k2:new-secret,k1:old-secret": the first key signs, all
# verify, so a key rotates by prepending a new one and dropping the old one
# once every token it signed has expired.
# (EDGE_SIGNING_KEYS_RAW is read at the top, with the secret key.)
# A playback token expires at the earlier of its session's end and this many
# seconds after it was issued.
EDGE_TOKEN_TTL = int(os.environ.get("EDGE_TOKEN_TTL", "21600"))  # 6 h
EDGE_HEARTBEAT_TTL = int(os.environ.get("EDGE_HEARTBEAT_TTL", "30"))
EDGE_HEARTBEAT_INTERVAL = float(os.environ.get("EDGE_HEARTBEAT_INTERVAL", "5"))
# Revocation (edge/revocation.py): each heartbeat answer re-sends the
# revocations of this many seconds before the edge's cursor, and a stopped
# session's screen is released once every healthy edge's cursor is this far
# past its revocation (covers commits landing late and clock skew).
EDGE_REVOCATION_OVERLAP = float(os.environ.get("EDGE_REVOCATION_OVERLAP", "3"))
# A heartbeat signed further than this from our clock is refused (replays).
EDGE_HEARTBEAT_SKEW = int(os.environ.get("EDGE_HEARTBEAT_SKEW", "60"))
# A zone whose active connections reach this share of its capacity is avoided.
EDGE_OVERLOAD_THRESHOLD = float(os.environ.get("EDGE_OVERLOAD_THRESHOLD", "0.8"))
EDGE_MAX_PATHWAYS = int(os.environ.get("EDGE_MAX_PATHWAYS", "4"))
EDGE_STEERING_TTL = int(os.environ.get("EDGE_STEERING_TTL", "60"))
# The public base URL of this Django site: the origin pathway, and where edges
# post their heartbeats.
EDGE_ORIGIN_URL = os.environ.get("EDGE_ORIGIN_URL", "http://127.0.0.1:8000").rstrip("/")
EDGE_CORS_ORIGINS = env_list("EDGE_CORS_ORIGINS", "*")
# Who may read a runedge's /_edge/status (CIDRs or addresses); this machine
# only by default, like the nginx edge's stub_status.
EDGE_STATUS_FROM = env_list("EDGE_STATUS_FROM", "127.0.0.1,::1")
# A trusted proxy header carrying the viewer's IP (e.g. X-Real-IP); empty: REMOTE_ADDR.
EDGE_CLIENT_IP_HEADER = os.environ.get("EDGE_CLIENT_IP_HEADER", "")
EDGE_CACHE_DIR = Path(os.environ.get("EDGE_CACHE_DIR", VAR_DIR / "edge-cache"))
EDGE_CACHE_MAX_BYTES = int(os.environ.get("EDGE_CACHE_MAX_BYTES", str(2 * 1024**3)))
# Fill hierarchy: on a miss an edge asks the zone peer owning the object,
# then origin. A peer that does not connect within EDGE_PEER_TIMEOUT seconds
# is skipped (straight to origin) for EDGE_PEER_RETRY_SECONDS.
EDGE_PEER_FILL = env_bool("EDGE_PEER_FILL", True)
# A node keeps its own copy of an object fetched from the owning peer from
# its n-th miss there (0: never: the zone's cache is the sum of its nodes').
EDGE_PEER_COPY_AFTER = int(os.environ.get("EDGE_PEER_COPY_AFTER", "0"))
EDGE_PEER_TIMEOUT = float(os.environ.get("EDGE_PEER_TIMEOUT", "1.0"))
EDGE_PEER_RETRY_SECONDS = float(os.environ.get("EDGE_PEER_RETRY_SECONDS", "10"))
# Push fill: each zone's most popular titles over this many days of playback...
EDGE_FILL_POPULARITY_DAYS = int(os.environ.get("EDGE_FILL_POPULARITY_DAYS", "7"))
# ...planned per node within this share of its cache cap...
EDGE_FILL_BUDGET_SHARE = float(os.environ.get("EDGE_FILL_BUDGET_SHARE", "0.8"))
# ...and pulled in this off-peak window (UTC, HH:MM-HH:MM; a zone may set its
# own) at no more than this many megabits per second per node.
EDGE_FILL_WINDOW = os.environ.get("EDGE_FILL_WINDOW", "02:00-06:00")
EDGE_FILL_RATE_MBPS = float(os.environ.get("EDGE_FILL_RATE_MBPS", "1200"))

# --- Transcoding ----------------------------------------------------------------
FFMPEG_BINARY = os.environ.get("FFMPEG_BINARY", "ffmpeg")
FFPROBE_BINARY = os.environ.get("FFPROBE_BINARY", "ffprobe")
# Scratch space for workers; each job step uses its own temporary folder in it.
TRANSCODE_WORK_DIR = os.environ.get("TRANSCODE_WORK_DIR") or None
# Short titles are cut finer so at least this many chunks share the workers.
TRANSCODE_MIN_CHUNKS = int(os.environ.get("TRANSCODE_MIN_CHUNKS", "4"))
# Audio streams of a source kept (one rendition each, in file order); the
# rest are listed as skipped in the admin. Eight covers a film's original,
# its dubs, a commentary and an audio description.
TRANSCODE_MAX_AUDIO_TRACKS = int(os.environ.get("TRANSCODE_MAX_AUDIO_TRACKS", "8"))
# EBU R128 loudness every audio track is normalised to (two-pass loudnorm):
# integrated LUFS, true peak dBTP, loudness range LU. -23 LUFS is the R128
# broadcast norm: films mastered for TV need little or no gain, it leaves
# 22 dB of headroom for their dynamics, and every language and title plays
# at the same level, so switching dub never jumps in volume. (-16 LUFS, the
# loud podcast/music figure, would squash film dynamics against the peak
# limit; Netflix's -27 LKFS is dialog-gated, which ffmpeg does not measure.)
AUDIO_LOUDNESS_TARGET = float(os.environ.get("AUDIO_LOUDNESS_TARGET", "-23"))
AUDIO_TRUE_PEAK = float(os.environ.get("AUDIO_TRUE_PEAK", "-1"))
AUDIO_LOUDNESS_RANGE = float(os.environ.get("AUDIO_LOUDNESS_RANGE", "20"))
# Every worker checks this often for job steps whose messages were lost, and
# asks again for a step asked for this long ago that never began.
TRANSCODE_RECONCILE_SECONDS = float(os.environ.get("TRANSCODE_RECONCILE_SECONDS", "30"))
TRANSCODE_STALE_SECONDS = float(os.environ.get("TRANSCODE_STALE_SECONDS", "120"))
# An ffmpeg run that makes no progress for this long is killed and its
# attempt fails with a reason (then retried), so a frozen encoder never holds
# a chunk "running" for ever.
TRANSCODE_STALL_SECONDS = float(os.environ.get("TRANSCODE_STALL_SECONDS", "120"))
# Largest source we transcode, in source pixels x frames made (frames at the
# output rate, e.g. a field rate after deinterlacing). Cost grows with it:
# about 2.5e-9 CPU-s per pixel-frame for the H.264 ladder (issue 12: 0.17
# CPU-s per 8192x8192 frame), more per extra codec. The default is 4 hours
# of 3840x2160 at 60 fps (7.2e12, about 5 CPU-hours for H.264): every film
# or event we expect fits, while the largest file the probe limits allow
# (8192x8192, 12 hours) is refused instead of taking ~60 CPU-hours. 0: no cap.
TRANSCODE_MAX_PIXEL_FRAMES = int(os.environ.get("TRANSCODE_MAX_PIXEL_FRAMES", str(3840 * 2160 * 60 * 3600 * 4)))
# Start a transcode as soon as a source is uploaded.
TRANSCODE_ON_UPLOAD = env_bool("TRANSCODE_ON_UPLOAD", True)

# --- Subscribers ------------------------------------------------------------------
# Where a payment provider plugs in (see streaming/billing.py).
BILLING_PROVIDER = os.environ.get("BILLING_PROVIDER", "streaming.subscribers.billing.NoPaymentProvider")
# A playback session holds a screen while its last heartbeat is this recent.
PLAYBACK_SESSION_TTL = int(os.environ.get("PLAYBACK_SESSION_TTL", "90"))
# A playback session (and every token issued for it) ends this long after it began.
PLAYBACK_SESSION_LIFETIME = int(os.environ.get("PLAYBACK_SESSION_LIFETIME", str(8 * 3600)))
PLAYBACK_HEARTBEAT_INTERVAL = int(os.environ.get("PLAYBACK_HEARTBEAT_INTERVAL", "10"))
# A paused web player keeps its screen (it goes on beating) this long, then
# lets it go; a session without heartbeats for PLAYBACK_SESSION_TTL has lost
# its screen and its token for good (edges are told to refuse it).
PLAYBACK_PAUSE_HOLD = int(os.environ.get("PLAYBACK_PAUSE_HOLD", "1800"))
# Seconds of video the web player buffers ahead (smaller: less memory, less waste).
PLAYER_MAX_BUFFER_SECONDS = int(os.environ.get("PLAYER_MAX_BUFFER_SECONDS", "60"))
# Sign-in attempts allowed per account+address (and per address) in the window.
LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
LOGIN_MAX_FAILURES_PER_IP = int(os.environ.get("LOGIN_MAX_FAILURES_PER_IP", "30"))
LOGIN_FAILURE_WINDOW = int(os.environ.get("LOGIN_FAILURE_WINDOW", "900"))
# Per account from every address: after this many failures in the account window,
# each attempt waits 1, 2, 4 ... up to LOGIN_ACCOUNT_MAX_DELAY seconds; a device that
# signed in before (its trusted-device proof) is not slowed.
LOGIN_ACCOUNT_FREE_FAILURES = int(os.environ.get("LOGIN_ACCOUNT_FREE_FAILURES", "10"))
LOGIN_ACCOUNT_WINDOW = int(os.environ.get("LOGIN_ACCOUNT_WINDOW", str(24 * 3600)))
LOGIN_ACCOUNT_MAX_DELAY = int(os.environ.get("LOGIN_ACCOUNT_MAX_DELAY", "900"))
LOGIN_TRUSTED_DEVICE_SECONDS = int(os.environ.get("LOGIN_TRUSTED_DEVICE_SECONDS", str(365 * 24 * 3600)))
# hls.js: the vendored copy (static/vendor), served by the site itself, so that
# nothing is fetched from elsewhere at run time. A deployment may set a CDN URL
# (pinned with SRI, HLS_JS_SRI; the vendored copy stays the fallback), e.g.
# https://cdn.jsdelivr.net/npm/hls.js@1.7.4/dist/hls.min.js
HLS_JS_VERSION = "1.7.4"
HLS_JS_CDN_URL = os.environ.get("HLS_JS_CDN_URL", "")
HLS_JS_SRI = "sha384-p9vgU/7IYJWd3I4STrtqxqR/2cAQlhIX7D/HrTnIMEjjcUox165b7se7sxmm3zDg"
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Streaming <no-reply@localhost>")

# --- API ------------------------------------------------------------------------------
# /api/v1/ for mobile apps (streaming/api/): bearer tokens, one error format,
# throttles, CORS, and the OpenAPI schema with offline docs.
REST_FRAMEWORK = {
    # Views name their own authentication (bearer tokens, streaming.core.api.base.ApiView);
    # the default covers DRF pages that do not (the schema views allow anyone).
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "streaming.core.api.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Strict JSON (no NaN/Infinity, bounded nesting); the player's page endpoints use it too.
    "DEFAULT_PARSER_CLASSES": ["streaming.core.api.parsers.StrictJSONParser"],
    "DEFAULT_THROTTLE_RATES": {
        # Per client address (anonymous) or per account; "N/second|minute|hour|day".
        "sign_in": os.environ.get("API_THROTTLE_SIGN_IN", "20/minute"),
        "token_refresh": os.environ.get("API_THROTTLE_REFRESH", "60/minute"),
        "playback_start": os.environ.get("API_THROTTLE_PLAYBACK_START", "30/minute"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# JSON bodies nesting deeper than this are refused with a 400 (no request needs more than a few levels).
API_JSON_MAX_DEPTH = int(os.environ.get("API_JSON_MAX_DEPTH", "32"))
# Access tokens are short-lived; the refresh token (rotated on each use) long-lived.
API_ACCESS_TOKEN_TTL = int(os.environ.get("API_ACCESS_TOKEN_TTL", "900"))
API_REFRESH_TOKEN_TTL = int(os.environ.get("API_REFRESH_TOKEN_TTL", str(30 * 24 * 3600)))
# Staff source uploads: S3 presigned multipart (part size, URL lifetime), or
# resumable chunks into this folder when storage is local.
API_UPLOAD_PART_SIZE = int(os.environ.get("API_UPLOAD_PART_SIZE", str(8 * 1024 * 1024)))
API_UPLOAD_URL_TTL = int(os.environ.get("API_UPLOAD_URL_TTL", str(6 * 3600)))
API_UPLOAD_MAX_BYTES = int(os.environ.get("API_UPLOAD_MAX_BYTES", str(200 * 1024**3)))
API_UPLOAD_TEMP_DIR = Path(os.environ.get("API_UPLOAD_TEMP_DIR", VAR_DIR / "api-uploads"))
# An upload that received nothing for this long is abandoned: its .part file or S3
# multipart upload is removed (at every worker's start, hourly after; or `manage.py uploads_expire`).
API_UPLOAD_EXPIRY_SECONDS = int(os.environ.get("API_UPLOAD_EXPIRY_SECONDS", str(7 * 24 * 3600)))
# CORS for browser-based clients of the API only (e.g. https://app.example.org).
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
# ... and the session manifests those clients fetch (a TV or web app's Shaka
# or hls.js loads /play/t/<token>/manifest.mpd or master.m3u8 cross-origin;
# the token in the path is the credential, no cookie is involved).
CORS_URLS_REGEX = r"^/(api|play/t)/.*$"
CORS_ALLOW_HEADERS = ("accept", "authorization", "content-type", "user-agent", "upload-offset")
CORS_EXPOSE_HEADERS = ("Upload-Offset", "Upload-Length", "Retry-After")
SPECTACULAR_SETTINGS = {
    "TITLE": "Streaming API",
    "VERSION": "1.0.0",
    "DESCRIPTION": (Path(__file__).resolve().parent / "core" / "api" / "schema_description.md").read_text(),
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Links between operations (streaming/core/api/links.py), after the enum hook.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "streaming.core.api.links.links_add"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "APPEND_COMPONENTS": {"securitySchemes": {"edgeNodeHmac": {
        "type": "apiKey", "in": "header", "name": "X-Edge-Signature",
        "description": "Edge nodes only: hex HMAC-SHA256 with the node's secret over "
                       "'<X-Edge-Timestamp>.<raw body>', with X-Edge-Node and X-Edge-Timestamp headers.",
    }}},
    "ENUM_NAME_OVERRIDES": {
        "VideoStatusEnum": "catalog.models.Video.Status",
        "JobStatusEnum": "transcoding.models.TranscodeJob.Status",
        "LadderStatusEnum": "transcoding.models.CodecLadder.Status",
        "VideoCodecEnum": "transcoding.models.Codec",
        "UploadStatusEnum": "catalog.models.SourceUpload.Status",
        "TextTrackKindEnum": "catalog.models.TextTrack.Kind",
        "TitleKindEnum": "catalog.models.Title.Kind",
        "SubscriptionStatusEnum": ["active", "pending", "cancelled"],
    },
}
