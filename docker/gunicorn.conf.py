"""Gunicorn settings for the web container (docker-compose.yml); each can be changed by env."""

import os

bind = "0.0.0.0:8000"
# Synchronous workers: the pages are short database reads; Excel exports stream.
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))  # big Excel imports/exports
graceful_timeout = 30
# Recycle workers now and then, so a slow leak never grows without bound.
max_requests = 1000
max_requests_jitter = 100
# Heartbeat files in memory: /tmp of a container can sit on a slow overlay filesystem.
worker_tmp_dir = "/dev/shm"
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
