"""Forms of the progress pages: the year selector, the overview's parameters, the year's targets.

Query parameters are read by form fields (never `isdigit()` and `int()`); a bad one is ignored and
named on the page.
"""

from __future__ import annotations

from django import forms

from apps.core.forms import BootstrapFormMixin
from apps.orgs.models import UnitCategory

from ..filters.progress import year_bounds
from ..models import StudyYear
from ..services.progress import STUDY_YEAR_FIELDS


def year_choices() -> list[tuple[int, str]]:
    first, last = year_bounds()
    return [(year, f"{year}年") for year in range(last, first - 1, -1)]


def _year_field() -> forms.TypedChoiceField:
    first, last = year_bounds()
    return forms.TypedChoiceField(
        label="年度",
        required=False,
        coerce=int,
        choices=[("", "今年"), *year_choices()],
        error_messages={"invalid_choice": f"应为 {first} 至 {last} 之间的年份。"},
    )


class ParamsForm(forms.Form):
    """A page's query parameters: `get()` gives a valid one or the default, `messages()` names the bad ones."""

    def get(self, name: str, default=None):
        self.is_valid()
        value = self.cleaned_data.get(name)
        return default if value is None or value == "" else value

    def messages(self) -> list[str]:
        self.is_valid()
        return [f"{self.fields[name].label}：{error}" for name, errors in self.errors.items() for error in errors]


class YearForm(ParamsForm):
    """The year a member's progress page shows."""

    year = _year_field()

    def __init__(self, data=None):
        super().__init__(data)
        self.fields["year"] = _year_field()  # this year changes on 1 January: build the choices per request


OVERVIEW_SORTS = [
    ("met", "目标完成率从低到高"),
    ("-met", "目标完成率从高到低"),
    ("hours", "人均学时从少到多"),
    ("behind", "落后人数从多到少"),
    ("exam", "及格率从低到高"),
]


class OverviewParams(ParamsForm):
    """The committee overview's year, unit category and sort (the page and its export read the same)."""

    year = _year_field()
    category = forms.ChoiceField(
        label="单位分类",
        required=False,
        choices=[("", "全部分类"), *UnitCategory.choices],
        error_messages={"invalid_choice": "请从列表中选择。"},
    )
    sort = forms.ChoiceField(
        label="排序",
        required=False,
        choices=[("", "单位顺序"), *OVERVIEW_SORTS],
        error_messages={"invalid_choice": "请从列表中选择。"},
    )

    def __init__(self, data=None):
        super().__init__(data)
        self.fields["year"] = _year_field()


class StudyYearForm(BootstrapFormMixin, forms.ModelForm):
    """A year's targets and 自学 caps (`services.progress.study_year_save` decides what is valid)."""

    class Meta:
        model = StudyYear
        fields = STUDY_YEAR_FIELDS

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["year"].disabled = True  # a year's row is edited, never moved to another year
