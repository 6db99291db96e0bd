"""Background jobs (我的任务): long imports and exports run by a Celery worker, with progress, for one user.

An app registers a kind in `ready()` (or at import of the module that defines it):

    jobs.register("orgs.roster_import", run=run_roster_import, result_template="orgs/includes/roster_result.html")

and starts one from a view: `job = jobs.start(user=request.user, kind=..., params={...}, title="导入党员名册")`,
then redirects to `job.get_absolute_url()`. `start` stores the row (排队中) and, once the transaction commits,
sends one `run_job_task` (a `portal_task`: acked late, retried on transient faults, locked per job id).

`run(job_id)` is what the task does. A job already finished is left alone, so a redelivered message does
nothing; a job found running (its worker died) starts again from the beginning: progress reset, any file of
the earlier attempt deleted, so one job never keeps two files. The kind's `run(ctx)` reports progress through
`ctx` (`ctx.total(n)`, `ctx.advance()`, `ctx.track(rows)`; saved every `PROGRESS_EVERY` rows), may write its
file at `ctx.temp_path(...)`, and returns an `Outcome`. A `JobError`, `SheetError`, `ValidationError` or
`PermissionDenied` fails the job with its Chinese message; any other error fails it with a general message
(and is logged). Either way the owner is notified once, with a link to the job page.

A kind that writes in one transaction (the roster import) calls `ctx.finish_in(outcome)` inside it: the job's
done state is then committed with its rows, so a copy of the message that arrives later finds it done.
Progress saved inside a transaction goes through a second database connection on PostgreSQL (so the job
page sees it); on SQLite, where the job runs in-process anyway, it is kept for the end.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from .excel import SheetError
from .models import Job, JobState
from .notifications import Message, notify
from .tasks import TRANSIENT, portal_task

__all__ = ["TRANSIENT", "JobContext", "JobError", "Outcome", "jobs_for", "register", "run", "start"]

log = logging.getLogger(__name__)

#: Progress is saved every this many rows (and at the end).
PROGRESS_EVERY = 500
GENERAL_FAILURE = "任务执行出错，未产生任何结果。请稍后重新发起；如仍失败，请联系系统管理员。"


class JobError(Exception):
    """A job that cannot finish for a reason the user can act on; the message is shown, in Chinese."""


@dataclass
class Outcome:
    """What a finished job leaves: a message, a result (JSON: an import's counts and row errors) and a file."""

    message: str = ""
    result: dict | None = None
    file_path: Path | None = None
    file_name: str = ""
    failed: bool = False  # finished, but as a failure the user must fix (an import whose rows have problems)


@dataclass(frozen=True)
class Kind:
    key: str
    run: Callable[[JobContext], Outcome]
    result_template: str = ""  # how the job page shows `job.result`


_KINDS: dict[str, Kind] = {}


def register(key: str, *, run: Callable[[JobContext], Outcome], result_template: str = "") -> Kind:
    """Declare a kind of job; registering the same kind again (a re-run of ready()) replaces it."""
    kind = Kind(key=key, run=run, result_template=result_template)
    _KINDS[key] = kind
    return kind


def kind_of(job: Job) -> Kind | None:
    return _KINDS.get(job.kind)


def start(*, user, kind: str, params: dict, title: str) -> Job:
    """Store a queued job for `user` and send its task once the surrounding transaction commits."""
    if kind not in _KINDS:
        raise ValueError(f"unknown job kind {kind}")
    job = Job.objects.create(owner=user, kind=kind, params=params, title=title[:200], message="等待后台处理…")
    transaction.on_commit(lambda: run_job_task.delay(job.pk))
    return job


def jobs_for(user):
    """The user's own jobs, newest first; nobody sees anyone else's."""
    if not user.is_authenticated:
        return Job.objects.none()
    return Job.objects.filter(owner=user).order_by("-created_at", "-id")


# --- running ------------------------------------------------------------------------------------------------


class JobContext:
    """What a kind's `run` gets: the job, progress reporting, a temporary folder for its file."""

    def __init__(self, job: Job, folder: Path):
        self.job = job
        self.folder = folder
        self._done = 0
        self._total: int | None = None
        self._saved_at = 0
        self._depth = len(connection.atomic_blocks)  # transactions open before the kind ran (a test's, say)
        self.finished = False  # set by finish_in()

    @property
    def done(self) -> int:
        return self._done

    @property
    def params(self) -> dict:
        return self.job.params

    def total(self, n: int | None, *, message: str | None = None) -> None:
        self._total = n
        self._save(message=message)

    def stage(self, message: str) -> None:
        """Say what the job is doing now (读取文件, 逐行检查, 写入)."""
        self._save(message=message)

    def advance(self, n: int = 1) -> None:
        self._done += n
        if self._done - self._saved_at >= PROGRESS_EVERY:
            self._save()

    def track(self, rows: Iterable) -> Iterator:
        """Yield the rows, counting each one as done."""
        for row in rows:
            yield row
            self.advance()
        self._save()

    def temp_path(self, name: str) -> Path:
        """A path in the job's temporary folder (removed when the job ends)."""
        return self.folder / name

    def finish_in(self, outcome: Outcome) -> None:
        """Mark the job finished inside the caller's transaction (committed with the rows it wrote)."""
        _finish(self.job, outcome, done=self._done, total=self._total)
        self.finished = True

    def _save(self, *, message: str | None = None) -> None:
        self._saved_at = self._done
        values = {"done": self._done, "total": self._total}
        if message is not None:
            values["message"] = message[:500]
        _save_progress(self.job.pk, values, in_kind_transaction=len(connection.atomic_blocks) > self._depth)


def _save_progress(job_id: int, values: dict, *, in_kind_transaction: bool) -> None:
    """Update the job row so the page sees it now. Inside a transaction the kind opened: on PostgreSQL through
    a second connection (autocommit); on SQLite not at all (one writer; the final save says it)."""
    if not in_kind_transaction:
        Job.objects.filter(pk=job_id).update(**values)
        return
    if connection.vendor != "postgresql":
        return
    side = connections.create_connection(connection.alias)  # a connection of its own, outside the transaction
    try:
        sets = ", ".join(f"{name} = %s" for name in values)
        with side.cursor() as cursor:
            cursor.execute(f"UPDATE {Job._meta.db_table} SET {sets} WHERE id = %s", [*values.values(), job_id])
    except DatabaseError:  # progress is a courtesy: the job goes on, its end is saved with its rows
        log.warning("job %s: progress not saved", job_id, exc_info=True)
    finally:
        side.close()


def run(job_id: int) -> Job | None:
    """Run one job to its end; None when there is no such job, the job itself when it was already finished."""
    job = Job.objects.select_related("owner").filter(pk=job_id).first()
    if job is None or not job.is_active:
        return job
    kind = kind_of(job)
    _restart(job)
    folder = Path(tempfile.mkdtemp(prefix=f"portal-job-{job.pk}-"))
    ctx = JobContext(job, folder)
    try:
        if kind is None:
            raise JobError("不支持的任务类型，请重新发起。")
        if not job.owner.is_active:
            raise JobError("发起人的账号已停用，任务未执行。")
        outcome = kind.run(ctx)
        if not ctx.finished:
            _finish(job, outcome, done=ctx._done, total=ctx._total)
    except TRANSIENT:
        raise  # retried by the task (acks late); the next attempt starts again
    except (JobError, SheetError, PermissionDenied) as exc:
        _finish(job, Outcome(message=str(exc) or GENERAL_FAILURE, failed=True), done=ctx._done, total=ctx._total)
    except ValidationError as exc:
        _finish(job, Outcome(message="；".join(exc.messages), failed=True), done=ctx._done, total=ctx._total)
    except Exception:
        log.exception("job %s (%s) failed", job.pk, job.kind)
        _finish(job, Outcome(message=GENERAL_FAILURE, failed=True), done=ctx._done, total=ctx._total)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    job.refresh_from_db()
    return job


def _restart(job: Job) -> None:
    """Claim the job for this attempt: running, progress from zero, any file of an earlier attempt gone."""
    if job.file:
        job.file.storage.delete(job.file.name)
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING,
        started_at=now,
        done=0,
        total=None,
        message="正在处理…",
        result=None,
        file="",
        file_name="",
        attempts=job.attempts + 1,
    )
    job.state, job.started_at, job.done, job.total, job.file = JobState.RUNNING, now, 0, None, ""
    job.attempts += 1


