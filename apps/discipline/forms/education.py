"""HTML forms of 典型案例 and 警示教育 sessions (attendance rows are read by `parse_attendance`)."""

from __future__ import annotations

from django import forms

from apps.core.forms import BootstrapFormMixin, DateInput
from apps.orgs.access import Scope
from apps.orgs.models import Unit

from ..models import Case, WarningSession
from ..selectors import education as selectors
from ..services.education import CASE_FIELDS, WARNING_FIELDS, AttendanceInput


class CaseForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Case
        fields = CASE_FIELDS
        widgets = {"summary": forms.Textarea(attrs={"rows": 8}), "units": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = Unit.objects.filter(active=True).order_by("order", "id")

    def _post_clean(self):
        """The service validates and saves."""


class CaseReadForm(forms.Form):
    unit = forms.ModelChoiceField(label="单位", queryset=Unit.objects.none(), required=False)

    def __init__(self, data, *, scope: Scope):
        super().__init__(data)
        self.fields["unit"].queryset = scope.managed_units()


class PlaceForm(forms.Form):
    """Step one of a session: which unit and which day (the roster depends on both)."""

    unit = forms.ModelChoiceField(label="单位", queryset=Unit.objects.none())
    held_on = forms.DateField(label="日期", widget=DateInput())

    def __init__(self, data, *, scope: Scope):
        super().__init__(data)
        self.fields["unit"].queryset = selectors.keepable_units(scope)
        for field in self.fields.values():
            field.widget.attrs["class"] = (
                "form-select form-select-sm" if field is self.fields["unit"] else "form-control form-control-sm"
            )


class WarningSessionForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = WarningSession
        fields = WARNING_FIELDS
        widgets = {
            "held_on": forms.HiddenInput,
            "unit": forms.HiddenInput,
            "content": forms.Textarea(attrs={"rows": 4}),
            "cases": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, scope: Scope, unit: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.keepable_units(scope)
        self.fields["cases"].queryset = selectors.linkable_cases(unit)

    def _post_clean(self):
        """The service validates and saves."""

    def session_kwargs(self) -> dict:
        return {name: self.cleaned_data[name] for name in WARNING_FIELDS}


class RowError(ValueError):
    pass


def parse_attendance(data, roster) -> list[AttendanceInput]:
    """The attendance rows posted for the roster: `present-<id>` ticked or not, `reason-<id>` for an absence."""
    rows = []
    for member in roster:
        present = data.get(f"present-{member.pk}") == "on"
        reason = (data.get(f"reason-{member.pk}") or "").strip()
        if "\x00" in reason or len(reason) > 100:
            raise RowError(f"{member.name}的缺席原因无效（不超过100字）。")
        rows.append(AttendanceInput(member_id=member.pk, present=present, absence_reason=reason))
    return rows
