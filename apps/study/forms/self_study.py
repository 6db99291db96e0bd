"""Forms of 自学: the member's entry (short, for a phone) and the year picker of their list."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from apps.core.forms import BootstrapFormMixin, DateInput

from ..models import SelfStudy
from ..services.self_study import SELF_STUDY_FIELDS


class LinkField(forms.URLField):
    """A link typed without a scheme is read as https://."""

    def __init__(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        super().__init__(**kwargs)


class SelfStudyForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        field_classes = {"link": LinkField}
        model = SelfStudy
        fields = SELF_STUDY_FIELDS
        widgets = {
            "studied_on": DateInput(),
            "note": forms.Textarea(attrs={"rows": 2, "maxlength": 300}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["studied_on"].widget.attrs["max"] = today.isoformat()
        self.fields["studied_on"].initial = today
        hours = self.fields["hours"]
        hours.initial = 1
        hours.widget.attrs.update({"step": "0.5", "min": "0.5", "max": "8", "inputmode": "decimal"})
        self.fields["title"].widget.attrs["placeholder"] = "例如：学习《习近平谈治国理政》第四卷"
        self.fields["link"].widget.attrs["placeholder"] = "https://"
        self.fields["link"].widget.attrs["inputmode"] = "url"


class YearForm(forms.Form):
    """?year= of the member's own list (a bad value is the current year)."""

    year = forms.IntegerField(min_value=2000, max_value=2100, required=False)

    def year_or_current(self) -> int:
        if self.is_valid() and self.cleaned_data["year"]:
            return self.cleaned_data["year"]
        return timezone.localdate().year
