"""Settings, every one read from the environment (12-factor) with safe demo defaults.

No environment at all gives the zero-setup demo: SQLite, debug on, in-process
(eager) Celery, local-memory cache. Set DATABASE_URL / REDIS_URL for PostgreSQL and
a real broker; with DATABASE_URL set, debug is off by default and DJANGO_SECRET_KEY
and DJANGO_ALLOWED_HOSTS are needed. See README "配置 / Configuration".
"""

import warnings
from datetime import date, timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# No environment at all is the demo (SQLite, debug on, a demo key); as soon as a real
# database is configured, debug is off unless DJANGO_DEBUG says otherwise, and a
# DJANGO_SECRET_KEY is required.
DEBUG = env.bool("DJANGO_DEBUG", default=not env.str("DATABASE_URL", default=""))
# The demo key is only accepted with DEBUG on; production must set its own.
_DEMO_KEY = "demo-only-insecure-key-set-DJANGO_SECRET_KEY-in-production"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=_DEMO_KEY if DEBUG else "")
if not SECRET_KEY:
    raise environ.ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

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
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "simple_history",
    "axes",
    "apps.core",
    "apps.orgs",
    "apps.study",
    "apps.partylife",
    "apps.discipline",
    "apps.scoring",
    "apps.dashboards",
    "apps.demo",  # last: seed_demo runs the demo steps every app above registers
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise (static files keep their caching): CSP, no-store on API and downloads, no Server.
    "apps.core.security.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.orgs.middleware.PasswordPolicyMiddleware",
    "apps.core.audit.AuditContextMiddleware",  # who and from where, for the audit trail (留痕)
    "apps.core.request_cache.RequestCacheMiddleware",  # reads repeated within one GET run once
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as axes asks: it sees the response of a refused login (apps.orgs.auth.lockout_response).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "organ_portal.urls"

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
                "apps.orgs.context_processors.scope",
                "apps.core.context_processors.notifications",
            ],
        },
    },
]

WSGI_APPLICATION = "organ_portal.wsgi.application"

# --- Database: SQLite demo by default, PostgreSQL via DATABASE_URL ------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache and Celery broker when REDIS_URL is set -----------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="organ_portal")

# --- Auth ------------------------------------------------------------------------
AUTH_USER_MODEL = "orgs.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked account or address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
GUARDIAN_USER_OBJ_PERMS_MODEL = "guardian.UserObjectPermission"
GUARDIAN_MONKEY_PATCH_USER = False
ANONYMOUS_USER_NAME = None  # no guardian anonymous user: anonymous sees nothing

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "apps.orgs.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# 等保 2.0 baseline (SOURCES.md): lockout, password age, idle logout.
PORTAL_LOGIN_MAX_FAILURES = env.int("PORTAL_LOGIN_MAX_FAILURES", default=5)
PORTAL_LOGIN_LOCKOUT = timedelta(minutes=env.int("PORTAL_LOGIN_LOCKOUT_MINUTES", default=30))
# One client address has its own, higher limit (0 turns the per-address lockout off). A whole
# unit's office often reaches the portal through one NAT address: with the account's limit of 5
# there, one person's typos (or one malicious colleague) would lock every colleague out for half
# an hour. 30 failures within the lockout period, from accounts that did not then log in, is no
# office's typing any more but someone trying passwords across accounts (password spraying).
PORTAL_LOGIN_MAX_FAILURES_PER_ADDRESS = env.int("PORTAL_LOGIN_MAX_FAILURES_PER_ADDRESS", default=30)
PORTAL_PASSWORD_MAX_AGE = timedelta(days=env.int("PORTAL_PASSWORD_MAX_AGE_DAYS", default=90))

SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True  # idle timeout: each request extends the session
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# The lockout is django-axes' (apps/orgs/lockout.py): the login page, the API token endpoint and
# the admin login all authenticate through AxesStandaloneBackend, so they share one count.
AXES_HANDLER = "apps.orgs.auth.PortalAxesHandler"  # axes' database handler + the login audit
AXES_FAILURE_LIMIT = PORTAL_LOGIN_MAX_FAILURES
AXES_COOLOFF_TIME = PORTAL_LOGIN_LOCKOUT
# Per account, and per address against its own limit (PortalAxesHandler.get_failures).
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"] if PORTAL_LOGIN_MAX_FAILURES_PER_ADDRESS else ["username"]
if not PORTAL_LOGIN_MAX_FAILURES_PER_ADDRESS:
    SILENCED_SYSTEM_CHECKS = ["axes.W006"]  # the per-address lockout was turned off on purpose
AXES_RESET_ON_SUCCESS = True  # a login forgets that account's failures (only its own: PortalAxesHandler)
# Attempts refused during a lockout neither count nor extend it: the lock ends on time.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_DISABLE_ACCESS_LOG = True  # LoginEvent is the login audit; no second log
AXES_LOCKOUT_CALLABLE = "apps.orgs.auth.lockout_response"  # each door shows its own Chinese message
AXES_VERBOSE = False  # no banner on every manage.py command; failures are still logged
AXES_COOLOFF_MESSAGE = "登录失败次数过多，账号已锁定，请稍后再试，或联系管理员解锁。"
# The client address of the lockout and the login audit (apps.orgs.auth.client_ip): REMOTE_ADDR, unless
# the request came from one of PORTAL_TRUSTED_PROXIES (addresses or networks, e.g. 10.0.0.5,172.16.0.0/12)
# and PORTAL_TRUSTED_PROXY_HEADER names the header it sets (HTTP_X_FORWARDED_FOR, HTTP_X_REAL_IP). From
# any other address the header is ignored: a client cannot choose the address it is counted under.
AXES_CLIENT_IP_CALLABLE = "apps.orgs.auth.client_ip"
PORTAL_TRUSTED_PROXY_HEADER = env.str("PORTAL_TRUSTED_PROXY_HEADER", default="")
PORTAL_TRUSTED_PROXIES = env.list("PORTAL_TRUSTED_PROXIES", default=[])

