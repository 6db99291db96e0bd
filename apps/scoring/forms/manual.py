"""Forms of the manual points pages: one entry, the Excel import."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from apps.core.forms import BootstrapFormMixin
from apps.core.periods import Frequency, Period
from apps.orgs.models import Unit

from ..models import Indicator, ManualScore
from ..selectors.manual import hand_indicators
from ..services.manual import MANUAL_FIELDS, scorable_periods
from ..services.manual_import import MAX_FILE_BYTES, MAX_ROWS


class IndicatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Indicator) -> str:
        method = obj.get_method_display()
        return f"{obj.system.year}年 · {obj.get_look_display()} · {obj.name}（{method}，{obj.max_points}分）"


class ManualForm(BootstrapFormMixin, forms.ModelForm):
    """One entry: the indicator (entered by hand, of a system in force), the unit, the period, points, note."""

    indicator = IndicatorChoiceField(label="指标", queryset=Indicator.objects.none())
    unit = forms.ModelChoiceField(label="单位", queryset=Unit.objects.filter(active=True))
    period_kind = forms.ChoiceField(label="期间类型", choices=Frequency.choices, initial=Frequency.QUARTER)
    period_key = forms.ChoiceField(label="期间", help_text="从平台启用日期至今")
    evidence = forms.FileField(label="佐证材料", required=False, help_text="图片或 PDF，可不上传")
    clear_evidence = forms.BooleanField(label="删除已上传的佐证材料", required=False)

    field_order = ("indicator", "unit", "period_kind", "period_key", "points", "note", "evidence", "clear_evidence")

    class Meta:
        model = ManualScore
        fields = ("period_kind", *MANUAL_FIELDS)
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        indicators = hand_indicators()
        if self.instance.pk and self.instance.indicator_id not in {i.pk for i in indicators}:
            indicators.append(self.instance.indicator)
        self.fields["indicator"].queryset = (
            Indicator.objects.filter(pk__in=[i.pk for i in indicators])
            .select_related("system")
            .order_by("-system__year", "order", "id")
        )
        if self.instance.pk:
            self.fields["unit"].queryset = Unit.objects.filter(active=True) | Unit.objects.filter(
                pk=self.instance.unit_id
            )
        periods = scorable_periods(today=today or timezone.localdate())
        kinds = dict(Frequency.choices)
        self.fields["period_key"].choices = [
            (kinds[kind], [(p.key, p.label) for p in rows]) for kind, rows in periods.items()
        ]
        if self.instance.pk:
            keys = {p.key for rows in periods.values() for p in rows}
            if self.instance.period_key not in keys:
                self.fields["period_key"].choices.append((self.instance.period_key, self.instance.period_key))
        else:
            self.fields["clear_evidence"].widget = forms.HiddenInput()
        self.fields["period_key"].widget.attrs["data-period-select"] = "1"
        self.fields["period_kind"].widget.attrs["data-period-kind"] = "1"

    def _get_validation_exclusions(self):
        # One entry per indicator, unit and period is the service's check (it names and links the first).
        exclude = super()._get_validation_exclusions()
        exclude.add("period_key")
        return exclude

    def clean(self):
        data = super().clean()
        key, kind = data.get("period_key"), data.get("period_kind")
        if key and kind:
            try:
                if Period.parse(key).kind != kind:
                    self.add_error("period_key", "所选期间与期间类型不一致。")
            except ValueError as exc:
                self.add_error("period_key", str(exc))
        return data


class ManualImportForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label="人工评分文件（.xlsx）",
        widget=forms.FileInput(attrs={"accept": ".xlsx"}),
        error_messages={"required": "请选择要导入的 .xlsx 文件。", "empty": "上传的文件是空的。"},
        help_text=f"不超过 {MAX_FILE_BYTES // (1024 * 1024)} MB，每次最多 {MAX_ROWS} 条。",
    )
    dry_run = forms.BooleanField(label="仅检查，不导入", required=False, initial=True)
