"""Discipline deletes go to the trash (回收站): a 警示教育 session with its attendance, a 履责报告's file (kept on
disk until the purge, refused back into a report already submitted)."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.core import trash
from apps.core.models import TrashEntry
from apps.discipline.models import Attachment, DutyReport, WarningSession
from apps.discipline.services import education
from apps.discipline.services import reports as services
from tests.discipline.test_reports_access import NOW, open_round, png

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 5, 20)


def test_warning_session_with_attendance_goes_to_the_trash_and_comes_back(side_a, committee_user):
    present, absent = side_a.members[:2]
    session = education.warning_session_save(
        actor=side_a.unit_secretary,
        unit=side_a.unit,
        title="观看警示片",
        held_on=DAY,
        hours=Decimal("3"),
        attendance=[
            education.AttendanceInput(member_id=present.pk),
            education.AttendanceInput(member_id=absent.pk, present=False, absence_reason="出差"),
        ],
        today=DAY,
    )
    pk, rows = session.pk, sorted(session.attendances.values_list("pk", "member_id", "present"))
    education.warning_session_delete(actor=side_a.unit_secretary, session=session)
    assert not WarningSession.objects.exists()
    entry = TrashEntry.objects.get()
    assert (entry.kind, entry.unit_id) == ("discipline.warningsession", side_a.unit.pk)
    trash.restore(entry, actor=committee_user)
    assert sorted(WarningSession.objects.get(pk=pk).attendances.values_list("pk", "member_id", "present")) == rows


def test_report_file_stays_on_disk_and_comes_back_only_while_the_report_is_open(
    client, settings, side_a, side_b, committee_user, django_capture_on_commit_callbacks
):
    open_round(committee_user, [side_a.unit, side_b.unit])
    report = DutyReport.objects.get(unit=side_a.unit)
    report = services.report_save(actor=side_a.unit_secretary, report=report, fields={"content": "报告"})
    [attachment] = services.report_files_add(actor=side_a.unit_secretary, report=report, uploads=[png()])
    path = Path(settings.MEDIA_ROOT) / attachment.file.name
    client.force_login(side_a.unit_secretary)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("discipline:report_file_delete", args=[attachment.pk]), follow=True)
    assert trash.MOVED in response.content.decode()
    assert not Attachment.objects.exists() and path.exists()
    entry = TrashEntry.objects.get()
    assert (entry.kind, entry.unit_id) == ("discipline.attachment", side_a.unit.pk)

    services.report_submit(actor=side_a.unit_secretary, report=report, now=NOW)
    with pytest.raises(ValidationError, match="不能恢复附件"):
        trash.restore(entry, actor=committee_user)
    assert not Attachment.objects.exists()

    DutyReport.objects.filter(pk=report.pk).update(status="returned")
    trash.restore(entry, actor=committee_user)
    assert Attachment.objects.get(pk=attachment.pk).file.name == attachment.file.name and path.exists()


def test_duty_list_draft_item_and_template_item_go_to_the_trash_through_the_api(client, side_a, committee_user):
    from apps.discipline.models import DutyTemplateItem, UnitDutyItem, UnitDutyList
    from apps.discipline.services import duties
    from tests.discipline.test_duties import LISTS, publish_template

    publish_template(committee_user, [("主体责任", "履行主体责任", "党组书记"), ("监督责任", "监督检查", "")])
    draft = duties.unit_duty_list_adopt(actor=side_a.unit_secretary, unit=side_a.unit)
    items = sorted(draft.items.values_list("pk", "content"))
    duties.unit_duty_item_delete(actor=side_a.unit_secretary, item=draft.items.get(content="监督检查"))
    item_entry = TrashEntry.objects.get(kind="discipline.unitdutyitem")
    assert item_entry.unit_id == side_a.unit.pk
    client.force_login(side_a.unit_secretary)
    assert client.delete(f"{LISTS}{draft.pk}/").status_code == 204  # the API discards through the same service
    assert not UnitDutyList.objects.filter(pk=draft.pk).exists() and not UnitDutyItem.objects.exists()
    list_entry = TrashEntry.objects.get(kind="discipline.unitdutylist")
    assert list_entry.unit_id == side_a.unit.pk

    with pytest.raises(ValidationError, match="请先恢复"):  # the item's list is itself in the trash
        trash.restore(item_entry, actor=committee_user)
    trash.restore(list_entry, actor=committee_user)
    trash.restore(item_entry, actor=committee_user)
    assert sorted(UnitDutyItem.objects.filter(duty_list_id=draft.pk).values_list("pk", "content")) == items

    template = duties.duty_template_new_version(actor=committee_user)
    item = template.items.first()
    duties.duty_template_item_delete(actor=committee_user, item=item)
    trash.restore(TrashEntry.objects.get(kind="discipline.dutytemplateitem"), actor=committee_user)
    assert DutyTemplateItem.objects.filter(template=template).count() == 2