# API tokens (apps/orgs/tokens.py) expire; a password change revokes them.
PORTAL_API_TOKEN_TTL_DAYS = env.int("PORTAL_API_TOKEN_TTL_DAYS", default=7)
# The Django admin (/django-admin/) logs in through the same lockout and audit as the portal;
# PORTAL_ADMIN_ENABLED=false takes it off the site altogether.
PORTAL_ADMIN_ENABLED = env.bool("PORTAL_ADMIN_ENABLED", default=True)

# --- Security (on by default outside DEBUG; each can be turned off by env) ------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Content-Security-Policy of every response (apps.core.security): everything from the portal itself.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}
# Where every answer is `Cache-Control: no-store` (downloads get it wherever they are).
SECURITY_NO_STORE_PATHS = ["/api/"]

# --- Locale ----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media --------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "DJANGO_STATICFILES_STORAGE",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
if DEBUG:  # runserver and tests serve from the finders; no collectstatic output is expected
    warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")
# Uploaded evidence is never served from a public URL: every file goes through a
# view that checks the user's scope first. MEDIA_URL exists for Django's sake only.
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media-not-served/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# --- Email (optional; notifications are in-app first) ------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="organ-portal@localhost")

# --- API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Both under the password rule of every page; tokens expire and are revoked (apps/orgs/tokens.py).
        # The token class first: its WWW-Authenticate header makes a bad token (or none) a 401, not a 403.
        "apps.orgs.tokens.PortalTokenAuthentication",
        "apps.orgs.tokens.PortalSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "apps.orgs.api_scoping.ScopeFilterBackend",
        "apps.orgs.api_scoping.ScopedFilterSetBackend",
        "apps.orgs.api_scoping.SafeSearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.CappedPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "模范机关创建管理平台 API",
    "DESCRIPTION": "organ_portal 接口。所有列表均按当前用户的可见范围过滤。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation documents its 400/401/403/404 answers (apps/core/schema.py); enums as by default.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.core.schema.document_error_answers",
    ],
    # One name per choice set shared by several fields (a rectification's status, from_status, to_status …).
    "ENUM_NAME_OVERRIDES": {
        "RectificationStatusEnum": "apps.discipline.models.RectificationStatus",
        "ReportStatusEnum": "apps.discipline.models.ReportStatus",
        "TierEnum": "apps.scoring.models.Tier",  # a result's tier, its tier by score, a veto's cap
    },
}

SIMPLE_HISTORY_HISTORY_ID_USE_UUID = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    # axes logs every reset at INFO ("Reset 0 access attempts"); lockouts are WARNING and still shown.
    "loggers": {"axes": {"level": env.str("AXES_LOG_LEVEL", default="WARNING")}},
}

# Portal domain settings (defaults; the year-by-year values live in tables).
PORTAL_YOUTH_MAX_AGE = env.int("PORTAL_YOUTH_MAX_AGE", default=35)
PORTAL_PAGE_SIZE = 20
# A list page counts at most this many rows for its pager (apps.core.listing.CappedPaginator).
PORTAL_LIST_COUNT_CAP = env.int("PORTAL_LIST_COUNT_CAP", default=10_000)
# Audit trail (留痕) kept this many days; 网络安全法 第二十一条 asks for six months, so never under 180.
PORTAL_AUDIT_RETENTION_DAYS = max(env.int("PORTAL_AUDIT_RETENTION_DAYS", default=365), 180)
# Deleted records wait this many days in the trash (回收站, the committee may restore them), then are purged.
PORTAL_TRASH_RETENTION_DAYS = max(env.int("PORTAL_TRASH_RETENTION_DAYS", default=365), 1)
# Evidence uploads (佐证材料): images and PDFs up to this size (set the web server's body limit to match).
PORTAL_EVIDENCE_MAX_BYTES = env.int("PORTAL_EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024)
# The city's platform start date until the committee sets one (平台设置): earlier windows are not judged.
PORTAL_PLATFORM_START = date.fromisoformat(env.str("PORTAL_PLATFORM_START", default="2018-01-01"))
# The earliest day a record (activity, make-up …) may be dated; later days up to a year ahead are accepted.
PORTAL_EARLIEST_RECORD_DATE = date.fromisoformat(env.str("PORTAL_EARLIEST_RECORD_DATE", default="2018-01-01"))
PORTAL_NOTIFY_BY_EMAIL = env.bool("PORTAL_NOTIFY_BY_EMAIL", default=False)
# Background jobs (我的任务, apps/core/jobs.py): an export of more rows than this runs in a Celery worker and the
# user downloads the file from the job page; a roster import of more rows than PORTAL_IMPORT_JOB_ROWS likewise.
# A job's file is removed after PORTAL_JOB_FILE_DAYS days (a daily task).
PORTAL_EXPORT_JOB_ROWS = env.int("PORTAL_EXPORT_JOB_ROWS", default=20_000)
PORTAL_IMPORT_JOB_ROWS = env.int("PORTAL_IMPORT_JOB_ROWS", default=500)
PORTAL_JOB_FILE_DAYS = max(env.int("PORTAL_JOB_FILE_DAYS", default=7), 1)
