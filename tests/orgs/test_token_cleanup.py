"""Expired API tokens are deleted 30 days after they expire, by a daily portal task on the beat schedule."""

import datetime as dt

from django.utils import timezone

from apps.core.models import AuditEntry
from apps.orgs import tokens
from apps.orgs.models import ApiToken
from apps.orgs.tasks import purge_expired_tokens_task
from organ_portal.celery import app


def _token(user, *, expired_days_ago: float, created_days_ago: float | None = None, revoked=False) -> ApiToken:
    now = timezone.now()
    created = now - dt.timedelta(days=created_days_ago if created_days_ago is not None else expired_days_ago + 1)
    token, _ = tokens.issue(user=user, now=created)
    token.expires_at = now - dt.timedelta(days=expired_days_ago)
    if revoked:
        token.revoked_at = created
    token.save()
    return token


def test_tokens_expired_over_30_days_ago_are_deleted_and_the_rest_kept(side_a, side_b, settings):
    settings.PORTAL_API_TOKEN_TTL_DAYS = 30
    a, b = side_a.unit_secretary, side_b.unit_secretary
    old = [
        _token(a, expired_days_ago=31),
        _token(b, expired_days_ago=400),
        _token(a, expired_days_ago=45, revoked=True),
        # Not past its stored expiry, but past the TTL in force now (shortened after it was issued) by 31 days.
        _token(b, expired_days_ago=-300, created_days_ago=61),
    ]
    kept = [
        _token(a, expired_days_ago=29),  # expired, still listed for a while
        _token(b, expired_days_ago=1, revoked=True),
        _token(a, expired_days_ago=-20, created_days_ago=10),  # in use
        _token(b, expired_days_ago=-300, created_days_ago=59),  # past the TTL by 29 days only
    ]
    assert purge_expired_tokens_task.apply().get() == len(old)
    assert sorted(ApiToken.objects.values_list("pk", flat=True)) == sorted(t.pk for t in kept)
    deleted = AuditEntry.objects.filter(object_type="orgs.apitoken", action=AuditEntry.DELETE)
    assert sorted(int(e.object_id) for e in deleted) == sorted(t.pk for t in old)
    assert purge_expired_tokens_task.apply().get() == 0  # a second run finds nothing


def test_the_cleanup_takes_the_day_it_is_run_for(side_a):
    token = _token(side_a.unit_secretary, expired_days_ago=10)
    assert tokens.purge_expired(now=timezone.now() + dt.timedelta(days=19)) == 0
    assert tokens.purge_expired(now=timezone.now() + dt.timedelta(days=21)) == 1
    assert not ApiToken.objects.filter(pk=token.pk).exists()


def test_the_cleanup_runs_daily_on_the_beat_schedule():
    (entry,) = [e for e in app.conf.beat_schedule.values() if e["task"] == purge_expired_tokens_task.name]
    assert entry["schedule"].hour == {3} and entry["options"]["expires"] <= 24 * 3600
