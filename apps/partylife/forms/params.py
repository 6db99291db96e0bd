"""The compliance pages' query parameters (calendar, cell, overviews, rules, 关账), each read by one form.

A branch, unit, rule or window that is bad or outside the user's scope is a `subject_error`
(the page answers 404); any other bad parameter is ignored and named on the page.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from apps.core.periods import Frequency, Period
from apps.orgs.access import Scope
from apps.orgs.models import Unit, UnitCategory

from ..compliance import FIRST_YEAR, LAST_YEAR, Status
from ..models import ComplianceRule, Level


class PeriodField(forms.Field):
    """A period typed as 2026, 2026-Q3 or 2026-03 (`Period.parse`, years 2000–2100); `kinds` narrows it."""

    default_error_messages = {"kind": "请选择月份。"}

    def __init__(self, *, kinds: tuple[str, ...] = (), **kwargs):
        super().__init__(**kwargs)
        self.kinds = kinds

    def to_python(self, value) -> Period | None:
        text = str(value or "").strip()
        if not text:
            return None
        try:
            period = Period.parse(text)
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid") from exc
        if self.kinds and period.kind not in self.kinds:
            raise ValidationError(self.error_messages["kind"], code="kind")
        return period


def _year_field() -> forms.IntegerField:
    message = f"应为 {FIRST_YEAR} 至 {LAST_YEAR} 之间的整数。"
    return forms.IntegerField(
        label="年份",
        required=False,
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        error_messages=dict.fromkeys(("invalid", "min_value", "max_value"), message),
    )


class NodeChoiceField(forms.ModelChoiceField):
    """A unit's or branch's id: any bad value (letters, NUL, an id outside the queryset) is “invalid_choice”."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError as exc:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from exc


def _node_field(label: str) -> NodeChoiceField:
    """A unit or branch id; its queryset (the user's scope) is set by the form."""
    return NodeChoiceField(
        label=label,
        queryset=Unit.objects.none(),
        required=False,
        error_messages={"invalid_choice": "不存在，或不在您负责的范围内。"},
    )


def _choice_field(label: str, choices, *, everything: str, **kwargs) -> forms.ChoiceField:
    field = forms.TypedChoiceField if "coerce" in kwargs else forms.ChoiceField
    return field(
        label=label,
        required=False,
        choices=[("", everything), *choices],
        error_messages={"invalid_choice": "请从列表中选择。"},
        **kwargs,
    )


class PageParams(forms.Form):
    """A page's query parameters, read once by form fields (never `isdigit()` and `int()`).

    `subject_fields` name what the page is about (a branch, a unit, a rule, a window): when one of
    them is bad there is no such page, and the view answers 404. Any other bad parameter is ignored
    (`get()` gives the default) and `messages()` names it in Chinese, for the page to show.
    """

    subject_fields: tuple[str, ...] = ()

    def __init__(self, data, *, scope: Scope):
        super().__init__(data)
        self.scope = scope

    @property
    def subject_error(self) -> bool:
        return not self.is_valid() and any(name in self.errors for name in self.subject_fields)

    def get(self, name: str, default=None):
        self.is_valid()
        value = self.cleaned_data.get(name)
        return default if value is None or value == "" else value

    def messages(self) -> list[str]:
        self.is_valid()
        return [
            f"{self.fields[name].label}：{error}"
            for name, errors in self.errors.items()
            if name in self.fields and name not in self.subject_fields
            for error in errors
        ]


class CalendarParams(PageParams):
    """A branch's year calendar: the branch (the committee may pick a unit first), the year, the view."""

    subject_fields = ("branch", "unit")
    branch = _node_field("支部")
    unit = _node_field("单位")
    year = _year_field()
    view = _choice_field("视图", [("grid", "表格"), ("list", "列表")], everything="自动")

    def __init__(self, data, *, scope: Scope):
        super().__init__(data, scope=scope)
        self.fields["branch"].queryset = scope.managed_branches()
        if scope.is_committee:
            self.fields["unit"].queryset = scope.units()
        else:
            del self.fields["unit"]  # a secretary's unit follows from the branch


class CellParams(PageParams):
    """One cell: a rule, a window, and the branch (branch rules) or the unit (unit rules) it judges."""

    subject_fields = ("rule", "window", "branch", "unit")
    rule = forms.ModelChoiceField(label="规则", queryset=ComplianceRule.objects.select_related("activity_type"))
    window = PeriodField(label="周期")
    branch = _node_field("支部")
    unit = _node_field("单位")

    def __init__(self, data, *, scope: Scope):
        super().__init__(data, scope=scope)
        self.fields["branch"].queryset = scope.managed_branches()
        self.fields["unit"].queryset = scope.managed_units()

    def clean(self):
        data = super().clean()
        rule = data.get("rule")
        if rule is not None:
            subject = "unit" if rule.activity_type.level == Level.UNIT else "branch"
            if data.get(subject) is None and subject not in self.errors:
                self.add_error(subject, f"请选择{self.fields[subject].label}。")
        return data


class UnitOverviewParams(PageParams):
    """A unit's view of its branches: the unit (the committee and secretaries of several units pick one), the period."""

    subject_fields = ("unit",)
    unit = _node_field("单位")
    period = PeriodField(label="期间", required=False)

    def __init__(self, data, *, scope: Scope):
        super().__init__(data, scope=scope)
        self.fields["unit"].queryset = scope.managed_units()


class OverviewParams(PageParams):
    """The committee's overview of all units and its Excel export: period, unit category, rule, status."""

    period = PeriodField(label="期间", required=False)
    category = _choice_field("单位分类", UnitCategory.choices, everything="全部分类")
    rule = _choice_field("规则", [], everything="全部规则", coerce=int, empty_value=None)
    status = _choice_field("状态", Status.choices, everything="全部状态")

    def __init__(self, data, *, scope: Scope, rules: list[ComplianceRule]):
        super().__init__(data, scope=scope)
        self.fields["rule"].choices = [("", "全部规则"), *[(r.pk, r.name) for r in rules]]

    def choices(self, name: str) -> list[tuple[str, str]]:
        return [(str(value), label) for value, label in self.fields[name].choices]

    def values(self) -> dict[str, str]:
        """The valid filters as the filter bar shows them selected (an ignored one shows as 全部)."""
        return {name: "" if self.get(name) is None else str(self.get(name)) for name in ("category", "rule", "status")}


class YearParams(PageParams):
    """The year of the 关账 page."""

    year = _year_field()


class OverrideParams(PageParams):
    """Which unit's override of a rule to open (none: a new one)."""

    unit = _node_field("单位")

    def __init__(self, data, *, scope: Scope):
        super().__init__(data, scope=scope)
        self.fields["unit"].queryset = scope.units()


class MonthForm(forms.Form):
    """The month to close (关账) or reopen."""

    month = PeriodField(label="月份", kinds=(Frequency.MONTH,))
