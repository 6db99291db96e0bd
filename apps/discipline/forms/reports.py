"""Forms of 履责报告: a round (the committee), the report's text and files (the unit), a review comment."""

from __future__ import annotations

from django import forms

from apps.core.forms import BootstrapFormMixin, DateInput, MultipleFileField

from ..models import DutyReport, ReportRound
from ..services.reports import REPORT_FIELDS, ROUND_FIELDS


class RoundForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = ReportRound
        fields = (*ROUND_FIELDS, "units")
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "due_on": DateInput(),
            "units": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["units"].queryset = units

    def _post_clean(self):
        # The service validates the round (dates in range, period order) and answers in Chinese.
        pass


class ReportForm(BootstrapFormMixin, forms.ModelForm):
    files = MultipleFileField(label="附件", help_text="图片或 PDF，每个不超过 10 MB；可一次选择多个")

    class Meta:
        model = DutyReport
        fields = REPORT_FIELDS
        widgets = {"content": forms.Textarea(attrs={"rows": 12})}


class ReviewForm(BootstrapFormMixin, forms.Form):
    comment = forms.CharField(
        label="审核意见", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
