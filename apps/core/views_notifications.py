"""Notification centre (通知中心): a user's own notifications, unread first; open one to read it.

Nobody reaches anyone else's notification: every lookup goes through
`notifications_for(request.user)`, so another user's id answers 404. Parameters are
read by a FilterSet (`state`) and a form (`id`, `open`, `all`, `next`): a bad value is a
message, never a 500.

Only a POST changes anything: opening a notification from the list (or the bell's page) is a
small form that marks it read and follows its link; a GET — a link a crawler or a mail
client's preview may follow — shows the notification and changes nothing.
"""

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from .filters import FilterSet
from .listing import paginate
from .models import Notification
from .notifications import notification_mark_read, notifications_for
from .redirects import same_site

STATES = [("unread", "未读"), ("read", "已读")]


class NotificationFilter(FilterSet):
    state = django_filters.ChoiceFilter(label="状态", choices=STATES, method="filter_state")

    class Meta:
        model = Notification
        fields = ["state"]

    def filter_state(self, queryset, name, value):
        return queryset.filter(read_at__isnull=value == "unread")


class NotificationPickForm(forms.Form):
    """Which notification to open or mark read (`id`; `open`: then follow its link), or all of them (`all`),
    and where to go back (`next`)."""

    id = forms.IntegerField(label="通知", min_value=1, max_value=2**63 - 1, required=False)
    open = forms.BooleanField(required=False)
    all = forms.BooleanField(required=False)
    next = forms.CharField(required=False, max_length=2000)


@login_required
def notification_list(request):
    notifications = notifications_for(request.user).annotate(
        unread=ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    )
    filterset = NotificationFilter(request.GET, notifications)
    page, querystring = paginate(request, filterset.qs.order_by("-unread", "-created_at", "-id"))
    return render(
        request,
        "core/notification_list.html",
        {
            "title": "通知中心",
            "page": page,
            "querystring": querystring,
            "filter_messages": filterset.messages(),
            "state": filterset.form.cleaned_data.get("state", ""),
            "state_choices": [("", "全部通知"), *STATES],
        },
    )


@login_required
def notification_read(request):
    """POST id=… (open=1: then go to its link) or all=1: mark one or all read, then back to `next`
    (same site only) or the list. GET ?id=…: show that notification with a button to open it; nothing changes.
    """
    back = reverse("core:notification_list")
    form = NotificationPickForm(request.POST if request.method == "POST" else request.GET)
    form.is_valid()  # each field read on its own below: a bad `next` does not stop a good `id`
    ident, going = form.cleaned_data.get("id"), same_site(request, form.cleaned_data.get("next") or "")
    if request.method != "POST":
        if not ident:
            if "id" in form.errors:
                messages.error(request, "通知编号无效，请从通知中心打开通知。")
            return redirect(back)
        notification = get_object_or_404(notifications_for(request.user), pk=ident)
        return render(request, "core/notification_detail.html", {"notification": notification, "next": going or ""})
    if form.cleaned_data.get("all"):
        count = notification_mark_read(user=request.user)
        messages.success(request, f"已将 {count} 条通知标为已读。" if count else "没有未读通知。")
    elif ident:
        notification = get_object_or_404(notifications_for(request.user), pk=ident)
        notification_mark_read(user=request.user, ids=[notification.pk])
        if form.cleaned_data.get("open"):
            return redirect(same_site(request, notification.url) or going or back)
    else:
        messages.error(request, "请选择要标为已读的通知。")
    return redirect(going or back)
