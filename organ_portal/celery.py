"""Celery app and beat schedule (the schedule is code, not database rows)."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "organ_portal.settings")

app = Celery("organ_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Task defaults for any task not declared with apps.core.tasks.portal_task (which sets these and more): acked
# when done (CELERY_TASK_ACKS_LATE), handed back when the worker process dies or loses the broker mid-task.
app.conf.task_reject_on_worker_lost = True
app.conf.worker_cancel_long_running_tasks_on_connection_loss = True

# Times are Asia/Shanghai (CELERY_TIMEZONE). Frequent jobs carry `expires` so a
# worker that was down does not run a pile of stale copies when it comes back.
app.conf.beat_schedule = {
    # Stored verdicts (partylife.compliance.store): the years of yesterday and today for every unit, before the
    # nightly rankings read them.
    "partylife-verdicts-nightly": {
        "task": "apps.partylife.tasks.refresh_verdicts_nightly_task",
        "schedule": crontab(hour=0, minute=20),
        "options": {"expires": 6 * 3600},
    },
    "orgs-headcount-snapshot-daily": {
        "task": "apps.orgs.tasks.headcount_snapshot_task",
        "schedule": crontab(hour=1, minute=10),
        "options": {"expires": 6 * 3600},
    },
    "partylife-reminders-daily": {
        "task": "apps.partylife.tasks.send_reminders_task",
        "schedule": crontab(hour=8, minute=0),
        "options": {"expires": 4 * 3600},
    },
    "partylife-staged-evidence-purge-daily": {
        "task": "apps.partylife.tasks.purge_staged_evidence_task",
        "schedule": crontab(hour=3, minute=20),
        "options": {"expires": 6 * 3600},
    },
    "study-snapshots-nightly": {
        "task": "apps.study.tasks.refresh_snapshots_task",
        "schedule": crontab(hour=2, minute=30),
        "options": {"expires": 6 * 3600},
    },
    "study-close-expired-attempts": {
        "task": "apps.study.tasks.close_expired_attempts_task",
        "schedule": crontab(minute="*/10"),
        "options": {"expires": 9 * 60},
    },
    "discipline-reminders-daily": {
        "task": "apps.discipline.tasks.send_reminders_task",
        "schedule": crontab(hour=8, minute=15),
        "options": {"expires": 4 * 3600},
    },
    # Provisional rankings of the current month, quarter and year, as of yesterday (a duplicate tick finds the
    # first run); the first night after a period ends this is its final run.
    "scoring-nightly-runs": {
        "task": "apps.scoring.tasks.nightly_runs_task",
        "schedule": crontab(hour=1, minute=40),
        "options": {"expires": 6 * 3600},
    },
    "core-audit-purge-daily": {
        "task": "apps.core.audit.tasks.purge_audit_entries_task",
        "schedule": crontab(hour=3, minute=40),
        "options": {"expires": 6 * 3600},
    },
    "core-job-files-purge-daily": {
        "task": "apps.core.jobs.purge_job_files_task",
        "schedule": crontab(hour=3, minute=50),
        "options": {"expires": 6 * 3600},
    },
    "orgs-expired-tokens-purge-daily": {
        "task": "apps.orgs.tasks.purge_expired_tokens_task",
        "schedule": crontab(hour=3, minute=55),
        "options": {"expires": 6 * 3600},
    },
    "core-trash-purge-daily": {
        "task": "apps.core.trash.purge_trash_task",
        "schedule": crontab(hour=3, minute=58),
        "options": {"expires": 6 * 3600},
    },
    "study-reminders-daily": {
        "task": "apps.study.tasks.send_reminders_task",
        "schedule": crontab(hour=8, minute=30),
        "options": {"expires": 4 * 3600},
    },
}
