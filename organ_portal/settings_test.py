"""Test settings: the real settings, with a fast hasher and eager Celery.

DATABASE_URL decides SQLite (unset) or PostgreSQL (set), as in production.
Tests that exercise the real broker start their own worker (tests/core/test_celery_worker.py).
"""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-key-" + "x" * 40)

from .settings import *  # noqa: E402,F403
from .settings import DATABASES, MEDIA_ROOT  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
MEDIA_ROOT = MEDIA_ROOT.parent / "test-media"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
LOGGING = {"version": 1, "disable_existing_loggers": False}

# SQLite: a test database in a file, not Django's in-memory default, so that the real
# Celery worker started by tests/core/test_celery_worker.py (another process) sees it.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One file per pytest process, so parallel runs (and xdist workers) never share it.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"organ_portal-test-{os.getpid()}.sqlite3")
    }
