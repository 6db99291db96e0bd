#!/bin/sh
# Container entrypoint: wait for the database, migrate (only where MIGRATE_ON_START=true,
# i.e. the web service), then exec the command (gunicorn, celery worker/beat, manage.py …).
set -eu

# Compose already waits for the postgres healthcheck; this covers restarts and an external
# database. Django's own connection code is used, so any DATABASE_URL works.
python - <<'PY'
import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "organ_portal.settings")
django.setup()

from django.db import connection
from django.db.utils import OperationalError

deadline = time.monotonic() + int(os.environ.get("DB_WAIT_SECONDS", "60"))
while True:
    try:
        connection.ensure_connection()
        break
    except OperationalError as exc:
        if time.monotonic() > deadline:
            sys.exit(f"entrypoint: database not reachable: {exc}")
        print("entrypoint: waiting for the database …", flush=True)
        time.sleep(2)
connection.close()
PY

# Only one service migrates, so two containers never run the same migration at once.
if [ "${MIGRATE_ON_START:-false}" = "true" ]; then
    python manage.py migrate --noinput
fi

exec "$@"
