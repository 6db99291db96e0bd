"""Forms of the study-session pages (集中学习) and youth groups: read and shape input; the services decide.

The session form is one page per kind. Its place (branch, youth group or unit) and its day decide
the roster, the 领学人 and speakers one may pick and the party-life records it may be the same event
as; changing one of them fetches the form again (htmx) and swaps in the parts that depend on it.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.core.forms import BootstrapFormMixin, DateInput, chosen_option
from apps.orgs.access import Scope
from apps.orgs.models import Member

from ..models import SessionKind, StudySession, YouthGroup
from ..selectors import sessions as place
from ..services import sessions as services

REFRESHED_PARTS = "#f-leader,#f-same_as,#attendance-block,#speech-block"
REFRESH_INCLUDES = ("unit", "branch", "youth_group", "held_on", "leader")
DEFAULT_HOURS = {SessionKind.WEEKLY: Decimal("1"), SessionKind.YOUTH: Decimal("1.5")}


class RowError(ValueError):
    """Malformed repeatable rows; the message is Chinese and shown on the form."""


def _ids(values) -> list[int]:
    number, out = forms.IntegerField(min_value=1, max_value=services.MAX_ID), []
    for value in values:
        try:
            out.append(number.clean(value))
        except ValidationError as exc:
            raise RowError("名单数据有误，请刷新页面后重试。") from exc
    return out


def parse_attendance(data) -> list[services.AttendanceInput]:
    """The attendance picker: `att` lists the members on the list, `present` the ticked ones, `reason_<id>`."""
    ids, present = _ids(data.getlist("att")), set(_ids(data.getlist("present")))
    return [
        services.AttendanceInput(
            member_id=pk,
            present=pk in present,
            absence_reason="" if pk in present else (data.get(f"reason_{pk}") or "").strip()[:100],
        )
        for pk in ids
    ]


_SPEECH_KEY = re.compile(r"^speech-(\d{1,3})-(speaker|summary|remove)$")


def speech_rows(data) -> list[dict]:
    """The posted 研讨发言 rows in page order; blank rows and rows ticked 删除 dropped."""
    rows: dict[int, dict] = {}
    for key in data:
        m = _SPEECH_KEY.match(key)
        if m:
            rows.setdefault(int(m[1]), {})[m[2]] = (data.get(key) or "").strip()
    out = []
    for index in sorted(rows):
        row = rows[index]
        if row.get("remove") or not (row.get("speaker") or row.get("summary")):
            continue
        out.append({"speaker": row.get("speaker", ""), "summary": row.get("summary", "")})
    return out


def parse_speeches(rows: list[dict]) -> list[services.SpeechInput]:
    out = []
    for n, row in enumerate(rows, start=1):
        if not row["speaker"]:
            raise RowError(f"第{n}条研讨发言：请选择发言人。")
        [speaker] = _ids([row["speaker"]])
        out.append(services.SpeechInput(speaker_id=speaker, summary=row["summary"][:300]))
    return out


class SessionForm(BootstrapFormMixin, forms.ModelForm):
    """One session: its place (by kind), day, topic, materials, 领学人, hours and the "same event" link."""

    same_as = forms.ChoiceField(label="与组织生活记录为同一次活动", required=False)

    class Meta:
        model = StudySession
        fields = (*services.SESSION_PLACEMENT, *services.SESSION_FIELDS)
        widgets = {
            "held_on": DateInput(),
            "materials": forms.Textarea(attrs={"rows": 3, "placeholder": "篇目、文件或链接，每行一项"}),
        }

    def __init__(self, *args, scope: Scope, kind: str, session: StudySession | None, preset, refresh_url: str, **kw):
        super().__init__(*args, instance=session, **kw)
        self.scope, self.kind, self.session = scope, kind, session
        self.chosen_day = self._day(preset)
        self._place(preset)
        leader = self.fields["leader"]
        leader.queryset = self.people_choices()
        leader.required = False
        leader.empty_label = "（不填）"
        leader.label_from_instance = lambda m: f"{m.name}（{m.branch.name}）"
        if not self.is_bound and preset.get("leader"):  # a refresh keeps the chosen 领学人 while still valid
            try:
                kept = leader.clean(preset.get("leader"))
            except ValidationError:
                kept = None
            if kept is not None:
                self.initial["leader"] = kept.pk
        self.fields["hours"].initial = DEFAULT_HOURS.get(kind, Decimal("3"))
        if session is None and not self.is_bound:
            self.initial.setdefault("hours", self.fields["hours"].initial)
            self.initial.setdefault("held_on", self.chosen_day)
        self.fields["held_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.fields["topic"].widget.attrs["placeholder"] = "例如：学习习近平新时代中国特色社会主义思想专题"
        self.same_as_options = services.same_event_choices(
            unit=self.chosen_unit, branch=self.chosen_branch, held_on=self.chosen_day
        )
        same_as = self.fields["same_as"]
        same_as.choices = [("", "否，是单独的一次学习"), *self.same_as_options]
        same_as.help_text = (
            "已在组织生活（党课、主题党日、中心组学习等）中登记的同一次学习：该记录已计入学时的党员，这里不再重复计入。"
        )
        if session is not None and session.same_as and session.same_as not in dict(self.same_as_options):
            # Kept as saved so the page shows it; saving again without choosing anew is refused by the service.
            same_as.choices.append((session.same_as, "原关联的组织生活记录（已不在当天可关联的记录中）"))
        for name in ("branch", "youth_group", "unit", "held_on"):
            if name in self.fields:
                self._refreshes(name, refresh_url)

    # --- setup -------------------------------------------------------------------------------------
    def _day(self, preset) -> dt.date:
        raw = self.data.get("held_on") if self.is_bound else preset.get("held_on")
        if raw:
            try:
                value = forms.DateField().clean(raw)
            except ValidationError:
                value = None
            if value is not None:
                return value
        if self.session is not None:
            return self.session.held_on
        return timezone.localdate()

    def _place(self, preset) -> None:
        kind, session = self.kind, self.session
        self.chosen_unit = self.chosen_branch = self.chosen_group = None
        keep = {
            SessionKind.WEEKLY: "branch",
            SessionKind.YOUTH: "youth_group",
        }.get(kind, "unit")
        for name in services.SESSION_PLACEMENT:
            if name != keep:
                del self.fields[name]
        field = self.fields[keep]
        field.required = True
        if keep == "branch":
            field.queryset = place.keepable_branches(self.scope, on=self.chosen_day)
            with_unit = self.scope.spans_units
            field.label_from_instance = lambda b: f"{b.unit.name} · {b.name}" if with_unit else b.name
            field.empty_label = "请选择支部"
            self.chosen_branch = chosen_option(self, keep, preset, session.branch if session else None)
            self.chosen_unit = self.chosen_branch.unit if self.chosen_branch else None
        elif keep == "youth_group":
            groups = place.keepable_groups(self.scope)
            if session is not None and session.youth_group_id:
                groups = groups | YouthGroup.objects.filter(pk=session.youth_group_id).select_related("unit")
            field.queryset = groups
            with_unit = self.scope.spans_units
            field.label_from_instance = lambda g: f"{g.unit.name} · {g.name}" if with_unit else g.name
            field.empty_label = "请选择小组"
            self.chosen_group = chosen_option(self, keep, preset, session.youth_group if session else None)
            self.chosen_unit = self.chosen_group.unit if self.chosen_group else None
        else:
            field.queryset = place.keepable_units(self.scope)
            field.empty_label = "请选择单位"
            self.chosen_unit = chosen_option(self, keep, preset, session.unit if session else None)

    def _refreshes(self, name: str, url: str) -> None:
        self.fields[name].widget.attrs.update(
            {
                "hx-get": url,
                "hx-trigger": "change",
                "hx-select-oob": REFRESHED_PARTS,
                "hx-swap": "none",
                "hx-sync": "closest form:replace",
                "hx-include": ",".join(
                    [*(f"[name='{n}']" for n in REFRESH_INCLUDES if n != name), "[name^='speech-']"]
                ),
            }
        )

    # --- choices -----------------------------------------------------------------------------------
    def people_choices(self):
        """领学人 and speakers: the unit's members on the day, within the user's scope."""
        people = services.unit_people(self.chosen_unit, self.chosen_day)
        return self.scope.filter(people).select_related("branch").order_by("branch__order", "branch_id", "name", "id")

    def roster(self) -> tuple[list[Member], list[Member]]:
        """(who may attend, youth past the age): the place's people on the day."""
        if self.chosen_unit is None:
            return [], []
        members = services.place_people(
            kind=self.kind,
            unit=self.chosen_unit,
            branch=self.chosen_branch,
            youth_group=self.chosen_group,
            on=self.chosen_day,
        )
        members = list(members.select_related("branch").order_by("branch__order", "branch_id", "name", "id"))
        over = []
        if self.chosen_group is not None:
            over = services.over_age_members(self.chosen_group, on=self.chosen_day)
        return members, over

    def attendance_rows(self, posted) -> list[dict]:
        """Posted rows win; then the saved list at the same place; else everyone on the roster, present."""
        members, _ = self.roster()
        by_pk = {m.pk: m for m in members}
        session = self.session
        if posted is not None:
            try:
                entries = parse_attendance(posted)
            except RowError:
                entries = []
            saved = {a.member_id: a.member for a in session.attendances.all()} if session else {}
            return [
                {
                    "member": by_pk.get(e.member_id) or saved[e.member_id],
                    "present": e.present,
                    "reason": e.absence_reason,
                }
                for e in entries
                if e.member_id in by_pk or e.member_id in saved
            ]
        saved_place = session is not None and (session.unit_id, session.branch_id, session.youth_group_id)
        chosen = (
            self.chosen_unit.pk if self.chosen_unit else None,
            self.chosen_branch.pk if self.chosen_branch else None,
            self.chosen_group.pk if self.chosen_group else None,
        )
        if saved_place == chosen and session.held_on == self.chosen_day:
            return [
                {"member": a.member, "present": a.present, "reason": a.absence_reason}
                for a in session.attendances.all()
            ]
        return [{"member": m, "present": True, "reason": ""} for m in members]

    def speech_rows(self, posted, *, extra: int = 0) -> list[dict]:
        if posted is not None:
            rows = speech_rows(posted)
        elif self.session is not None:
            rows = [{"speaker": str(s.speaker_id), "summary": s.summary} for s in self.session.speeches.all()]
        else:
            rows = []
        return rows + [{"speaker": "", "summary": ""} for _ in range(max(extra, 0 if rows else 1))]

    # --- to the service -------------------------------------------------------------------------------
    def session_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "unit": self.chosen_unit if self.kind in (SessionKind.TRAINING, SessionKind.READING) else None,
            "branch": data.get("branch"),
            "youth_group": data.get("youth_group"),
            "fields": {
                name: data.get(name) if name != "same_as" else data.get(name, "") for name in services.SESSION_FIELDS
            },
        }

    def mark_invalid(self) -> None:
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = (widget.attrs.get("class", "") + " is-invalid").strip()


