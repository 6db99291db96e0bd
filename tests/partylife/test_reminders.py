"""Reminders: rules due within N days and rules newly missed reach the right secretaries, once."""

import datetime as dt

import pytest
from django.urls import reverse

from apps.core.models import Notification
from apps.orgs.models import Platform
from apps.partylife.models import ComplianceRule
from apps.partylife.reminders import send_reminders
from apps.partylife.tasks import send_reminders_task
from tests.orgs.factories import BranchFactory, UnitFactory, UserFactory, make_branch_secretary, make_unit_secretary
from tests.partylife.factories import ActivityFactory, activity_type, at, rule_for

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 25)  # November ends in 5 days; October ended 25 days ago


def only(*codes):
    """Switch off every rule but these, so a test sees the reminders it is about."""
    ComplianceRule.objects.exclude(activity_type__code__in=codes).update(active=False)
    return [rule_for(code) for code in codes]


def keys(user=None):
    qs = Notification.objects.all() if user is None else Notification.objects.filter(user=user)
    return sorted(qs.values_list("dedupe_key", flat=True))


@pytest.fixture
def committee_rule():
    return only("branch_committee_meeting")[0]


@pytest.fixture
def branch():
    return BranchFactory(
        founded_on=dt.date(2010, 1, 1), name="预算处党支部", unit__name="市财政局", unit__short_name="财政局"
    )


@pytest.fixture
def secretaries(branch):
    return [make_branch_secretary(UserFactory(username=f"sec{i}", email=f"sec{i}@example.cn"), branch) for i in (1, 2)]


# --- due ------------------------------------------------------------------------------------------------


def test_due_within_seven_days_notifies_each_branch_secretary_once(committee_rule, branch, secretaries):
    ActivityFactory(branch=branch, held_at=at(2026, 10, 9))  # October met: nothing missed
    assert send_reminders(today=TODAY) == 2
    key = f"partylife:due:{committee_rule.pk}:{branch.pk}:2026-11"
    for user in secretaries:
        assert keys(user) == [key]
    n = Notification.objects.get(user=secretaries[0])
    assert "预算处党支部" in n.title and "支部委员会会议每月至少1次" in n.title and "2026年11月" in n.title
    assert "截止2026年11月30日" in n.body and "还剩5天" in n.body and "第十二条" in n.body
    assert n.url == reverse("partylife:calendar") + f"?branch={branch.pk}&year=2026"
    assert n.category == "partylife.due" and n.read_at is None


def test_running_twice_sends_nothing_new(committee_rule, branch, secretaries):
    assert send_reminders(today=TODAY) > 0
    before = keys()
    assert send_reminders(today=TODAY) == 0
    assert send_reminders(today=TODAY + dt.timedelta(days=1)) == 0  # same windows the next day
    assert keys() == before


def test_not_due_yet_when_more_days_remain_than_the_rule_says(committee_rule, branch, secretaries):
    ActivityFactory(branch=branch, held_at=at(2026, 10, 9))
    assert send_reminders(today=dt.date(2026, 11, 20)) == 0  # 10 days left > 7
    committee_rule.remind_days_before = 10
    committee_rule.save()
    assert send_reminders(today=dt.date(2026, 11, 20)) == 2


def test_a_met_rule_gets_no_reminder(committee_rule, branch, secretaries):
    ActivityFactory(branch=branch, held_at=at(2026, 10, 9))
    ActivityFactory(branch=branch, held_at=at(2026, 11, 3))
    assert send_reminders(today=TODAY) == 0
    assert not Notification.objects.exists()


def test_incomplete_record_is_mentioned(committee_rule, branch, secretaries):
    ActivityFactory(branch=branch, held_at=at(2026, 10, 9))
    ActivityFactory(branch=branch, held_at=at(2026, 11, 3), evidence_complete=False)
    send_reminders(today=TODAY)
    assert "1条记录需补充材料" in Notification.objects.filter(user=secretaries[0]).get().body


def test_yearly_rules_use_their_own_longer_notice(branch, secretaries):
    rule = only("org_life_meeting")[0]
    assert rule.remind_days_before == 45
    assert send_reminders(today=dt.date(2026, 11, 1)) == 0  # 60 days left
    assert send_reminders(today=dt.date(2026, 11, 20)) == 2  # 41 days left
    assert keys(secretaries[0]) == [f"partylife:due:{rule.pk}:{branch.pk}:2026"]


# --- missed -----------------------------------------------------------------------------------------------


