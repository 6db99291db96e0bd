"""Forms of the indicator system pages: the system's rules, an indicator, the next year's system."""

from __future__ import annotations

from django import forms

from apps.core.forms import BootstrapFormMixin

from ..models import Indicator, IndicatorSystem
from ..selectors.systems import metric_choices
from ..services.systems import INDICATOR_FIELDS, SYSTEM_FIELDS, bands_text, parse_bands


class SystemForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = IndicatorSystem
        fields = SYSTEM_FIELDS
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}


class IndicatorForm(BootstrapFormMixin, forms.ModelForm):
    """An indicator; bands are typed as “100:4, 80:2”. Method rules are the service's (check_indicator)."""

    metric_key = forms.ChoiceField(label="数据指标", required=False, help_text="自动评分须选择；扣分、加分、否决可选")
    bands = forms.CharField(
        label="分档",
        required=False,
        max_length=500,
        help_text="分档换算时填写：“不低于的数值:得分”，用逗号分隔，如 100:4, 80:2",
    )
    max_points = forms.DecimalField(label="分值", min_value=0, max_value=100, max_digits=7, decimal_places=2)

    class Meta:
        model = Indicator
        fields = INDICATOR_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = metric_choices()
        current = self.instance.metric_key if self.instance and self.instance.pk else ""
        if current and current not in dict(choices):
            choices.append((current, f"{current}（已不存在）"))
        self.fields["metric_key"].choices = [("", "（不使用平台数据）"), *choices]
        self.fields["metric_key"].widget.attrs["class"] = "form-select"
        self.fields["max_points"].widget.attrs["class"] = "form-control"
        if self.instance and self.instance.pk and not self.is_bound:
            self.initial["bands"] = bands_text(self.instance.bands)

    def clean_bands(self):
        try:
            return parse_bands(self.cleaned_data.get("bands") or "")
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


class NewYearForm(BootstrapFormMixin, forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