class KindChoiceForm(forms.Form):
    """?kind= handed to the picker (a bad value is no choice)."""

    kind = forms.ChoiceField(choices=SessionKind.choices, required=False)


class YouthGroupForm(BootstrapFormMixin, forms.ModelForm):
    """A youth group: unit, name, age limit, members of that unit (the over-age are warned about on the page)."""

    members = forms.ModelMultipleChoiceField(
        label="组员", queryset=Member.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = YouthGroup
        fields = services.YOUTH_GROUP_FIELDS

    def __init__(self, *args, scope: Scope, group: YouthGroup | None, preset=None, **kwargs):
        super().__init__(*args, instance=group, **kwargs)
        self.scope = scope
        units = place.keepable_units(scope)
        self.fields["unit"].queryset = units
        self.fields["unit"].empty_label = "请选择单位"
        raw = self.data.get("unit") if self.is_bound else (preset or {}).get("unit")
        unit = None
        if raw:
            try:
                unit = self.fields["unit"].clean(raw)
            except ValidationError:
                unit = None
        if unit is None and group is not None:
            unit = group.unit
        if unit is None:
            options = list(units[:2])
            unit = options[0] if len(options) == 1 else None
        if unit is not None:
            self.initial.setdefault("unit", unit.pk)
        self.chosen_unit = unit
        candidates = place.youth_candidates(scope, unit)
        if group is not None:
            candidates = candidates | group.members.select_related("branch")
            self.initial["members"] = list(group.members.values_list("pk", flat=True))
        self.fields["members"].queryset = candidates.distinct().order_by("-birth_date", "name", "id")
        self.fields["members"].label_from_instance = lambda m: f"{m.name}（{m.branch.name}，{m.birth_date:%Y-%m}生）"
        self.fields["members"].help_text = "只能选择本单位在册党员；学习当天超过年龄上限的组员不能参加小组学习。"
