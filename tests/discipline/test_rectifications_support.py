"""Helpers of the supervision tests (inspections, findings, rectifications, talks): records made through the
services, and small real files (a PNG, a PDF) for evidence uploads. No tests here."""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from apps.discipline.models import Finding, Inspection, InspectionKind, Severity
from apps.discipline.services import inspections as services


def png(name: str = "现场照片.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def pdf(name: str = "整改报告.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="application/pdf"
    )


def fake_png(name: str = "伪装.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"MZ this is not an image at all", content_type="image/png")


def inspection(committee, *, held_on: dt.date | None = None, title: str = "纪律作风专项检查") -> Inspection:
    return services.inspection_create(
        actor=committee,
        fields={
            "kind": InspectionKind.UNANNOUNCED,
            "title": title,
            "held_on": held_on or timezone.localdate() - dt.timedelta(days=20),
            "inspectors": "张三、李四",
            "summary": "上班时间抽查在岗情况。",
        },
    )


def finding(
    committee,
    unit,
    *,
    of: Inspection | None = None,
    deadline: dt.date | None = None,
    description: str = "工作日上午有2名干部离岗",
) -> Finding:
    of = of or inspection(committee, held_on=deadline - dt.timedelta(days=30) if deadline else None)
    return services.finding_create(
        actor=committee,
        inspection=of,
        fields={"unit": unit, "description": description, "severity": Severity.GENERAL},
        rectification={
            "requirement": "建立考勤制度并通报",
            "required_evidence": "整改报告、制度文件",
            "deadline": deadline or timezone.localdate() + dt.timedelta(days=15),
        },
    )


def submitted(committee, side, **kwargs):
    """A rectification of side's unit, submitted by its secretary with one PNG."""
    rect = finding(committee, side.unit, **kwargs).rectification
    return services.rectification_submit(
        actor=side.unit_secretary, rectification=rect, measures="已建立考勤制度", files=[png()]
    )
