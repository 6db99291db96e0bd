"""A real Celery worker process takes a task from a broker and its effect lands in the database.

Every other test runs Celery eagerly (in-process). This one sends a task for real and starts
`celery -A organ_portal worker` as a separate process on the same test database:

* CI (REDIS_URL set, PostgreSQL): the broker is that Redis, and the worker runs with the
  production settings module, configured only through the environment;
* a fresh machine (nothing set, SQLite): kombu's filesystem transport in a temporary folder, so
  the worker is still a separate process that reads the message from a broker. The worker gets a
  small settings module (written to the temporary folder) that adds the transport's folders,
  because settings.py reads no transport options from the environment.

The queue name is unique per run, so a stray worker on the same Redis cannot take the task.
"""

import datetime as dt
import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings
from django.db import connection
from kombu import Exchange, Queue

from apps.orgs.models import HeadcountSnapshot, Unit
from apps.orgs.tasks import headcount_snapshot_task
from organ_portal.celery import app as celery_app
from tests.orgs.factories import BranchFactory, MemberFactory, UnitFactory

BASE_DIR = Path(settings.BASE_DIR)
CELERY = Path(sys.executable).with_name("celery")  # the virtualenv's celery, next to its python
DAY = dt.date(2026, 5, 1)
WAIT_SECONDS = 60


def _database_url(db: dict) -> str:
    """Build a DATABASE_URL (django-environ syntax) for the database this test process uses."""
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    assert db["ENGINE"] == "django.db.backends.postgresql", db["ENGINE"]
    auth = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = quote(db.get("HOST") or "localhost", safe="")  # a socket directory becomes %2F...
    port = f":{db['PORT']}" if db.get("PORT") else ""
    options = db.get("OPTIONS") or {}
    query = f"?{urlencode(options)}" if options else ""
    return f"postgres://{auth}@{host}{port}/{quote(db['NAME'], safe='')}{query}"


def _filesystem_broker(folder: Path) -> tuple[str, dict]:
    """Broker URL and transport options of kombu's filesystem transport in `folder`.

    Producer and consumer share one folder: the producer writes to data_folder_out, the
    worker reads from data_folder_in. The control folder holds the exchange tables
    (the worker's remote-control mailbox), kept out of the project directory.
    """
    queue_folder = folder / "queue"
    processed = folder / "processed"
    control = folder / "control"
    for path in (queue_folder, processed, control):
        path.mkdir(parents=True, exist_ok=True)
    return "filesystem://", {
        "data_folder_in": str(queue_folder),
        "data_folder_out": str(queue_folder),
        "processed_folder": str(processed),
        "store_processed": True,
        "control_folder": str(control),
        "polling_interval": 0.1,
    }


@contextmanager
def _sending_for_real(broker_url: str, transport_options: dict):
    """Turn eager mode off in this process and yield a connection to the broker; restore after."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        with celery_app.connection_for_write(broker_url, transport_options=transport_options) as conn:
            yield conn
    finally:
        celery_app.conf.task_always_eager = eager


def _worker_env(tmp_path: Path, broker_url: str, transport_options: dict) -> dict:
    """Environment of the worker: same test database, real broker, never eager."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=_database_url(connection.settings_dict),
        CELERY_TASK_ALWAYS_EAGER="false",
        DJANGO_DEBUG="true",
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        DJANGO_SETTINGS_MODULE="organ_portal.settings",
        PYTHONPATH=os.pathsep.join(filter(None, [str(BASE_DIR), env.get("PYTHONPATH")])),
        PYTHONUNBUFFERED="1",
    )
    if broker_url.startswith("filesystem://"):
        module = f"worker_settings_{uuid.uuid4().hex}"
        (tmp_path / f"{module}.py").write_text(
            "from organ_portal.settings import *  # noqa\n\n"
            f"CELERY_BROKER_URL = {broker_url!r}\n"
            f"CELERY_BROKER_TRANSPORT_OPTIONS = {transport_options!r}\n",
            encoding="utf-8",
        )
        env["DJANGO_SETTINGS_MODULE"] = module
        for name in ("CELERY_BROKER_URL", "CELERY_BROKER_READ_URL", "CELERY_BROKER_WRITE_URL"):
            env.pop(name, None)  # Celery would prefer these to the module's broker
        env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), env["PYTHONPATH"]])
    else:
        env["CELERY_BROKER_URL"] = broker_url  # Celery reads this variable before any settings
    return env


