"""回收站: a delete keeps the record with its cascade; the committee restores it exactly; the purge empties it."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.core import trash
from apps.core.models import TrashEntry
from apps.core.periods import Period
from apps.partylife import services
from apps.partylife.compliance import evaluate_branches
from apps.partylife.models import (
    Activity,
    ActivitySpeech,
    Attendance,
    EnterpriseProblem,
    Evidence,
    EvidenceKind,
    PeriodLock,
    RuleOverride,
)
from apps.partylife.services import AttendanceInput, EvidenceInput
from tests.partylife.factories import activity_type, at, png_upload, rule_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings):
    return Path(settings.MEDIA_ROOT)


def meeting(side, *, submit=False, absent=False):
    attendance = [AttendanceInput(m.pk) for m in side.members[:2]]
    if absent:
        attendance.append(AttendanceInput(side.members[2].pk, present=False, absence_reason="出差"))
    return services.activity_record(
        actor=side.branch_secretary,
        activity_type=activity_type("branch_committee_meeting"),
        branch=side.branch,
        fields={"topic": "研究发展党员", "held_at": at(2026, 11, 3, 15), "minutes": "议定事项"},
        attendance=attendance,
        evidence=[EvidenceInput(EvidenceKind.PHOTO, png_upload())],
        submit=submit,
    )


def rows_of(activity_id):
    return {
        "attendance": sorted(Attendance.objects.filter(activity_id=activity_id).values_list("pk", "member_id")),
        "evidence": sorted(Evidence.objects.filter(activity_id=activity_id).values_list("pk", "file")),
        "problems": sorted(EnterpriseProblem.objects.filter(activity_id=activity_id).values_list("pk", "description")),
        "speeches": sorted(ActivitySpeech.objects.filter(activity_id=activity_id).values_list("pk", "summary")),
    }


def verdicts(branch):
    result = evaluate_branches([branch], Period.parse("2026-11"), today=dt.date(2026, 12, 1))[branch.pk]
    return [(c.rule.pk, c.window.label, c.status, c.count, c.incomplete) for c in result.cells]


def test_draft_with_its_rows_goes_to_the_trash_and_comes_back_exactly(client, side_a, committee_user, media):
    draft = meeting(side_a)
    EnterpriseProblem.objects.create(activity=draft, category="financing", description="贷款难")
    ActivitySpeech.objects.create(activity=draft, speaker=side_a.members[0], summary="谈体会")
    draft.also_counts_as.add(activity_type("party_lecture"))  # a many-to-many link comes back too
    before, verdicts_before = rows_of(draft.pk), verdicts(side_a.branch)
    evidence = draft.evidence.get()
    content = (media / evidence.file.name).read_bytes()

    services.activity_delete(actor=side_a.branch_secretary, activity=draft)

    assert rows_of(draft.pk) == {"attendance": [], "evidence": [], "problems": [], "speeches": []}
    assert not Activity.objects.filter(pk=draft.pk).exists()
    entry = TrashEntry.objects.get()
    assert (entry.kind, entry.object_id, entry.unit_id, entry.branch_id) == (
        "partylife.activity",
        str(draft.pk),
        side_a.unit.pk,
        side_a.branch.pk,
    )
    assert entry.row_count == 1 + 2 + 1 + 1 + 1 + 1  # the record, attendance, evidence, problem, speech, m2m
    assert entry.files == [{"field": "partylife.evidence.file", "name": evidence.file.name}]
    assert (media / evidence.file.name).exists()  # kept while in the trash

    trash.restore(entry, actor=committee_user)

    restored = Activity.objects.get(pk=draft.pk)
    assert (restored.topic, restored.status, restored.branch_id) == ("研究发展党员", "draft", side_a.branch.pk)
    assert rows_of(draft.pk) == before
    assert [t.code for t in restored.also_counts_as.all()] == ["party_lecture"]
    assert verdicts(side_a.branch) == verdicts_before
    client.force_login(side_a.branch_secretary)
    response = client.get(reverse("partylife:evidence_file", args=[evidence.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == content
    entry.refresh_from_db()
    assert entry.restored and entry.restored_by == committee_user


def test_evidence_restored_to_a_submitted_record_settles_its_compliance(side_a, committee_user):
    record = meeting(side_a, submit=True)
    before = verdicts(side_a.branch)
    services.evidence_delete(actor=side_a.branch_secretary, evidence=record.evidence.get())
    record.refresh_from_db()
    assert not record.evidence_complete and verdicts(side_a.branch) != before

    trash.restore(TrashEntry.objects.get(kind="partylife.evidence"), actor=committee_user)

    record.refresh_from_db()
    assert record.evidence_complete and verdicts(side_a.branch) == before


def test_restored_entry_cannot_be_restored_twice(side_a, committee_user):
    draft = meeting(side_a)
    services.activity_delete(actor=side_a.branch_secretary, activity=draft)
    entry = TrashEntry.objects.get()
    trash.restore(entry, actor=committee_user)
    with pytest.raises(ValidationError, match="不能再次恢复"):
        trash.restore(entry, actor=committee_user)
    assert Activity.objects.filter(pk=draft.pk).count() == 1


def test_parent_gone_is_refused_in_chinese_and_writes_nothing(side_a, committee_user):
    draft = meeting(side_a)
    services.evidence_delete(actor=side_a.branch_secretary, evidence=draft.evidence.get())
    services.activity_delete(actor=side_a.branch_secretary, activity=draft)
    evidence_entry = TrashEntry.objects.get(kind="partylife.evidence")
    with pytest.raises(ValidationError) as refused:
        trash.restore(evidence_entry, actor=committee_user)
    message = "；".join(refused.value.messages)
    assert "已不存在" in message and "回收站" in message and "请先恢复" in message
    assert not Evidence.objects.exists()
    evidence_entry.refresh_from_db()
    assert not evidence_entry.restored
    # In the right order both come back.
    trash.restore(TrashEntry.objects.get(kind="partylife.activity"), actor=committee_user)
    trash.restore(evidence_entry, actor=committee_user)
    assert Evidence.objects.filter(activity=draft).count() == 1


def test_unique_clash_is_refused_and_writes_nothing(side_a, committee_user):
    rule = rule_for("party_lecture")
    kwargs = {"rule": rule, "unit": side_a.unit, "frequency": "quarter", "min_count": 2, "strength": "soft"}
    services.rule_override_set(actor=committee_user, **kwargs)
    services.rule_override_delete(actor=committee_user, override=RuleOverride.objects.get())
    entry = TrashEntry.objects.get()
    assert entry.unit_id == side_a.unit.pk  # the unit the override was for
    services.rule_override_set(actor=committee_user, **{**kwargs, "min_count": 3})
    with pytest.raises(ValidationError, match="无法恢复"):
        trash.restore(entry, actor=committee_user)
    assert list(RuleOverride.objects.values_list("min_count", flat=True)) == [3]
    entry.refresh_from_db()
    assert not entry.restored


def test_a_closed_month_refuses_a_restore_until_reopened(side_a, committee_user):
    draft = meeting(side_a)
    services.activity_delete(actor=side_a.branch_secretary, activity=draft)
    PeriodLock.objects.create(month=dt.date(2026, 11, 1), closed_by=committee_user)
    entry = TrashEntry.objects.get()
    with pytest.raises(ValidationError, match="已关账"):
        trash.restore(entry, actor=committee_user)
    assert not Activity.objects.filter(pk=draft.pk).exists()
    PeriodLock.objects.all().delete()
    trash.restore(entry, actor=committee_user)
    assert Activity.objects.filter(pk=draft.pk).exists()


def test_only_the_committee_restores(side_a, side_b):
    draft = meeting(side_a)
    services.activity_delete(actor=side_a.branch_secretary, activity=draft)
    entry = TrashEntry.objects.get()
    for user in (side_a.unit_secretary, side_a.branch_secretary, side_b.unit_secretary):
        with pytest.raises(PermissionDenied):
            trash.restore(entry, actor=user)
    assert not Activity.objects.filter(pk=draft.pk).exists()


@pytest.mark.parametrize("who", ["a_unit", "a_branch", "b_unit", "a_member"])
def test_pages_are_the_committee_s_alone(client, side_a, side_b, who):
    draft = meeting(side_a)
    services.activity_delete(actor=side_a.branch_secretary, activity=draft)
    entry = TrashEntry.objects.get()
    user = {
        "a_unit": side_a.unit_secretary,
        "a_branch": side_a.branch_secretary,
        "b_unit": side_b.unit_secretary,
        "a_member": side_a.member_user,
    }[who]
    client.force_login(user)
    assert client.get(reverse("core:trash_list")).status_code == 403
    assert client.get(reverse("core:trash_detail", args=[entry.pk])).status_code == 403
    assert client.get(reverse("core:trash_restore", args=[entry.pk])).status_code == 403
    assert client.post(reverse("core:trash_restore", args=[entry.pk])).status_code == 403
    assert not Activity.objects.filter(pk=draft.pk).exists()


def test_committee_lists_reads_and_restores_through_the_pages(client, side_a, side_b, committee_user):
    draft = meeting(side_a)
    services.activity_delete(actor=side_a.branch_secretary, activity=draft)
    other = meeting(side_b)
    services.activity_delete(actor=side_b.branch_secretary, activity=other)
    entry = TrashEntry.objects.get(unit_id=side_a.unit.pk)
    client.force_login(committee_user)

    page = client.get(reverse("core:trash_list"), {"unit": side_a.unit.pk, "state": "trash"}).content.decode()
    assert f'data-trash="{entry.pk}"' in page and "data-trash=" in page and page.count("data-trash=") == 1
    bad = client.get(reverse("core:trash_list"), {"unit": "x", "start": "2026-13-40"})
    assert bad.status_code == 200 and "已忽略该条件" in bad.content.decode()

    detail = client.get(reverse("core:trash_detail", args=[entry.pk])).content.decode()
    assert detail.count("data-trash-row") == entry.row_count and "出勤" in detail  # each row, by Chinese names
    assert side_a.members[0].name in detail and "研究发展党员" in detail

    confirm = client.get(reverse("core:trash_restore", args=[entry.pk])).content.decode()
    assert "确认恢复" in confirm and "csrfmiddlewaretoken" in confirm
    response = client.post(reverse("core:trash_restore", args=[entry.pk]), follow=True)
    assert "已恢复" in response.content.decode()
    assert Activity.objects.filter(pk=draft.pk).exists() and not Activity.objects.filter(pk=other.pk).exists()
    again = client.post(reverse("core:trash_restore", args=[entry.pk]), follow=True)
    assert "不能再次恢复" in again.content.decode()
    restored = client.get(reverse("core:trash_list"), {"state": "restored"}).content.decode()
    assert restored.count("data-trash=") == 1


def test_detail_page_queries_do_not_grow_with_the_rows(client, side_a, committee_user, django_assert_max_num_queries):
    draft = meeting(side_a, absent=True)
    services.activity_delete(actor=side_a.branch_secretary, activity=draft)
    entry = TrashEntry.objects.get()
    client.force_login(committee_user)
    with django_assert_max_num_queries(25):
        assert client.get(reverse("core:trash_detail", args=[entry.pk])).status_code == 200


def test_api_delete_goes_to_the_trash(client, side_a, committee_user):
    draft = meeting(side_a)
    client.force_login(side_a.branch_secretary)
    assert client.delete(f"/api/partylife/activities/{draft.pk}/").status_code == 204
    entry = TrashEntry.objects.get()
    assert (entry.kind, entry.unit_id) == ("partylife.activity", side_a.unit.pk)
    trash.restore(entry, actor=committee_user)
    assert Activity.objects.filter(pk=draft.pk).exists()


def test_purge_removes_old_entries_and_their_unreferenced_files(
    side_a, committee_user, media, settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_TRASH_RETENTION_DAYS = 30
    old_draft, kept_draft, recent_draft = meeting(side_a), meeting(side_a), meeting(side_a)
    old_file = old_draft.evidence.get().file.name
    shared_file = kept_draft.evidence.get().file.name
    recent_file = recent_draft.evidence.get().file.name
    for draft in (old_draft, kept_draft, recent_draft):
        services.activity_delete(actor=side_a.branch_secretary, activity=draft)
    long_ago = timezone.now() - dt.timedelta(days=31)
    TrashEntry.objects.filter(object_id__in=[str(old_draft.pk), str(kept_draft.pk)]).update(deleted_at=long_ago)
    # A live evidence row still points at the second old entry's file (demo rows share files, say).
    other = meeting(side_a)
    Evidence.objects.filter(activity=other).update(file=shared_file)

    with django_capture_on_commit_callbacks(execute=True):
        assert trash.purge_expired() == 2

    assert list(TrashEntry.objects.values_list("object_id", flat=True)) == [str(recent_draft.pk)]
    assert not (media / old_file).exists()
    assert (media / shared_file).exists() and (media / recent_file).exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert trash.purge_trash_task() == 0  # the task: nothing left to purge
