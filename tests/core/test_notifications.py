"""Notification centre: a user's own notifications only, unread first; opening one marks it read."""

import pytest
from django.urls import reverse

from apps.core.models import Notification
from apps.core.notifications import Message, notify

LIST = reverse("core:notification_list")
READ = reverse("core:notification_read")


def _notify(user, title, url="", key=None):
    notify([Message(user_id=user.pk, title=title, body=f"{title}的内容", url=url, dedupe_key=key)])
    return Notification.objects.get(user=user, dedupe_key=key)  # bulk_create may not return ids


@pytest.fixture
def inbox(side_a, side_b):
    """A's branch secretary: one read, two unread; B's secretary: one of their own."""
    me = side_a.branch_secretary
    old = _notify(me, "旧的已读通知", key="k-old")
    Notification.objects.filter(pk=old.pk).update(read_at=old.created_at)
    first = _notify(me, "第一条未读", url="/partylife/calendar/?branch=1", key="k1")
    second = _notify(me, "第二条未读", url="https://evil.example.com/phish", key="k2")
    theirs = _notify(side_b.branch_secretary, "乙单位的秘密通知", key="k1")
    return {"me": me, "old": old, "first": first, "second": second, "theirs": theirs}


def test_list_shows_own_notifications_unread_first(client, inbox):
    client.force_login(inbox["me"])
    page = client.get(LIST).content.decode()
    assert "乙单位的秘密通知" not in page
    assert page.index("第二条未读") < page.index("第一条未读") < page.index("旧的已读通知")
    assert page.count("notification-unread") == 2
    # issue 7: opening one is a POST form (id + open), never a link a crawler could follow.
    assert f"{READ}?id=" not in page and f'data-open-notification="{inbox["first"].pk}"' in page


def test_filter_unread_and_read(client, inbox):
    client.force_login(inbox["me"])
    unread = client.get(LIST + "?state=unread").content.decode()
    assert "第一条未读" in unread and "旧的已读通知" not in unread
    read = client.get(LIST + "?state=read").content.decode()
    assert "旧的已读通知" in read and "第一条未读" not in read


def test_opening_marks_read_and_follows_its_link(client, inbox):
    client.force_login(inbox["me"])
    response = client.post(READ, {"id": inbox["first"].pk, "open": "1"})  # issue 7: a POST, not a GET
    assert response.status_code == 302 and response["Location"] == "/partylife/calendar/?branch=1"
    inbox["first"].refresh_from_db()
    assert inbox["first"].read_at is not None


def test_link_to_another_site_is_not_followed(client, inbox):
    client.force_login(inbox["me"])
    response = client.post(READ, {"id": inbox["second"].pk, "open": "1", "next": "https://evil.example.com/"})
    assert response.status_code == 302 and response["Location"] == LIST
    inbox["second"].refresh_from_db()
    assert inbox["second"].read_at is not None


def test_someone_elses_notification_is_404_and_untouched(client, inbox):
    client.force_login(inbox["me"])
    theirs = inbox["theirs"]
    assert client.get(READ + f"?id={theirs.pk}").status_code == 404
    assert client.post(READ, {"id": theirs.pk}).status_code == 404
    client.post(READ, {"all": "1"})
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_post_marks_one_then_all(client, inbox):
    client.force_login(inbox["me"])
    response = client.post(READ, {"id": inbox["first"].pk, "next": LIST + "?state=unread"})
    assert response.status_code == 302 and response["Location"] == LIST + "?state=unread"
    assert Notification.objects.filter(user=inbox["me"], read_at__isnull=True).count() == 1
    response = client.post(READ, {"all": "1", "next": "//evil.example.com/"})
    assert response["Location"] == LIST
    assert not Notification.objects.filter(user=inbox["me"], read_at__isnull=True).exists()


def test_bell_shows_unread_count_on_every_page(client, inbox):
    client.force_login(inbox["me"])
    page = client.get(reverse("home")).content.decode()
    assert 'data-unread="2"' in page and "portal-bell-badge" in page
    client.post(READ, {"all": "1"})
    page = client.get(reverse("home")).content.decode()
    assert 'data-unread="0"' in page and "portal-bell-badge" not in page


