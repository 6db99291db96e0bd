"""Login lockout (登录锁定), counted by django-axes: whether an account or an address is locked, until when, unlock.

Axes keeps one AccessAttempt row per (username, address, browser) with its number of failures
and the time of the latest one. A lock holds while the failures of the rows touched within the
cool-off (AXES_COOLOFF_TIME) reach the limit: AXES_FAILURE_LIMIT for an account,
PORTAL_LOGIN_MAX_FAILURES_PER_ADDRESS for a client address. Only this module reads those rows.
"""

import datetime as dt

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.db.models import BooleanField, ExpressionWrapper, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

ACCOUNT = "account"
ADDRESS = "address"


def limit(kind: str = ACCOUNT) -> int:
    """Failures within the cool-off that lock an account, or an address (0: addresses are never locked)."""
    return settings.PORTAL_LOGIN_MAX_FAILURES_PER_ADDRESS if kind == ADDRESS else settings.AXES_FAILURE_LIMIT


def _recent(now: dt.datetime | None) -> QuerySet[AccessAttempt]:
    return AccessAttempt.objects.filter(attempt_time__gte=(now or timezone.now()) - settings.AXES_COOLOFF_TIME)


def locked_until(
    *, username: str | None = None, ip: str | None = None, now: dt.datetime | None = None
) -> dt.datetime | None:
    """When the lock of this account (or, given `ip`, this address) ends; None if it is not locked.

    Rows age out one by one: the lock ends when the row whose failures reached the limit
    (counting from the newest) leaves the cool-off window.
    """
    kind, rows = (ACCOUNT, {"username": username}) if username is not None else (ADDRESS, {"ip_address": ip})
    needed = limit(kind)
    if not needed or (ip is None and username is None):
        return None
    total = 0
    for at, failures in (
        _recent(now).filter(**rows).order_by("-attempt_time").values_list("attempt_time", "failures_since_start")
    ):
        total += failures
        if total >= needed:
            return at + settings.AXES_COOLOFF_TIME
    return None


def lock_of(*, username: str, ip: str | None, now: dt.datetime | None = None) -> tuple[str, dt.datetime] | None:
    """The lock that refuses this login, as (ACCOUNT or ADDRESS, until): the account's first; None if neither."""
    if until := locked_until(username=username, now=now):
        return ACCOUNT, until
    if ip and (until := locked_until(ip=ip, now=now)):
        return ADDRESS, until
    return None


def with_lock_status(users: QuerySet, *, now: dt.datetime | None = None) -> QuerySet:
    """Annotate each account with `login_locked` (bool) in the same query: no query per row."""
    failures = (
        _recent(now)
        .filter(username=OuterRef("username"))
        .values("username")
        .annotate(total=Sum("failures_since_start"))
        .values("total")
    )
    return users.annotate(login_failures=Coalesce(Subquery(failures), 0)).annotate(
        login_locked=ExpressionWrapper(Q(login_failures__gte=limit(ACCOUNT)), output_field=BooleanField())
    )


def unlock(*, username: str) -> int:
    """Forget the account's failures (axes' reset), which lifts its lock; returns the rows removed."""
    if not username:
        return 0  # axes' reset with neither a username nor an address would forget every attempt
    return reset(username=username)


def locked_message(until: dt.datetime, *, kind: str = ACCOUNT, now: dt.datetime | None = None) -> str:
    minutes = max(1, int((until - (now or timezone.now())).total_seconds() // 60) + 1)
    if kind == ADDRESS:
        return f"本机所在网络地址登录失败次数过多，已暂停登录，请 {minutes} 分钟后再试，或联系管理员解锁。"
    return f"登录失败次数过多，账号已锁定，请 {minutes} 分钟后再试，或联系管理员解锁。"
