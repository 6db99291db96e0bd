"""The audit trail (留痕): role grants, evidence deletions, updates and bulk imports leave entries (who, when,
from where, the object, its unit, before and after); only the committee searches and exports it; nobody can
change or delete an entry; the cleanup job deletes only entries past the retention window."""

import datetime as dt
import io

import pytest
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from apps.core import audit
from apps.core.audit.tasks import purge_audit_entries_task
from apps.core.models import AuditEntry
from apps.orgs import services as org_services
from apps.orgs.models import Member
from apps.partylife import services as partylife_services
from apps.partylife.models import Activity, Attendance, Evidence, EvidenceKind
from apps.partylife.services import AttendanceInput, EvidenceInput
from tests.orgs.factories import UserFactory
from tests.partylife.factories import activity_type, png_upload

LIST = reverse("core:audit_list")
EXPORT = reverse("core:audit_export")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def entries(**filters) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(**filters).order_by("id"))


def record_for(side) -> Activity:
    held = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) - dt.timedelta(days=2)
    return partylife_services.activity_record(
        actor=side.branch_secretary,
        activity_type=activity_type("branch_committee_meeting"),
        branch=side.branch,
        fields={"topic": "研究支部工作", "held_at": held, "minutes": "记录"},
        attendance=[AttendanceInput(m.pk) for m in side.members],
        evidence=[EvidenceInput(EvidenceKind.PHOTO, png_upload())],
        submit=True,
    )


# --- what leaves an entry -------------------------------------------------------------------------------------