def _finish(job: Job, outcome: Outcome, *, done: int, total: int | None) -> None:
    """Store the end of a job (its file in private storage) and tell its owner, once."""
    values = {
        "state": JobState.FAILED if outcome.failed else JobState.DONE,
        "finished_at": timezone.now(),
        "done": done,
        "total": total,
        "message": (outcome.message or "")[:500],
        "result": outcome.result,
    }
    if outcome.file_path is not None and not outcome.failed:
        name = f"{job.pk}{outcome.file_path.suffix}"
        job.file.storage.delete(job.file.field.generate_filename(job, name))  # a file left by a killed attempt
        with open(outcome.file_path, "rb") as handle:
            job.file.save(name, File(handle), save=False)
        values.update(file=job.file.name, file_name=outcome.file_name[:200])
    failed = outcome.failed
    message = Message(
        user_id=job.owner_id,
        title=f"{job.title}{'失败' if failed else '已完成'}",
        body=values["message"],
        url=job.get_absolute_url(),
        category="job",
        dedupe_key=f"job:{job.pk}",
    )
    with transaction.atomic():  # the page shows the job finished when its notification is there too
        Job.objects.filter(pk=job.pk).update(**values)
        notify([message])


@portal_task(lock=lambda job_id: str(job_id))
def run_job_task(job_id: int) -> str:
    job = run(job_id)
    return "missing" if job is None else job.state


# --- files expire ----------------------------------------------------------------------------------------------


def purge_expired_files(*, now: dt.datetime | None = None) -> int:
    """Delete the files of jobs finished more than PORTAL_JOB_FILE_DAYS ago (the rows stay); how many."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.PORTAL_JOB_FILE_DAYS)
    removed = 0
    for job in Job.objects.filter(finished_at__lt=cutoff).exclude(file=""):
        job.file.storage.delete(job.file.name)
        Job.objects.filter(pk=job.pk).update(file="")
        removed += 1
    return removed


@portal_task(lock=lambda: "core.jobs.purge")
def purge_job_files_task() -> int:
    """Daily (beat): remove expired job files. Idempotent."""
    return purge_expired_files()