def test_newly_missed_window_notifies(committee_rule, branch, secretaries):
    ActivityFactory(branch=branch, held_at=at(2026, 11, 3))  # November met; October not
    assert send_reminders(today=TODAY) == 2
    assert keys(secretaries[0]) == [f"partylife:missed:{committee_rule.pk}:{branch.pk}:2026-10"]
    n = Notification.objects.filter(user=secretaries[0]).get()
    assert n.category == "partylife.missed" and "未完成" in n.title and "2026年10月31日" in n.body
    assert "未开展原因" in n.body  # a soft rule: the secretary may give a reason


def test_missed_long_ago_is_not_new(committee_rule, branch, secretaries):
    for month in (9, 10, 11):
        ActivityFactory(branch=branch, held_at=at(2026, month, 3))
    ActivityFactory(branch=branch, held_at=at(2026, 3, 3))
    assert send_reminders(today=TODAY) == 0  # January–August were missed long ago


def test_january_sees_last_years_december(branch, secretaries):
    rule = only("org_life_meeting")[0]  # hard, yearly
    assert send_reminders(today=dt.date(2027, 1, 6)) == 2
    assert keys(secretaries[0]) == [f"partylife:missed:{rule.pk}:{branch.pk}:2026"]
    assert "不合格" in Notification.objects.filter(user=secretaries[0]).get().body
    assert send_reminders(today=dt.date(2027, 2, 6)) == 0


# --- recipients -------------------------------------------------------------------------------------------


def test_branch_without_secretary_falls_back_to_unit_secretaries(committee_rule, branch):
    unit_sec = make_unit_secretary(UserFactory(username="unitsec"), branch.unit)
    ActivityFactory(branch=branch, held_at=at(2026, 10, 9))
    assert send_reminders(today=TODAY) == 1
    assert keys(unit_sec) == [f"partylife:due:{committee_rule.pk}:{branch.pk}:2026-11"]


def test_unit_secretary_not_bothered_when_the_branch_has_a_secretary(committee_rule, branch, secretaries):
    unit_sec = make_unit_secretary(UserFactory(username="unitsec"), branch.unit)
    ActivityFactory(branch=branch, held_at=at(2026, 10, 9))
    send_reminders(today=TODAY)
    assert keys(unit_sec) == []


def test_inactive_secretary_gets_nothing(committee_rule, branch, secretaries):
    secretaries[1].is_active = False
    secretaries[1].save()
    ActivityFactory(branch=branch, held_at=at(2026, 10, 9))
    assert send_reminders(today=TODAY) == 1
    assert keys(secretaries[1]) == []


def test_unit_level_rules_go_to_unit_secretaries(branch, secretaries):
    rule = only("center_group_study")[0]
    unit = branch.unit
    unit_sec = make_unit_secretary(UserFactory(username="unitsec"), unit)
    ActivityFactory(branch=None, unit=unit, activity_type=activity_type("center_group_study"), held_at=at(2026, 10, 9))
    assert send_reminders(today=TODAY) == 1
    assert keys(unit_sec) == [f"partylife:due:{rule.pk}:u{unit.pk}:2026-11"]
    n = Notification.objects.get(user=unit_sec)
    assert n.url == reverse("partylife:unit_overview") + f"?unit={unit.pk}&period=2026"
    assert "市财政局" in n.title and keys(secretaries[0]) == []


def test_inactive_branches_and_units_are_skipped(committee_rule, branch, secretaries):
    branch.dissolved_on, branch.end_reason = dt.date(2026, 1, 1), "revoked"
    branch.save()
    assert send_reminders(today=TODAY) == 0


def test_each_unit_hears_only_of_its_own(committee_rule, side_a, side_b):
    ActivityFactory(branch=side_a.branch, held_at=at(2026, 10, 9))
    ActivityFactory(branch=side_a.branch, held_at=at(2026, 11, 9))
    send_reminders(today=TODAY)
    # A's first branch is met; its second branch (no secretary) falls back to A's unit secretary.
    assert keys(side_a.branch_secretary) == []
    assert all(f":{side_a.other_branch.pk}:" in k for k in keys(side_a.unit_secretary))
    assert all(f":{side_b.branch.pk}:" in k for k in keys(side_b.branch_secretary))
    assert keys(side_b.branch_secretary) and keys(side_a.unit_secretary)


# --- the committee: units newly 不合格 -------------------------------------------------------------------------------