def test_role_grant_and_revoke_on_the_page_leave_entries(client, side_a, committee_user):
    user = UserFactory(username="newsec")
    client.force_login(committee_user)
    grant = reverse("orgs:role_grant", args=[user.pk])
    response = client.post(grant, {"role": "unit", "unit": side_a.unit.pk}, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 302
    client.post(grant, {"role": "committee"}, REMOTE_ADDR="10.0.0.9")
    with audit.acting_as(committee_user):
        org_services.role_revoke(actor=committee_user, user=user, role="unit", unit=side_a.unit)

    granted, revoked = entries(object_type="orgs.unituserobjectpermission", object_label__contains="newsec")
    assert (granted.action, revoked.action) == (AuditEntry.GRANT, AuditEntry.REVOKE)
    assert granted.unit_id == side_a.unit.pk and granted.unit_label == str(side_a.unit)
    assert str(side_a.unit) in granted.object_label
    assert (granted.actor_id, granted.address) == (committee_user.pk, "10.0.0.9")
    assert committee_user.username in granted.actor_label
    assert revoked.actor_id == committee_user.pk
    (committee,) = entries(object_type="orgs.user", object_id=str(user.pk), action=AuditEntry.GRANT)
    assert committee.after == {"user_permissions": [str(p) for p in user.user_permissions.all()]}
    assert committee.address == "10.0.0.9"


def test_evidence_deletion_leaves_an_entry_with_what_was_deleted(client, side_a):
    record = record_for(side_a)
    evidence = record.evidence.get()
    client.force_login(side_a.branch_secretary)
    response = client.post(reverse("partylife:evidence_delete", args=[evidence.pk]), REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 302 and not Evidence.objects.exists()

    (entry,) = entries(object_type="partylife.evidence", action=AuditEntry.DELETE)
    assert entry.object_id == str(evidence.pk)
    assert (entry.actor_id, entry.address) == (side_a.branch_secretary.pk, "192.0.2.7")
    assert entry.unit_id == side_a.unit.pk
    assert entry.before["file"] == evidence.file.name and entry.before["activity"] == record.pk
    assert entry.after is None


def test_record_creation_and_cascade_delete_leave_entries_per_row(side_a):
    record = record_for(side_a)
    assert len(entries(object_type="partylife.attendance", action=AuditEntry.CREATE)) == len(side_a.members)
    (created,) = entries(object_type="partylife.activity", action=AuditEntry.CREATE)
    assert created.after["topic"] == "研究支部工作" and created.unit_id == side_a.unit.pk
    Activity.objects.filter(pk=record.pk).delete()  # a queryset delete, cascading to attendance and evidence
    assert not Attendance.objects.exists()
    deleted = entries(object_type="partylife.attendance", action=AuditEntry.DELETE)
    assert len(deleted) == len(side_a.members) and {e.unit_id for e in deleted} == {side_a.unit.pk}
    assert entries(object_type="partylife.evidence", action=AuditEntry.DELETE)


def test_an_update_records_before_and_after_of_the_changed_fields_only(side_a):
    member = side_a.members[1]
    old_position = member.position
    member.position = "新职务"
    member.save()
    (entry,) = entries(object_type="orgs.member", object_id=str(member.pk), action=AuditEntry.UPDATE)
    assert entry.before == {"position": old_position} and entry.after == {"position": "新职务"}
    assert entry.object_label == str(member) and entry.unit_id == side_a.unit.pk
    assert entry.actor_id is None and entry.actor_label == ""  # no request, no job actor: 系统
    member.save()  # nothing changed: no entry
    assert len(entries(object_type="orgs.member", object_id=str(member.pk), action=AuditEntry.UPDATE)) == 1


def test_a_password_change_is_recorded_without_the_hash(side_a):
    user = side_a.member_user
    last = AuditEntry.objects.latest("id").pk
    user.set_password("Another-Passw0rd!")
    user.save()
    (entry,) = entries(object_type="orgs.user", object_id=str(user.pk), action=AuditEntry.UPDATE, id__gt=last)
    assert entry.before["password"] == "******" and "pbkdf2" not in str(entry.after)


def _roster(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["单位", "支部", "姓名", "性别", "出生日期", "入党日期", "党员状态", "职务"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_a_bulk_import_writes_an_entry_per_member_and_membership(client, committee_user, side_a):
    client.force_login(committee_user)
    content = _roster(
        [
            ["市A局", "A局第一党支部", "王小明", "男", dt.date(1990, 5, 4), dt.date(2015, 7, 1), "正式党员", "科长"],
            ["市A局", "A局第二党支部", "李红", "女", dt.date(1992, 3, 8), dt.date(2018, 6, 30), "预备", ""],
        ]
    )
    upload = SimpleUploadedFile("名册.xlsx", content, content_type=XLSX)
    response = client.post(reverse("orgs:roster_import"), {"file": upload}, REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 200 and response.context["result"].created == 2

    created = entries(object_type="orgs.member", action=AuditEntry.CREATE, actor_id=committee_user.pk)
    assert sorted(e.object_label for e in created) == sorted(["王小明", "李红"])
    assert {e.unit_id for e in created} == {side_a.unit.pk} and {e.address for e in created} == {"10.1.1.1"}
    assert len(entries(object_type="orgs.membership", action=AuditEntry.CREATE, actor_id=committee_user.pk)) == 2

    wang = Member.objects.get(name="王小明")
    content = _roster(
        [["市A局", "A局第一党支部", "王小明", "男", dt.date(1990, 5, 4), dt.date(2015, 7, 1), "正式党员", "处长"]]
    )
    upload = SimpleUploadedFile("名册.xlsx", content, content_type=XLSX)
    assert client.post(reverse("orgs:roster_import"), {"file": upload}).context["result"].updated == 1
    (updated,) = entries(object_type="orgs.member", object_id=str(wang.pk), action=AuditEntry.UPDATE)
    assert updated.before == {"position": "科长"} and updated.after == {"position": "处长"}


# --- the page ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["unit_secretary", "branch_secretary", "member_user"])
def test_only_the_committee_sees_the_page_and_the_export(client, side_a, who):
    client.force_login(getattr(side_a, who))
    assert client.get(LIST).status_code == 403
    assert client.get(EXPORT).status_code == 403


def test_committee_searches_by_person_unit_type_action_and_dates(client, side_a, side_b, committee_user):
    member = side_a.members[1]
    with audit.acting_as(side_a.unit_secretary):
        member.position = "改过的职务"
        member.save()
    side_b.members[1].position = "B改"
    side_b.members[1].save()
    client.force_login(committee_user)
    today = timezone.localdate().isoformat()
    query = {
        "person": side_a.unit_secretary.username,
        "unit": side_a.unit.pk,
        "object_type": "orgs.member",
        "action": "update",
        "start": today,
        "end": today,
    }
    response = client.get(LIST, query)
    assert response.status_code == 200
    rows = list(response.context["page"])
    assert [e.object_id for e in rows] == [str(member.pk)]
    assert "改过的职务" in response.content.decode()
    assert list(client.get(LIST, {**query, "start": "2000-01-01", "end": "2000-01-02"}).context["page"]) == []

    export = client.get(EXPORT, query)
    assert export.status_code == 200 and export["Content-Type"].startswith(XLSX)
    sheet = load_workbook(io.BytesIO(export.content), read_only=True).active
    lines = list(sheet.values)
    assert lines[0][0] == "时间" and len(lines) == 2 and lines[1][6] == str(member)


def test_bad_parameters_are_messages_not_errors(client, committee_user, side_a):
    client.force_login(committee_user)
    response = client.get(LIST, {"unit": "x\x00", "action": "erase", "start": "2024-13-45", "object_type": "nope"})
    assert response.status_code == 200
    assert len(response.context["filter_messages"]) == 4
    assert client.get(EXPORT, {"unit": "99999999999999999999"}).status_code == 200


# --- nobody can change or delete an entry; the cleanup keeps the window ----------------------------------------------


def test_no_way_to_change_or_delete_an_entry(client, side_a, committee_user):
    side_a.members[1].position = "x"
    side_a.members[1].save()
    entry = AuditEntry.objects.first()
    entry.note = "篡改"
    with pytest.raises(PermissionDenied):
        entry.save()
    with pytest.raises(PermissionDenied):
        entry.delete()
    with pytest.raises(PermissionDenied):
        AuditEntry.objects.all().delete()
    with pytest.raises(PermissionDenied):
        AuditEntry.objects.filter(pk=entry.pk).update(note="篡改")
    assert AuditEntry.objects.get(pk=entry.pk).note == ""
    assert AuditEntry not in admin.site._registry
    client.force_login(committee_user)
    assert client.post(LIST).status_code == 405 and client.post(EXPORT).status_code == 405
    assert client.delete(LIST).status_code == 405


def _aged(days: int) -> AuditEntry:
    return AuditEntry.objects.create(
        at=timezone.now() - dt.timedelta(days=days), action=AuditEntry.UPDATE, object_type="x", object_type_label="x"
    )


def test_cleanup_deletes_only_entries_past_the_retention_window(settings, db):
    # Entries of the fixtures stay (the database refuses to delete recent ones on PostgreSQL).
    kept = [
        *sorted(AuditEntry.objects.values_list("pk", flat=True)),
        _aged(1).pk,
        _aged(179).pk,
        _aged(200).pk,
        _aged(364).pk,
    ]
    _aged(366)
    _aged(1000)
    settings.PORTAL_AUDIT_RETENTION_DAYS = 365
    assert purge_audit_entries_task.apply().get() == 2
    assert sorted(AuditEntry.objects.values_list("pk", flat=True)) == kept
    settings.PORTAL_AUDIT_RETENTION_DAYS = 30  # below the legal minimum: 180 days are kept anyway
    assert audit.purge_expired() == 2
    assert sorted(AuditEntry.objects.values_list("pk", flat=True)) == kept[:-2]


def test_a_job_can_act_for_someone_and_demo_style_writes_can_be_paused(side_a, committee_user):
    member = side_a.members[2]
    with audit.suppressed():
        member.position = "静默"
        member.save()
    assert not entries(object_type="orgs.member", object_id=str(member.pk), action=AuditEntry.UPDATE)
    with audit.acting_as(committee_user, address="127.0.0.1"):
        member.position = "有记录"
        member.save()
    (entry,) = entries(object_type="orgs.member", object_id=str(member.pk), action=AuditEntry.UPDATE)
    assert (entry.actor_id, entry.address) == (committee_user.pk, "127.0.0.1")
