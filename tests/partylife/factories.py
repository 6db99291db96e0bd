import datetime as dt
import io
from zoneinfo import ZoneInfo

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.partylife.models import Activity, ActivityStatus, ActivityType, ComplianceRule
from tests.orgs.factories import BranchFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=10, mm=0) -> dt.datetime:
    """An aware datetime in Asia/Shanghai."""
    return dt.datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def activity_type(code: str) -> ActivityType:
    return ActivityType.objects.get(code=code)


def rule_for(code: str) -> ComplianceRule:
    return ComplianceRule.objects.get(activity_type__code=code)


class ActivityFactory(factory.django.DjangoModelFactory):
    """A submitted, complete record (the engine's input) unless told otherwise."""

    class Meta:
        model = Activity

    activity_type = factory.LazyFunction(lambda: activity_type("branch_committee_meeting"))
    branch = factory.SubFactory(BranchFactory)
    unit = factory.LazyAttribute(lambda o: o.branch.unit if o.branch else None)
    topic = "研究支部工作"
    held_at = factory.LazyFunction(lambda: at(2026, 3, 10))
    minutes = "会议记录"
    status = ActivityStatus.SUBMITTED
    evidence_complete = True


def png_upload(name="photo.png", size=(40, 30)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def pdf_upload(name="minutes.pdf") -> SimpleUploadedFile:
    body = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")