def _delete_queue(broker_url: str, transport_options: dict, queue: str) -> None:
    """Remove the run's queue, its binding and any message left over (Redis keeps them)."""
    with celery_app.connection_for_write(broker_url, transport_options=transport_options) as conn:
        bound = Queue(queue, Exchange(queue, type="direct"), routing_key=queue)(conn.default_channel)
        bound.declare()  # a fresh connection knows no bindings; declaring registers it to delete it
        bound.delete()


def _snapshots() -> dict[int, tuple[int, int]]:
    return {s.unit_id: (s.members, s.branches) for s in HeadcountSnapshot.objects.filter(date=DAY)}


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)  # committed rows: the worker is another process
def test_worker_process_runs_task_from_broker(tmp_path):
    # Arrange: unit A has 2 branches with 3 + 1 members, unit B 1 branch with 2 members.
    unit_a, unit_b = UnitFactory(), UnitFactory()
    branch_a1, branch_a2 = BranchFactory(unit=unit_a), BranchFactory(unit=unit_a)
    branch_b = BranchFactory(unit=unit_b)
    MemberFactory.create_batch(3, branch=branch_a1)
    MemberFactory(branch=branch_a2)
    MemberFactory.create_batch(2, branch=branch_b)
    expected = {unit_a.pk: (4, 2), unit_b.pk: (2, 1)}

    if settings.REDIS_URL:
        broker_url, transport_options = settings.REDIS_URL, {}
    else:
        broker_url, transport_options = _filesystem_broker(tmp_path / "broker")
    queue = f"test-worker-{uuid.uuid4().hex}"

    # Act 1: send the task before any worker runs; nothing may happen in this process.
    with _sending_for_real(broker_url, transport_options) as conn:
        result = headcount_snapshot_task.apply_async(args=[DAY.isoformat()], queue=queue, connection=conn)
        waiting = conn.default_channel.queue_declare(queue=queue, passive=True).message_count
    assert waiting == 1  # the message sits in the broker ...
    assert _snapshots() == {}  # ... and nothing ran here

    # Act 2: a worker process consumes that queue only.
    log_path = tmp_path / "worker.log"
    command = [
        str(CELERY),
        "-A",
        "organ_portal",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "-Q",
        queue,
        "--loglevel=INFO",
        "--hostname",
        f"{queue}@%h",
        "--without-mingle",
        "--without-gossip",
        "--without-heartbeat",
    ]
    succeeded = f"Task apps.orgs.tasks.headcount_snapshot_task[{result.id}] succeeded"
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=_worker_env(tmp_path, broker_url, transport_options),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline and worker.poll() is None:
            if succeeded in log_path.read_text(encoding="utf-8", errors="replace"):
                break
            time.sleep(0.2)
        worker_log = log_path.read_text(encoding="utf-8", errors="replace")

        # Assert: the worker (not this process) ran the task, and its rows are committed.
        assert worker.poll() is None, f"worker exited with {worker.returncode}"
        assert succeeded in worker_log, f"no '{succeeded}' within {WAIT_SECONDS} s"
        snapshots = _snapshots()
        assert set(snapshots) == set(Unit.objects.filter(active=True).values_list("pk", flat=True))
        assert {pk: snapshots[pk] for pk in expected} == expected
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=5)
        # Shown by pytest only when the test fails.
        print(f"--- worker ({' '.join(command)}) exit {worker.returncode} ---")
        print(log_path.read_text(encoding="utf-8", errors="replace"))
        _delete_queue(broker_url, transport_options, queue)
