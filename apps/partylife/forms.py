"""Forms of the activity record pages (登记组织生活): one page, defaults everywhere.

The form only reads and shapes input; `services.activity_save` decides what is
valid and writes. Choices (branches, units, members) come from the user's scope.
"""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils import timezone

from apps.core.forms import BootstrapFormMixin, DateTimeInput
from apps.orgs.access import Scope
from apps.orgs.models import Branch, PartyGroup, Unit

from . import selectors
from .models import Activity, ActivityType, EvidenceKind, Level, ProblemCategory
from .services import ActivityInput, AttendanceInput, EvidenceInput, ProblemInput

# Fields copied to ActivityInput.fields (the service's ACTIVITY_FIELDS the form shows).
TEXT_FIELDS = (
    "topic",
    "held_at",
    "place",
    "host",
    "minutes",
    "lesson_topic",
    "film_title",
    "practice_summary",
    "meeting_name",
    "material",
    "enterprise_name",
)
MEMBER_FIELDS = ("talker", "talkee", "cadre")
# Which form fields a type's flags switch on.
PART_FIELDS = {
    "has_theme_day_parts": ("lesson_topic", "film_title", "practice_summary"),
    "has_first_topic": ("meeting_name", "material"),
    "has_talk_pair": ("talker", "talkee"),
    "has_enterprise": ("enterprise_name", "cadre"),
}
# The three upload inputs: form field → evidence kind.
UPLOAD_FIELDS = {
    "photos": EvidenceKind.PHOTO,
    "minutes_files": EvidenceKind.MINUTES,
    "signin_files": EvidenceKind.SIGNIN,
}


def default_held_at(day: dt.date | None = None) -> dt.datetime:
    """Now, floored to the hour in Asia/Shanghai (never in the future, so 提交 works); 09:00 on another day."""
    now = timezone.localtime()
    if day is None or day == now.date():
        return now.replace(minute=0, second=0, microsecond=0)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; validation of the content is the service's (check_upload)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items if item]


def _member_label(member) -> str:
    return f"{member.name}（支委）" if member.is_branch_committee else member.name


