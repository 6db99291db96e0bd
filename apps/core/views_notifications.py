"""Notification centre (通知中心): a user's own notifications, unread first; open one to read it.

Nobody reaches anyone else's notification: every lookup goes through
`notifications_for(request.user)`, so another user's id answers 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from .listing import paginate
from .notifications import notification_mark_read, notifications_for

FILTER_CHOICES = [("", "全部通知"), ("unread", "未读"), ("read", "已读")]


def _safe(request, url: str) -> str | None:
    """The URL if it stays on this site, else None."""
    if not url:
        return None
    hosts = {request.get_host()}
    return url if url_has_allowed_host_and_scheme(url, allowed_hosts=hosts, require_https=request.is_secure()) else None


@login_required
def notification_list(request):
    state = request.GET.get("state", "")
    qs = notifications_for(request.user).annotate(
        unread=ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    )
    if state == "unread":
        qs = qs.filter(read_at__isnull=True)
    elif state == "read":
        qs = qs.filter(read_at__isnull=False)
    page, querystring = paginate(request, qs.order_by("-unread", "-created_at", "-id"))
    return render(
        request,
        "core/notification_list.html",
        {"page": page, "querystring": querystring, "state": state, "filter_choices": FILTER_CHOICES},
    )


@login_required
def notification_read(request):
    """GET ?id=…: open one notification (mark it read, go to its link).
    POST id=… or all=1: mark one or all read, then back to `next` (same site only) or the list.
    """
    back = reverse("core:notification_list")
    if request.method == "POST":
        ident = request.POST.get("id", "")
        if request.POST.get("all"):
            count = notification_mark_read(user=request.user)
            messages.success(request, f"已将 {count} 条通知标为已读。" if count else "没有未读通知。")
        elif ident.isdigit():
            notification = get_object_or_404(notifications_for(request.user), pk=int(ident))
            notification_mark_read(user=request.user, ids=[notification.pk])
        else:
            messages.error(request, "请选择要标为已读的通知。")
        return redirect(_safe(request, request.POST.get("next", "")) or back)
    ident = request.GET.get("id", "")
    if not ident.isdigit():
        return redirect(back)
    notification = get_object_or_404(notifications_for(request.user), pk=int(ident))
    notification_mark_read(user=request.user, ids=[notification.pk])
    return redirect(_safe(request, notification.url) or _safe(request, request.GET.get("next", "")) or back)
