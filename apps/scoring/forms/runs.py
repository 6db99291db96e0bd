"""Forms of the runs pages: starting a run (a kind of period and one period), choosing a published ranking."""

from __future__ import annotations

from django import forms

from apps.core.forms import BootstrapFormMixin
from apps.core.periods import Frequency, Period


class RunStartForm(BootstrapFormMixin, forms.Form):
    """期间类型 + 期间. The select offers the periods from the platform's start to today; any period typed in is read
    and left to the service to judge (before the platform's start: not scored, not ranked)."""

    period_kind = forms.ChoiceField(label="期间类型", choices=Frequency.choices)
    period = forms.CharField(label="期间", max_length=10)

    def __init__(self, *args, periods: dict[str, list[Period]], default: Period, **kwargs):
        kwargs.setdefault("initial", {"period_kind": default.kind, "period": default.key})
        super().__init__(*args, **kwargs)
        labels = dict(Frequency.choices)
        groups = [(labels[kind], [(p.key, p.label) for p in items]) for kind, items in periods.items() if items]
        self.fields["period"].widget = forms.Select(choices=groups, attrs={"class": "form-select", "data-period": ""})
        self.fields["period_kind"].widget.attrs["data-period-kind"] = ""

    def clean_period(self) -> Period:
        text = self.cleaned_data["period"]
        if "\x00" in text:
            raise forms.ValidationError("期间包含无效字符。")
        try:
            return Period.parse(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean(self):
        data = super().clean()
        period, kind = data.get("period"), data.get("period_kind")
        if isinstance(period, Period) and kind and period.kind != kind:
            self.add_error("period", "所选期间与期间类型不一致。")
        return data


class RankingChoiceForm(forms.Form):
    """The rankings page's ?run=: one of the published runs (any other id is "not a valid choice")."""

    run = forms.ModelChoiceField(label="期间", queryset=None, required=False)

    def __init__(self, *args, runs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["run"].queryset = runs
