"""The demo city for the tests that examine it (tests/<app>/test_demo.py): seeded once per module, committed,
with its files in a media folder of its own (not pytest's tmp_path, which a concurrent session may prune), and
wiped afterwards. `seed_demo --only <app>` seeds the app and what it builds on, nothing more.

Wiped, not reset: the tables are emptied as a transactional test's teardown does (TRUNCATE on PostgreSQL) and
the migration-seeded defaults put back — seconds, where the demo's own reset deletes row by row (its reset is
tested by each app's reset test)."""

from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager
from io import StringIO

from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from apps.core import default_data


@contextmanager
def demo_city(django_db_blocker, *args: str):
    """`seed_demo *args` (committed); yields the command's output and the media folder; resets on the way out."""
    root = tempfile.mkdtemp(prefix="organ_portal-demo-media-")
    media = override_settings(MEDIA_ROOT=root)
    media.enable()
    out = StringIO()
    try:
        with django_db_blocker.unblock():
            call_command("seed_demo", *args, stdout=out)
        yield out.getvalue(), root
    finally:
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0)
            with transaction.atomic():
                default_data.load_all()
        media.disable()
        shutil.rmtree(root, ignore_errors=True)
