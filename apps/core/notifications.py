"""Notifications (通知中心): write once per (user, dedupe key); e-mail too when configured."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from .models import Notification


@dataclass(frozen=True)
class Message:
    user_id: int
    title: str
    body: str = ""
    url: str = ""
    category: str = ""
    dedupe_key: str | None = None


def notify(messages: Iterable[Message]) -> list[Notification]:
    """Store messages; one whose (user, dedupe_key) was stored before is skipped. Returns the new ones.

    Safe to call again with the same messages (a re-run of a daily job sends nothing twice):
    the unique constraint decides, and `ignore_conflicts` keeps a race harmless.
    """
    messages = list(messages)
    keys = {(m.user_id, m.dedupe_key) for m in messages if m.dedupe_key}
    existing = set()
    if keys:
        existing = set(
            Notification.objects.filter(
                user_id__in={u for u, _ in keys}, dedupe_key__in={k for _, k in keys}
            ).values_list("user_id", "dedupe_key")
        )
    fresh, seen = [], set()
    body_limit = Notification._meta.get_field("body").max_length  # a generated body longer than that is cut
    for m in messages:
        key = (m.user_id, m.dedupe_key)
        if m.dedupe_key and (key in existing or key in seen):
            continue
        seen.add(key)
        fresh.append(
            Notification(
                user_id=m.user_id,
                title=m.title,
                body=_cut(m.body, body_limit),
                url=m.url,
                category=m.category,
                dedupe_key=m.dedupe_key,
            )
        )
    with transaction.atomic():
        Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    if fresh and settings.PORTAL_NOTIFY_BY_EMAIL:
        transaction.on_commit(lambda: _email([n.user_id for n in fresh], fresh))
    return fresh


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _email(user_ids, notifications) -> None:
    from django.contrib.auth import get_user_model

    emails = dict(get_user_model().objects.filter(pk__in=user_ids).exclude(email="").values_list("pk", "email"))
    sent = []
    for n in notifications:
        if n.user_id in emails:
            send_mail(n.title, n.body or n.title, settings.DEFAULT_FROM_EMAIL, [emails[n.user_id]], fail_silently=True)
            sent.append(n.dedupe_key)
    if sent:
        Notification.objects.filter(user_id__in=user_ids, dedupe_key__in=[k for k in sent if k]).update(
            emailed_at=timezone.now()
        )


def notifications_for(user) -> QuerySet[Notification]:
    """The user's own notifications; nobody reads anyone else's."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(user=user)


def unread_count(user) -> int:
    return notifications_for(user).filter(read_at__isnull=True).count()


def notification_mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all of them when ids is None)."""
    qs = notifications_for(user).filter(read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