def test_badge_caps_at_99(client, side_a):
    user = side_a.member_user
    notify([Message(user_id=user.pk, title=f"通知{i}", dedupe_key=f"n{i}") for i in range(120)])
    client.force_login(user)
    assert "99+" in client.get(LIST).content.decode()


def test_anonymous_is_sent_to_login(client, db):
    for url in (LIST, READ + "?id=1"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(reverse("login")).context.get("unread_count") is None


def test_unread_count_is_one_query_and_only_when_shown(rf, side_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.core.context_processors import notifications

    request = rf.get("/")
    request.user = side_a.member_user
    context = notifications(request)
    with CaptureQueriesContext(connection) as ctx:
        assert context["unread_count"]() == 0
        assert context["unread_count"]() == 0
    assert len(ctx.captured_queries) == 1


def test_list_query_count_does_not_grow(client, side_a, assert_constant_queries):
    user = side_a.unit_secretary
    client.force_login(user)
    notify([Message(user_id=user.pk, title=f"通知{i}", dedupe_key=f"a{i}") for i in range(2)])
    client.get(LIST)
    # session, user, scope (2 permission reads, units, branches, member), unread count, list count + page,
    # session save (3)
    response = assert_constant_queries(
        lambda: client.get(LIST),
        grow=lambda: notify([Message(user_id=user.pk, title=f"通知{i}", dedupe_key=f"b{i}") for i in range(15)]),
        expected=9,
    )
    assert response.content.decode().count("data-notification=") == 17


@pytest.mark.parametrize("state", ["bogus", "%00", "unread" * 50])
def test_a_bad_state_is_named_and_ignored(client, inbox, state):
    client.force_login(inbox["me"])
    response = client.get(LIST + f"?state={state}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "data-filter-error" in page and "状态" in page
    assert "第一条未读" in page and "旧的已读通知" in page  # the list, unfiltered


@pytest.mark.parametrize("ident", ["abc", "²", "-3", "0", "1.5", "%00", "9" * 30])
def test_a_bad_id_is_a_message_never_a_500_and_changes_nothing(client, inbox, ident):
    client.force_login(inbox["me"])
    response = client.get(READ + f"?id={ident}", follow=True)
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        assert response.redirect_chain[-1][0] == LIST and "通知编号无效" in response.content.decode()
    response = client.post(READ, {"id": ident}, follow=True)
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        assert "请选择要标为已读的通知。" in response.content.decode()
    assert Notification.objects.filter(user=inbox["me"], read_at__isnull=True).count() == 2


def test_a_bad_next_is_ignored(client, inbox):
    client.force_login(inbox["me"])
    response = client.post(READ, {"id": inbox["first"].pk, "next": "/core/\x00"})
    assert response.status_code == 302 and response["Location"] == LIST
    inbox["first"].refresh_from_db()
    assert inbox["first"].read_at is not None


def test_a_get_never_changes_state(client, inbox):
    """issue 7: following a link (a crawler, a mail client's preview) shows the notification and marks nothing."""
    client.force_login(inbox["me"])
    response = client.get(READ + f"?id={inbox['first'].pk}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "第一条未读" in page and "第一条未读的内容" in page and 'data-open-notification="' in page
    assert 'method="post"' in page and f'name="id" value="{inbox["first"].pk}"' in page
    inbox["first"].refresh_from_db()
    assert inbox["first"].read_at is None
    client.get(READ + "?all=1")
    assert Notification.objects.filter(user=inbox["me"], read_at__isnull=True).count() == 2
    assert client.get(READ + f"?id={inbox['theirs'].pk}").status_code == 404


def test_the_list_opens_notifications_by_post_on_a_phone_too(client, inbox):
    """Each title is a button of a POST form (one per notification), so it works by tap without a link to crawl."""
    client.force_login(inbox["me"])
    page = client.get(LIST).content.decode()
    forms = page.count('name="open" value="1"')
    assert forms == 3 and page.count(f'action="{READ}"') >= forms
    assert f'href="{READ}' not in page
