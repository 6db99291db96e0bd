"""Forms of 督促检查 (inspections): the inspection, a finding with its rectification (one step), and the
rectification's flow (the unit's submission with files; the committee's acceptance or return)."""

from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet

from apps.core.forms import BootstrapFormMixin, DateInput, MultipleFileField
from apps.orgs.models import Unit

from ..models import Finding, Inspection, Rectification
from ..services.inspections import FINDING_FIELDS, INSPECTION_FIELDS, RECTIFICATION_FIELDS


def unit_options(scope, instance) -> QuerySet[Unit]:
    """Active units the user manages (all for the committee), and the record's own unit when editing."""
    return scope.managed_units().filter(Q(active=True) | Q(pk=getattr(instance, "unit_id", None)))


class InspectionForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Inspection
        fields = INSPECTION_FIELDS
        widgets = {"held_on": DateInput(), "summary": forms.Textarea(attrs={"rows": 4})}


class FindingForm(BootstrapFormMixin, forms.ModelForm):
    """A finding (unit, description, severity) and, in the same step, its rectification's requirement,
    required evidence and deadline."""

    requirement = forms.CharField(label="整改要求", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    required_evidence = forms.CharField(
        label="须提交的佐证",
        max_length=300,
        initial="整改报告、现场照片",
        help_text="例如 整改报告、制度文件、现场照片",
    )
    deadline = forms.DateField(
        label="整改期限", widget=DateInput(), help_text="期限当日24时（北京时间）前完成销号为按时"
    )

    class Meta:
        model = Finding
        fields = FINDING_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, scope, rectification: Rectification | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        units = scope.managed_units()
        self.fields["unit"].queryset = units.filter(active=True) | units.filter(
            pk=getattr(self.instance, "unit_id", None)
        )
        self.fields["unit"].empty_label = "请选择单位"
        if rectification is not None:
            for name in RECTIFICATION_FIELDS:
                self.initial.setdefault(name, getattr(rectification, name))

    def finding_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in FINDING_FIELDS}

    def rectification_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in RECTIFICATION_FIELDS}


class SubmitForm(BootstrapFormMixin, forms.Form):
    measures = forms.CharField(
        label="整改措施及成效",
        max_length=Rectification._meta.get_field("measures").max_length,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "采取了哪些措施，取得了什么成效"}),
        error_messages={"required": "请填写整改措施及成效。"},
    )
    files = MultipleFileField(label="佐证材料", help_text="图片（JPEG/PNG/WebP/GIF）或 PDF，每个不超过 10 MB，可多选")


class AcceptForm(BootstrapFormMixin, forms.Form):
    comment = forms.CharField(label="销号意见", max_length=500, required=False)


class ReturnForm(BootstrapFormMixin, forms.Form):
    comment = forms.CharField(
        label="退回意见",
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "例如：缺少制度文件，请补充后重新提交"}),
        error_messages={"required": "退回时请填写退回意见。"},
    )
