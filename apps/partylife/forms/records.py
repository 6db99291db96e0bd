"""Forms of the activity record pages (登记组织生活) and 补学: one page, defaults everywhere.

The forms only read and shape input; the services decide what is valid and write.
The record form's fields are the service's (`services.ACTIVITY_PLACEMENT` and
`ACTIVITY_FIELDS`), so the model's validators (a bounded date) run here too; its
choices (branches, units, members) come from the user's scope, and its people are
those of the chosen branch (unit) **on the chosen day**. Changing the place or the
day fetches the form again (htmx) and swaps in the parts that depend on them: the
roster, the talk pair and cadre choices, and the notice that the month is closed (关账).
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.core.forms import BootstrapFormMixin, DateTimeInput, MultipleFileField, MultipleFileInput, chosen_option
from apps.core.periods import local_date
from apps.orgs.access import Scope

from .. import selectors
from ..models import Activity, ActivityType, EvidenceKind, Level
from ..services import ACTIVITY_FIELDS, ACTIVITY_PLACEMENT, EvidenceInput
from . import study
from .rows import RowError, StagedFilesField, parse_attendance, plausible_ids

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
# The parts of the form that depend on the chosen 支部/党小组/单位 and day; changing one of those
# fetches the form again (htmx) and swaps these in by id. What was typed elsewhere stays.
REFRESHED_PARTS = (
    "#f-branch,#f-party_group,#month-notice,#attendance-block,#f-talker,#f-talkee,#f-cadre,#f-lead_by,#speeches-block"
)
# What such a refresh sends: the place, the day, the people already chosen (kept if still valid), the 研讨发言.
REFRESH_INCLUDES = ("unit", "branch", "party_group", "held_at", "talker", "talkee", "cadre", "lead_by")
PEOPLE_FIELDS = ("talker", "talkee", "cadre", "lead_by")
SPEECH_INPUTS = "[name^='speeches-']"


def default_held_at(day: dt.date | None = None) -> dt.datetime:
    """Now, floored to the hour in Asia/Shanghai (never in the future, so 提交 works); 09:00 on another day."""
    now = timezone.localtime()
    if day is None or day == now.date():
        return now.replace(minute=0, second=0, microsecond=0)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))


def _member_label(member) -> str:
    return f"{member.name}（支委）" if member.is_branch_committee else member.name


def _branch_label(branch, *, with_unit: bool) -> str:
    name = f"{branch.unit.short_name or branch.unit.name} · {branch.name}" if with_unit else branch.name
    if branch.dissolved_on is not None:
        name += f"（{branch.dissolved_on:%Y-%m-%d}{branch.get_end_reason_display()}）"
    return name


class ActivityForm(BootstrapFormMixin, forms.ModelForm):
    """The one-page record form. Fields a type does not use are removed in __init__."""

    photos = MultipleFileField(label="现场照片", widget=MultipleFileInput(attrs={"accept": "image/*"}))
    minutes_files = MultipleFileField(
        label="会议记录扫描件", widget=MultipleFileInput(attrs={"accept": "image/*,application/pdf"})
    )
    signin_files = MultipleFileField(
        label="签到表", widget=MultipleFileInput(attrs={"accept": "image/*,application/pdf"})
    )
    # Files kept from a refused submit (暂存), the user's own and fresh only; attached on save.
    staged = StagedFilesField(
        queryset=None,
        required=False,
        widget=forms.MultipleHiddenInput,
        error_messages={
            "invalid_choice": "已选择的文件已过期或不可用，请重新选择文件。",
            "invalid_pk_value": "已选择的文件有误。",
        },
    )
    confirm_duplicate = forms.BooleanField(label="确认不是重复记录，仍然保存", required=False)

    class Meta:
        model = Activity
        fields = (*ACTIVITY_PLACEMENT, *ACTIVITY_FIELDS, "also_counts_as")
        widgets = {
            "held_at": DateTimeInput(),
            "minutes": forms.Textarea(
                attrs={"rows": 4, "placeholder": "会议议程、发言要点、决定事项；也可上传记录扫描件"}
            ),
            "also_counts_as": forms.CheckboxSelectMultiple,
        }

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
        refresh_url: str = "",
    ):
        self.scope, self.activity_type, self.activity = scope, activity_type, activity
        self.refresh_url = refresh_url
        preset = preset or {}
        initial = {} if activity else {"held_at": default_held_at(_preset_day(preset)), "host": host_default}
        super().__init__(data, files, instance=activity or Activity(activity_type=activity_type), initial=initial)
        t = activity_type
        self.fields["staged"].queryset = selectors.staged_evidence(scope)
        self.chosen_day = self._day(preset)
        self._place(preset)
        self._refreshes("held_at")

        # Parts of the form this type uses.
        for flag, names in PART_FIELDS.items():
            if not getattr(t, flag):
                for name in names:
                    del self.fields[name]
        day = self.chosen_day
        if t.has_talk_pair:
            pair = selectors.roster(scope, unit=self.chosen_unit, branch=self.chosen_branch, on=day)
            for name in ("talker", "talkee"):
                self.fields[name].queryset = pair
                self.fields[name].label_from_instance = _member_label
                self.fields[name].empty_label = "请选择"
        if t.has_enterprise:
            self.fields["cadre"].queryset = selectors.roster(scope, unit=self.chosen_unit, branch=None, on=day)
            self.fields["cadre"].label_from_instance = lambda m: f"{m.name}（{m.branch.name}）"
            self.fields["cadre"].empty_label = "请选择"
        study.setup(self)  # 领学人, 计入学时
        self._keep_people(preset)
        others = selectors.active_types().filter(level=t.level).exclude(pk=t.pk)
        if others.exists():
            self.fields["also_counts_as"].queryset = others
            self.fields["also_counts_as"].widget.attrs["class"] = "form-check-input"
        else:
            del self.fields["also_counts_as"]
        # Mark the uploads this type requires.
        for name, needed in (("photos", t.needs_photo), ("signin_files", t.needs_signin)):
            self.fields[name].needed = needed
        self.fields["minutes_files"].needed = False
        minutes = t.minutes_label  # a talk has a 谈话记录, a meeting a 会议记录
        self.fields["minutes_files"].label = f"{minutes}扫描件"
        self.fields["minutes_files"].help_text = f"已填写{minutes}的，可不上传" if t.needs_minutes else ""
        if t.needs_minutes:
            self.fields["minutes"].help_text = f"本类活动须有{minutes}：在此填写，或在下方上传扫描件"
        if t.has_talk_pair:
            self.fields["minutes"].label = minutes
            self.fields["minutes"].widget.attrs["placeholder"] = "谈话的主要内容、对方的思想状况和意见建议、形成的共识"
        self.fields["photos"].help_text = "可多选；jpg、png 等图片"
        self.fields["signin_files"].help_text = "可多选；图片或 PDF"
        self.fields["topic"].widget.attrs.setdefault("placeholder", f"例如：{t.name}·研究部署本月工作")

    # --- setup helpers ---------------------------------------------------------------------------
    def _day(self, preset) -> dt.date:
        """The day the record is for: posted (or sent by a refresh), else ?date=, else the saved one, else today."""
        raw = self.data.get("held_at") if self.is_bound else preset.get("held_at")
        if raw:
            try:
                value = self.fields["held_at"].clean(raw)
            except ValidationError:
                value = None
            if value is not None:
                return local_date(value)
        if self.activity is not None:
            return local_date(self.activity.held_at)
        return _preset_day(preset) or timezone.localdate()

    def _keep_people(self, preset) -> None:
        """On a refresh (a GET carrying the choices), keep the people already chosen while they are still valid."""
        if self.is_bound:
            return
        for name in PEOPLE_FIELDS:
            if name in self.fields and preset.get(name):
                try:
                    person = self.fields[name].clean(preset.get(name))
                except ValidationError:
                    person = None
                if person is not None:
                    self.initial[name] = person.pk

    def _place(self, preset) -> None:
        """Where: a unit for unit-level types; a branch (and a party group for 党小组会) otherwise.

        The chosen ones decide the roster; changing one refreshes the parts that depend on it.
        """
        activity, level = self.activity, self.activity_type.level
        self.chosen_unit = self.chosen_branch = self.chosen_group = None
        if level == Level.UNIT:
            del self.fields["branch"], self.fields["party_group"]
            self.fields["unit"].queryset = selectors.loggable_units(self.scope)
            self.fields["unit"].empty_label = "请选择单位"
            self.chosen_unit = chosen_option(self, "unit", preset, activity.unit if activity else None)
            self._refreshes("unit")
            return
        del self.fields["unit"]
        branch = self.fields["branch"]
        branch.queryset = selectors.loggable_branches(self.scope, on=self.chosen_day)
        branch.required, branch.empty_label = True, "请选择支部"
        with_unit = self.scope.is_committee
        branch.label_from_instance = lambda b: _branch_label(b, with_unit=with_unit)
        self.chosen_branch = chosen_option(self, "branch", preset, activity.branch if activity else None)
        self.chosen_unit = self.chosen_branch.unit if self.chosen_branch else None
        self._refreshes("branch")  # a new branch means its party groups: the old group is not sent
        if level != Level.PARTY_GROUP:
            del self.fields["party_group"]
            return
        group = self.fields["party_group"]
        group.queryset = selectors.party_groups_of(self.chosen_branch, on=self.chosen_day)
        group.required, group.empty_label = True, "请选择党小组"
        self.chosen_group = chosen_option(self, "party_group", preset, activity.party_group if activity else None)
        self._refreshes("party_group")

    def _refreshes(self, name: str) -> None:
        """Changing this field fetches the form for the new choice and swaps in the parts that depend on it."""
        self.fields[name].widget.attrs.update(
            {
                "hx-get": self.refresh_url,
                "hx-trigger": "change",
                "hx-select-oob": REFRESHED_PARTS,
                "hx-swap": "none",
                "hx-sync": "closest form:replace",
                "hx-include": ",".join([*(f"[name='{n}']" for n in REFRESH_INCLUDES if n != name), SPEECH_INPUTS]),
            }
        )

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

    @property
    def month_notice(self) -> dict:
        """Whether the chosen day's month is closed (关账) and by whom — or, for a record the committee
        unlocked, until when it may still be changed."""
        lock = selectors.month_lock(self.chosen_day)
        until = self.activity.unlocked_until if self.activity is not None else None
        if lock is not None and until is not None and until > timezone.now():
            return {"lock": None, "unlocked_until": until}
        return {"lock": lock, "unlocked_until": None}

    def staged_files(self) -> list:
        """The staged files this form carries that are still attachable; an expired or foreign one drops out."""
        ids = plausible_ids(self.data.getlist("staged")) if self.is_bound else []
        return list(self.fields["staged"].queryset.filter(pk__in=ids)) if ids else []

    def uploads(self) -> list[EvidenceInput]:
        """Every file chosen in the upload inputs (to save them, or to stage them after a refusal)."""
        return [
            EvidenceInput(kind=kind, upload=upload)
            for name, kind in UPLOAD_FIELDS.items()
            for upload in self.files.getlist(name)
            if upload
        ]

    def attendance_rows(self, posted) -> tuple[list[dict], list]:
        """The picker's rows (who is on the list, present or absent with reason) and the rest of the roster.

        Posted values win (a failed save shows what was entered); then the saved list
        of an edited record in its own branch; otherwise everyone expected, present.
        """
        t, activity = self.activity_type, self.activity
        if not t.needs_attendance:
            return [], []
        expected, others = selectors.expected_attendance(
            self.scope,
            activity_type=t,
            unit=self.chosen_unit,
            branch=self.chosen_branch,
            party_group=self.chosen_group,
            on=self.chosen_day,
        )
        roster = {m.pk: m for m in [*expected, *others]}
        chosen = tuple(x.pk if x else None for x in (self.chosen_branch, self.chosen_unit, self.chosen_group))
        saved_place = activity is not None and (activity.branch_id, activity.unit_id, activity.party_group_id)
        rows = []
        if posted is not None:
            try:
                entries = parse_attendance(posted)
            except RowError:
                entries = []
            saved = {a.member_id: a.member for a in activity.attendances.all()} if activity else {}
            for entry in entries:
                member = roster.get(entry.member_id) or saved.get(entry.member_id)
                if member is not None:
                    rows.append({"member": member, "present": entry.present, "reason": entry.absence_reason})
        elif saved_place == chosen:
            rows = [
                {"member": a.member, "present": a.present, "reason": a.absence_reason}
                for a in activity.attendances.all()
            ]
        else:
            rows = [{"member": m, "present": True, "reason": ""} for m in expected]
        listed = {r["member"].pk for r in rows}
        return rows, [m for m in roster.values() if m.pk not in listed]

    def problem_rows(self, posted: list[dict] | None) -> list[dict]:
        """The enterprise problems to show: as posted, else as saved, else one blank row."""
        if posted is not None:
            rows = posted
        elif self.activity is not None:
            rows = [
                {
                    "category": p.category,
                    "description": p.description,
                    "solved": p.solved,
                    "solved_on": p.solved_on.isoformat() if p.solved_on else "",
                    "solution": p.solution,
                }
                for p in self.activity.problems.all()
            ]
        else:
            rows = []
        blank = {"category": "", "description": "", "solved": False, "solved_on": "", "solution": ""}
        return rows or [blank]

    # --- to the service ---------------------------------------------------------------------------------
    def record_kwargs(self) -> dict:
        """The arguments of `services.activity_record` this form holds (attendance and problems are read apart)."""
        data = self.cleaned_data
        return {
            "activity_type": self.activity_type,
            **{name: data.get(name) for name in ACTIVITY_PLACEMENT},
            "fields": {name: data[name] for name in ACTIVITY_FIELDS if name in self.fields},
            "also_counts_as": list(data["also_counts_as"]) if "also_counts_as" in self.fields else None,
            "evidence": self.uploads(),
            "staged": list(data["staged"]),
            "allow_duplicate": data["confirm_duplicate"],
        }


def _preset_day(preset) -> dt.date | None:
    """?date=2026-03-15 (from a calendar cell): the day the record is for."""
    try:
        return forms.DateField(required=False).clean(preset.get("date") or None)
    except ValidationError:
        return None


class PlaceChoiceForm(forms.Form):
    """?branch= handed from a calendar or branch page to the type picker: kept only if the user logs for it."""

    branch = forms.ModelChoiceField(queryset=None, required=False)

    def __init__(self, data, *, scope: Scope):
        super().__init__(data)
        self.fields["branch"].queryset = selectors.loggable_branches(scope)

    def branch_choice(self):
        return self.cleaned_data["branch"] if self.is_valid() else None