class ActivityForm(BootstrapFormMixin, forms.Form):
    """The one-page record form. Fields a type does not use are removed in __init__."""

    unit = forms.ModelChoiceField(label="单位", queryset=Unit.objects.none(), empty_label="请选择单位")
    branch = forms.ModelChoiceField(label="支部", queryset=Branch.objects.none(), empty_label="请选择支部")
    party_group = forms.ModelChoiceField(label="党小组", queryset=PartyGroup.objects.none(), empty_label="请选择党小组")
    held_at = forms.DateTimeField(label="时间", widget=DateTimeInput())
    place = forms.CharField(label="地点", max_length=100, required=False)
    host = forms.CharField(label="主持人/主讲人", max_length=50, required=False)
    topic = forms.CharField(label="主题", max_length=200)
    lesson_topic = forms.CharField(label="一课：党课主题", max_length=200, required=False)
    film_title = forms.CharField(label="一片：观看影片", max_length=200, required=False)
    practice_summary = forms.CharField(label="一实践：实践活动", max_length=300, required=False)
    meeting_name = forms.CharField(
        label="会议名称", max_length=100, required=False, help_text="例如 党组会议、党委会议"
    )
    material = forms.CharField(
        label="学习内容", max_length=300, required=False, help_text="学习的讲话、指示批示精神篇目"
    )
    talker = forms.ModelChoiceField(label="谈话人", queryset=None, required=False, empty_label="请选择")
    talkee = forms.ModelChoiceField(label="谈话对象", queryset=None, required=False, empty_label="请选择")
    enterprise_name = forms.CharField(label="联系企业", max_length=100, required=False)
    cadre = forms.ModelChoiceField(label="联系干部", queryset=None, required=False, empty_label="请选择")
    minutes = forms.CharField(
        label="会议记录/纪要",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "会议议程、发言要点、决定事项；也可上传记录扫描件"}),
    )
    also_counts_as = forms.ModelMultipleChoiceField(
        label="同时计为",
        queryset=ActivityType.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="一次活动同时满足多项要求时勾选，例如结合组织生活会开展民主评议党员",
    )
    photos = MultipleFileField(label="现场照片", widget=MultipleFileInput(attrs={"accept": "image/*"}))
    minutes_files = MultipleFileField(
        label="会议记录扫描件", widget=MultipleFileInput(attrs={"accept": "image/*,application/pdf"})
    )
    signin_files = MultipleFileField(
        label="签到表", widget=MultipleFileInput(attrs={"accept": "image/*,application/pdf"})
    )

    def __init__(
        self,
        data=None,
        files=None,
        *,
        scope: Scope,
        activity_type: ActivityType,
        activity: Activity | None = None,
        preset=None,
        host_default: str = "",
    ):
        self.scope, self.activity_type, self.activity = scope, activity_type, activity
        preset = preset or {}
        initial = self._initial(activity, preset, host_default)
        super().__init__(data, files, initial=initial)
        t = activity_type
        level = t.level

        # Where: a unit for unit-level types; a branch (and a party group for 党小组会) otherwise.
        if level == Level.UNIT:
            del self.fields["branch"], self.fields["party_group"]
            units = selectors.writable_units(scope)
            self.fields["unit"].queryset = units
            self.chosen_unit = self._chosen(units, "unit", preset, activity.unit if activity else None)
            self.chosen_branch, self.chosen_group = None, None
            if self.chosen_unit is not None:
                self.initial["unit"] = self.chosen_unit.pk
        else:
            del self.fields["unit"]
            branches = selectors.writable_branches(scope)
            self.fields["branch"].queryset = branches
            self.fields["branch"].label_from_instance = (
                (lambda b: f"{b.unit.short_name or b.unit.name} · {b.name}") if scope.is_committee else str
            )
            self.chosen_branch = self._chosen(branches, "branch", preset, activity.branch if activity else None)
            self.chosen_unit = self.chosen_branch.unit if self.chosen_branch else None
            if self.chosen_branch is not None:
                self.initial["branch"] = self.chosen_branch.pk
            if level == Level.PARTY_GROUP:
                groups = selectors.party_groups_of(self.chosen_branch)
                self.fields["party_group"].queryset = groups
                self.chosen_group = self._chosen(
                    groups, "party_group", preset, activity.party_group if activity else None
                )
                if self.chosen_group is not None:
                    self.initial["party_group"] = self.chosen_group.pk
            else:
                del self.fields["party_group"]
                self.chosen_group = None

        # Parts of the form this type uses.
        for flag, names in PART_FIELDS.items():
            if not getattr(t, flag):
                for name in names:
                    del self.fields[name]
        if t.has_talk_pair:
            pair = selectors.roster(scope, unit=self.chosen_unit, branch=self.chosen_branch)
            for name in ("talker", "talkee"):
                self.fields[name].queryset = pair
                self.fields[name].label_from_instance = _member_label
        if t.has_enterprise:
            self.fields["cadre"].queryset = selectors.roster(scope, unit=self.chosen_unit, branch=None)
            self.fields["cadre"].label_from_instance = lambda m: f"{m.name}（{m.branch.name}）"
        others = ActivityType.objects.filter(active=True, level=level).exclude(pk=t.pk)
        if others.exists():
            self.fields["also_counts_as"].queryset = others
        else:
            del self.fields["also_counts_as"]
        # Mark the uploads this type requires.
        for name, needed in (("photos", t.needs_photo), ("signin_files", t.needs_signin)):
            self.fields[name].needed = needed
        self.fields["minutes_files"].needed = False
        self.fields["minutes_files"].help_text = "已填写会议记录的，可不上传" if t.needs_minutes else ""
        if t.needs_minutes:
            self.fields["minutes"].help_text = "本类活动须有会议记录：在此填写，或在下方上传扫描件"
        if "also_counts_as" in self.fields:
            self.fields["also_counts_as"].widget.attrs["class"] = "form-check-input"
        self.fields["photos"].help_text = "可多选；jpg、png 等图片"
        self.fields["signin_files"].help_text = "可多选；图片或 PDF"
        self.fields["topic"].widget.attrs.setdefault("placeholder", f"例如：{t.name}·研究部署本月工作")

    # --- setup helpers ---------------------------------------------------------------------------
    @staticmethod
    def _initial(activity, preset, host_default) -> dict:
        if activity is not None:
            values = {name: getattr(activity, name) for name in TEXT_FIELDS}
            values.update({name: getattr(activity, f"{name}_id") for name in MEMBER_FIELDS})
            values["also_counts_as"] = [t.pk for t in activity.also_counts_as.all()]
            return values
        day = None
        text = (preset.get("date") or "").strip()
        if text:
            try:
                day = dt.date.fromisoformat(text)
            except ValueError:
                day = None
        return {"held_at": default_held_at(day), "host": host_default}

    def _chosen(self, queryset, name, preset, saved):
        """The selected option: posted, else ?name= in the URL, else the saved one, else the only choice."""
        raw = self.data.get(name) if self.is_bound else preset.get(name)
        if raw is not None and str(raw).isdigit():
            found = queryset.filter(pk=int(raw)).first()
            if found is not None or self.is_bound:
                return found
        if saved is not None:
            return saved
        options = list(queryset[:2])
        return options[0] if len(options) == 1 else None

    # --- for the template ------------------------------------------------------------------------------
    def mark_invalid(self) -> None:
        """Give fields with errors Bootstrap's is-invalid class."""
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = (widget.attrs.get("class", "") + " is-invalid").strip()

    @property
    def upload_fields(self):
        return [self[name] for name in UPLOAD_FIELDS]

    # --- to the service ---------------------------------------------------------------------------------
    def to_input(
        self,
        *,
        attendance: list[AttendanceInput] | None,
        problems: list[ProblemInput] | None,
    ) -> ActivityInput:
        data = self.cleaned_data
        fields = {name: data[name] for name in (*TEXT_FIELDS, *MEMBER_FIELDS) if name in self.fields}
        evidence = [
            EvidenceInput(kind=kind, upload=upload) for name, kind in UPLOAD_FIELDS.items() for upload in data[name]
        ]
        return ActivityInput(
            activity_type=self.activity_type,
            unit=data.get("unit"),
            branch=data.get("branch"),
            party_group=data.get("party_group"),
            fields=fields,
            also_counts_as=list(data["also_counts_as"]) if "also_counts_as" in self.fields else None,
            attendance=attendance,
            problems=problems,
            evidence=evidence,
        )


class UnlockForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label="解锁原因", max_length=200, widget=forms.TextInput(attrs={"placeholder": "例如：补充会议记录"})
    )


# --- attendance and enterprise problems (repeatable rows read straight from POST) -------------------------


class RowError(ValueError):
    """Malformed repeatable rows; the message is Chinese and shown on the form."""


def parse_attendance(data) -> list[AttendanceInput]:
    """Read the attendance picker: `att` lists the members on the list, `present` the ticked ones, `reason_<id>`."""
    try:
        ids = [int(v) for v in data.getlist("att")]
        present = {int(v) for v in data.getlist("present")}
    except ValueError as exc:
        raise RowError("出勤名单数据有误，请刷新页面后重试。") from exc
    return [
        AttendanceInput(
            member_id=pk,
            present=pk in present,
            absence_reason="" if pk in present else (data.get(f"reason_{pk}") or "").strip()[:100],
        )
        for pk in ids
    ]


_PROBLEM_KEY = re.compile(r"^problems-(\d+)-(category|description|solved|solved_on|solution)$")


def problem_rows(data) -> list[dict]:
    """The posted problem rows as dicts (blank rows dropped), in their on-page order."""
    rows: dict[int, dict] = {}
    for key in data:
        m = _PROBLEM_KEY.match(key)
        if m:
            rows.setdefault(int(m[1]), {})[m[2]] = (data.get(key) or "").strip()
    result = []
    for index in sorted(rows):
        row = rows[index]
        if not (row.get("description") or row.get("solution") or row.get("solved_on")):
            continue
        result.append(
            {
                "category": row.get("category", ""),
                "description": row.get("description", ""),
                "solved": bool(row.get("solved")),
                "solved_on": row.get("solved_on", ""),
                "solution": row.get("solution", ""),
            }
        )
    return result


