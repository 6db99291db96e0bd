"""The compliance pages' query parameters (calendar, cell, overviews, rules, 关账), each read by one form.

A branch, unit, rule or window that is bad or outside the user's scope is a `subject_error`
(the page answers 404); any other bad parameter is ignored and named on the page.

Years are bounded by the platform's data (`compliance.year_range`: from the platform's start year to
the current one). The committee may ask a page as of a past day (`?as_of=YYYY-MM-DD`, within the same
bounds); everyone else sees it as of today.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.core.periods import Frequency, Period
from apps.orgs.access import Scope
from apps.orgs.models import Unit, UnitCategory

from ..compliance import FILTER_STATUSES, year_range
from ..models import ComplianceRule, Level


class PeriodField(forms.Field):
    """A period typed as 2026, 2026-Q3 or 2026-03 (`Period.parse`); `kinds` narrows it, `years` bounds it."""

    default_error_messages = {"kind": "请选择月份。"}

    def __init__(self, *, kinds: tuple[str, ...] = (), years: tuple[int, int] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.kinds = kinds
        self.years = years

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
        if self.years and not self.years[0] <= period.year <= self.years[1]:
            raise ValidationError(f"年份应在 {self.years[0]} 至 {self.years[1]} 之间。", code="year")
        return period


def _year_field(first: int, last: int) -> forms.IntegerField:
    message = f"应为 {first} 至 {last} 之间的整数。"
    return forms.IntegerField(
        label="年份",
        required=False,
        min_value=first,
        max_value=last,
        error_messages=dict.fromkeys(("invalid", "min_value", "max_value"), message),
    )


def _as_of_field(first: dt.date, last: dt.date) -> forms.DateField:
    """The evaluation day a committee page is computed as of, from the platform's first year to today."""
    message = f"应为 {first:%Y-%m-%d} 至 {last:%Y-%m-%d} 之间的日期（YYYY-MM-DD）。"
    field = forms.DateField(
        label="评价日",
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": message},
    )
    field.validators.append(_within(first, last, message))
    return field


def _within(first: dt.date, last: dt.date, message: str):
    def check(value: dt.date) -> None:
        if not first <= value <= last:
            raise ValidationError(message, code="bounds")

    return check


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
    #: Whether the committee may ask the page as of a past day (`as_of`).
    dated = False

    def __init__(self, data, *, scope: Scope):
        super().__init__(data)
        self.scope = scope
        self.wall_today = timezone.localdate()  # the page's clock, read once
        if "year" in self.fields:
            self.fields["year"] = _year_field(*self.years)
        for field in self.fields.values():
            if isinstance(field, PeriodField):
                field.years = self.years
        if self.dated and scope.is_committee:
            self.fields["as_of"] = _as_of_field(dt.date(self.years[0], 1, 1), self.wall_today)

    @cached_property
    def years(self) -> tuple[int, int]:
        """The years the page may show (one query: the platform's start)."""
        return year_range(self.wall_today)

    @property
    def as_of(self) -> dt.date | None:
        """The evaluation day the committee asked for, if any (links carry it on)."""
        return self.get("as_of") if "as_of" in self.fields else None

    @property
    def today(self) -> dt.date:
        """The evaluation day: the committee's `as_of`, or today."""
        return self.as_of or self.wall_today

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

    #: The filters a filter bar shows (`values()`, `choices()`).
    filter_names: tuple[str, ...] = ()

    def choices(self, name: str) -> list[tuple[str, str]]:
        return [(str(value), label) for value, label in self.fields[name].choices]

    def values(self) -> dict[str, str]:
        """The valid filters as the filter bar shows them selected (an ignored one shows as 全部)."""
        return {name: "" if self.get(name) is None else str(self.get(name)) for name in self.filter_names}


class CalendarParams(PageParams):
    """A branch's year calendar: the branch (the committee may pick a unit first), the year, the view."""

    subject_fields = ("branch", "unit")
    dated = True
    branch = _node_field("支部")
    unit = _node_field("单位")
    year = forms.IntegerField(required=False)  # bounded by the platform's data in __init__
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
    dated = True
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
    dated = True
    unit = _node_field("单位")
    period = PeriodField(label="期间", required=False)
    status = _choice_field("状态", FILTER_STATUSES, everything="全部状态")
    sort = _choice_field("排序", [("rate", "落实率从低到高"), ("days", "剩余天数从少到多")], everything="支部顺序")
    filter_names = ("status", "sort")

    def __init__(self, data, *, scope: Scope):
        super().__init__(data, scope=scope)
        self.fields["unit"].queryset = scope.managed_units()


class OverviewParams(PageParams):
    """The committee's overview of all units and its Excel export: period, unit category, rule, status."""

    dated = True
    period = PeriodField(label="期间", required=False)
    category = _choice_field("单位分类", UnitCategory.choices, everything="全部分类")
    rule = _choice_field("规则", [], everything="全部规则", coerce=int, empty_value=None)
    status = _choice_field("状态", FILTER_STATUSES, everything="全部状态")
    filter_names = ("category", "rule", "status")

    def __init__(self, data, *, scope: Scope, rules: list[ComplianceRule]):
        super().__init__(data, scope=scope)
        self.fields["rule"].choices = [("", "全部规则"), *[(r.pk, r.name) for r in rules]]


class YearParams(PageParams):
    """The year of the 关账 page."""

    year = forms.IntegerField(required=False)  # bounded by the platform's data in __init__


class OverrideParams(PageParams):
    """Which unit's override of a rule to open (none: a new one)."""

    unit = _node_field("单位")

    def __init__(self, data, *, scope: Scope):
        super().__init__(data, scope=scope)
        self.fields["unit"].queryset = scope.units()


class MonthForm(forms.Form):
    """The month to close (关账) or reopen."""

    month = PeriodField(label="月份", kinds=(Frequency.MONTH,))
