"""Forms of 约谈提醒 (talks): the committee's record of a talk, and marking its follow-up done."""

from __future__ import annotations

from django import forms

from apps.core.forms import BootstrapFormMixin, DateInput

from ..models import Talk
from ..services.talks import TALK_FIELDS
from .inspections import unit_options


class TalkForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Talk
        fields = TALK_FIELDS
        widgets = {
            "held_on": DateInput(),
            "follow_up_due": DateInput(),
            "outcome": forms.Textarea(attrs={"rows": 4}),
            "reason": forms.Textarea(attrs={"rows": 2}),
            "follow_up": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = unit_options(scope, self.instance)
        self.fields["unit"].empty_label = "请选择单位"

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in TALK_FIELDS if name in self.cleaned_data}


class FollowUpDoneForm(BootstrapFormMixin, forms.Form):
    done_on = forms.DateField(label="落实日期", widget=DateInput(), error_messages={"required": "请填写落实日期。"})