def parse_problems(rows: list[dict]) -> list[ProblemInput]:
    problems = []
    for n, row in enumerate(rows, start=1):
        if row["category"] not in ProblemCategory.values:
            raise RowError(f"第{n}个问题：请选择问题类别。")
        if not row["description"]:
            raise RowError(f"第{n}个问题：请填写问题描述。")
        solved_on = None
        if row["solved_on"]:
            try:
                solved_on = dt.date.fromisoformat(row["solved_on"])
            except ValueError as exc:
                raise RowError(f"第{n}个问题：解决日期格式应为 2026-03-15。") from exc
        problems.append(
            ProblemInput(
                category=row["category"],
                description=row["description"][:300],
                solved=row["solved"],
                solved_on=solved_on,
                solution=row["solution"][:300],
            )
        )
    return problems


# --- compliance pages (组织生活落实情况): their query parameters, 未开展原因, rules, unit overrides ----------------
# This section was appended to a module another area edits, so its imports stay with it.

from django.core.exceptions import ValidationError  # noqa: E402

from apps.core.periods import Frequency, Period  # noqa: E402
from apps.orgs.models import UnitCategory  # noqa: E402

from .compliance import FIRST_YEAR, LAST_YEAR, Status  # noqa: E402
from .models import ComplianceRule, Strength  # noqa: E402


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


class MissedReasonForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label="未开展原因",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "例如：支部书记外出学习，已安排下月补开"}),
        error_messages={"required": "请填写未开展原因。", "max_length": "未开展原因不能超过300字。"},
    )


def _min_count_field() -> forms.IntegerField:
    return forms.IntegerField(
        label="每周期至少次数",
        min_value=0,
        max_value=99,
        error_messages={"required": "请填写每周期至少次数。", "invalid": "请填写整数。"},
    )


class RuleForm(BootstrapFormMixin, forms.Form):
    """The committee's rule (fields: `services.RULE_FIELDS`); `services.rule_update` decides what is valid."""

    name = forms.CharField(label="规则名称", max_length=100, error_messages={"required": "请填写规则名称。"})
    frequency = forms.ChoiceField(label="周期", choices=Frequency.choices)
    min_count = _min_count_field()
    strength = forms.ChoiceField(
        label="要求强度",
        choices=Strength.choices,
        help_text="一般要求、本地规定未完成为“预警”，刚性要求未完成为“不合格”",
    )
    source = forms.CharField(
        label="依据",
        max_length=200,
        help_text="文件及条款，例如《中国共产党支部工作条例（试行）》第十二条",
        error_messages={"required": "请填写规则依据。"},
    )
    source_text = forms.CharField(label="条文", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    remind_days_before = forms.IntegerField(
        label="提前提醒天数",
        min_value=0,
        max_value=365,
        help_text="周期结束前多少天提醒尚未完成的支部（单位）",
        error_messages={"required": "请填写提前提醒天数。", "invalid": "请填写整数。"},
    )
    active = forms.BooleanField(label="启用", required=False)


class OverrideForm(BootstrapFormMixin, forms.Form):
    """One unit's version of a rule (单位规则调整); `services.rule_override_set` decides what is valid."""

    unit = NodeChoiceField(
        label="单位",
        queryset=None,
        empty_label="请选择单位",
        error_messages={"required": "请选择单位。", "invalid_choice": "请选择有效的单位。"},
    )
    frequency = forms.ChoiceField(label="周期", choices=Frequency.choices)
    min_count = _min_count_field()
    strength = forms.ChoiceField(label="要求强度", choices=Strength.choices)
    applies = forms.BooleanField(label="对该单位适用", required=False, help_text="取消勾选：该规则对本单位不适用")
    note = forms.CharField(label="调整说明", max_length=200, required=False)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["unit"].widget.attrs["class"] = "form-select"