def test_the_committee_hears_once_of_a_unit_newly_failing_a_hard_rule(branch, secretaries, committee_user):
    only("branch_committee_meeting", "org_life_meeting")
    second = BranchFactory(unit=branch.unit, founded_on=dt.date(2010, 1, 1), name="综合处党支部")
    good = BranchFactory(founded_on=dt.date(2010, 1, 1), unit__name="市教育局")
    ActivityFactory(branch=good, activity_type=activity_type("org_life_meeting"), held_at=at(2026, 12, 10))
    away = UserFactory(username="committee_away", is_active=False)
    away.user_permissions.add(*committee_user.user_permissions.all())
    rule = rule_for("org_life_meeting")
    assert send_reminders(today=dt.date(2027, 1, 6)) > 0
    assert keys(committee_user) == [f"partylife:unit-failure:{branch.unit_id}:{rule.pk}:2026"]
    n = Notification.objects.get(user=committee_user)
    assert n.category == "partylife.unit_failure" and n.title == "新增不合格：市财政局2026年“组织生活会每年至少1次”"
    assert "预算处党支部、综合处党支部" in n.body and "第十七条" in n.body
    assert n.url == reverse("partylife:unit_overview") + f"?unit={branch.unit_id}&period=2026"
    assert keys(away) == [] and second.pk
    # Soft misses (December's 支委会) are the secretaries' business, not the committee's; and only once.
    assert send_reminders(today=dt.date(2027, 1, 7)) == 0
    assert Notification.objects.filter(user=committee_user).count() == 1


def test_windows_not_judged_send_nothing(committee_rule, branch, secretaries):
    Platform.objects.create(pk=1, start_on=dt.date(2026, 11, 17))  # after November's midpoint
    assert send_reminders(today=TODAY) == 0  # October and November are 未纳入: neither missed nor due


def test_a_dissolved_branch_hears_of_its_last_missed_window_but_nothing_due(committee_rule, branch, secretaries):
    branch.dissolved_on, branch.end_reason = dt.date(2026, 11, 17), "revoked"
    branch.save()
    assert send_reminders(today=TODAY) == 2  # October missed, to both secretaries; November: nothing more to log
    assert keys(secretaries[0]) == [f"partylife:missed:{committee_rule.pk}:{branch.pk}:2026-10"]


# --- e-mail, the task, the schedule ---------------------------------------------------------------------


def test_email_sent_when_configured(
    committee_rule, branch, secretaries, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.PORTAL_NOTIFY_BY_EMAIL = True
    ActivityFactory(branch=branch, held_at=at(2026, 10, 9))
    with django_capture_on_commit_callbacks(execute=True):
        send_reminders(today=TODAY)
    assert sorted(m.to[0] for m in mailoutbox) == ["sec1@example.cn", "sec2@example.cn"]
    assert "支部委员会会议每月至少1次" in mailoutbox[0].subject and "第十二条" in mailoutbox[0].body
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
    with django_capture_on_commit_callbacks(execute=True):
        send_reminders(today=TODAY)
    assert len(mailoutbox) == 2  # never twice


def test_no_email_unless_configured(
    committee_rule, branch, secretaries, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.PORTAL_NOTIFY_BY_EMAIL = False
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders(today=TODAY) > 0
    assert mailoutbox == []


def test_task_is_idempotent(committee_rule, branch, secretaries):
    first = send_reminders_task.delay().get()
    assert first == Notification.objects.count()
    assert send_reminders_task.delay().get() == 0


def test_beat_runs_daily_at_eight_with_expiry():
    from organ_portal.celery import app

    entry = app.conf.beat_schedule["partylife-reminders-daily"]
    assert entry["task"] == "apps.partylife.tasks.send_reminders_task"
    assert entry["schedule"].hour == {8} and entry["schedule"].minute == {0}
    assert entry["options"]["expires"] > 0
    assert app.conf.timezone == "Asia/Shanghai"


# --- scale --------------------------------------------------------------------------------------------


# Units, their judging start, branches; the engine for branches (7: rules, overrides, party groups, the
# grouped counts in one UNION ALL, reasons, 谈心谈话's memberships and talks) and units (4); the secretaries (2); the
# committee, told of the unit newly 不合格 (第一议题, a hard rule, missed in October) (1); the notifications
# already sent, and the insert in its savepoint (4).
REMINDER_QUERIES = 3 + 7 + 4 + 2 + 1 + 4 + 2  # + the closed months (关账), branches and units


def test_query_count_does_not_grow_with_branches(assert_constant_queries):
    unit = UnitFactory()
    make_unit_secretary(UserFactory(), unit)
    sent = []

    def grow(n):
        for i in range(n):
            b = BranchFactory(unit=unit, founded_on=dt.date(2010, 1, 1))
            if i % 2:
                make_branch_secretary(UserFactory(), b)
            ActivityFactory(branch=b, held_at=at(2026, 10, 9))
        Notification.objects.all().delete()

    grow(2)
    assert_constant_queries(
        lambda: sent.append(send_reminders(today=TODAY)), grow=lambda: grow(8), expected=REMINDER_QUERIES
    )
    assert 0 < sent[0] < sent[1]
