"""A real Celery worker process for the tests that need one (`@pytest.mark.broker`).

Every other test runs Celery eagerly (in-process). These helpers send a task for real and start
`celery -A organ_portal worker` as a separate process on the same test database:

* CI (REDIS_URL set, PostgreSQL): the broker is that Redis, and the worker runs with the
  production settings module, configured only through the environment;
* a fresh machine (nothing set, SQLite): kombu's filesystem transport in a temporary folder, so
  the worker is still a separate process that reads the message from a broker. The worker gets a
  small settings module (written to the temporary folder) that adds the transport's folders,
  because settings.py reads no transport options from the environment.

Each test uses a queue of its own (`worker(...)` names it), so a stray worker on the same Redis cannot take
its task.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import connection
from kombu import Exchange, Queue

from organ_portal.celery import app as celery_app

BASE_DIR = Path(settings.BASE_DIR)
CELERY = Path(sys.executable).with_name("celery")  # the virtualenv's celery, next to its python
WAIT_SECONDS = 60


def database_url(db: dict) -> str:
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


def filesystem_broker(folder: Path) -> tuple[str, dict]:
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
def sending_for_real(broker_url: str, transport_options: dict):
    """Turn eager mode off in this process and yield a connection to the broker; restore after."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        with celery_app.connection_for_write(broker_url, transport_options=transport_options) as conn:
            yield conn
    finally:
        celery_app.conf.task_always_eager = eager


def worker_env(tmp_path: Path, broker_url: str, transport_options: dict) -> dict:
    """Environment of the worker: same test database, real broker, never eager."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url(connection.settings_dict),
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


def delete_queue(broker_url: str, transport_options: dict, queue: str) -> None:
    """Remove the run's queue, its binding and any message left over (Redis keeps them)."""
    with celery_app.connection_for_write(broker_url, transport_options=transport_options) as conn:
        bound = Queue(queue, Exchange(queue, type="direct"), routing_key=queue)(conn.default_channel)
        bound.declare()  # a fresh connection knows no bindings; declaring registers it to delete it
        bound.delete()


@dataclass
class Broker:
    url: str
    options: dict
    queue: str


def broker(tmp_path: Path, prefix: str = "test") -> Broker:
    """The broker of this run (Redis in CI, kombu's filesystem transport otherwise) and a queue of the test's own."""
    if settings.REDIS_URL:
        url, options = settings.REDIS_URL, {}
    else:
        url, options = filesystem_broker(tmp_path / "broker")
    return Broker(url=url, options=options, queue=f"{prefix}-{uuid.uuid4().hex}")


@dataclass
class Worker:
    process: subprocess.Popen
    log_path: Path
    command: list[str]

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, done: Callable[[], bool], *, seconds: float = WAIT_SECONDS, every: float = 0.2) -> bool:
        """Poll `done()` until it holds, the worker exits or the time is up; whether it held."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.process.poll() is None:
            if done():
                return True
            time.sleep(every)
        return done()


@contextmanager
def worker(tmp_path: Path, via: Broker, *, include: tuple[str, ...] = ()) -> Iterator[Worker]:
    """A `celery worker` process consuming `via.queue` only; stopped, its log printed (pytest shows it when the
    test fails) and the queue deleted on the way out. `include`: modules the worker imports too (a test-only
    metric, say)."""
    log_path = tmp_path / "worker.log"
    command = [
        str(CELERY), "-A", "organ_portal", "worker", "--pool=solo", "--concurrency=1", "-Q", via.queue,
        "--loglevel=INFO", "--hostname", f"{via.queue}@%h", "--without-mingle", "--without-gossip",
        "--without-heartbeat",
    ]  # fmt: skip
    if include:
        command += ["--include", ",".join(include)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=worker_env(tmp_path, via.url, via.options),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    running = Worker(process=process, log_path=log_path, command=command)
    try:
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        print(f"--- worker ({' '.join(command)}) exit {process.returncode} ---")
        print(running.log())
        delete_queue(via.url, via.options, via.queue)
