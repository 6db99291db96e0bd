"""Long text has a stated limit (issue 11.7): every TextField of the project declares `max_length`, and the
page form, the API and the Excel import refuse one character over it in Chinese and write nothing, and
accept exactly the limit. One source: the model field (forms and serializers that declare their own field
read its `max_length`)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalChanges

from apps.core.fields import BoundedTextField
from apps.discipline.api.inspections import RectificationSubmitSerializer
from apps.discipline.forms.inspections import SubmitForm
from apps.discipline.models import Rectification, Talk
from apps.partylife.forms.compliance import RuleForm
from apps.partylife.models import Activity, ComplianceRule
from apps.scoring.models import ManualScore
from apps.scoring.services.manual_import import manual_import
from apps.scoring.services.systems import system_for
from apps.study.forms.exams import QuestionForm
from apps.study.models import Question, StudySession
from apps.study.services import exams as exam_services
from tests.partylife.factories import activity_type
from tests.scoring.test_manual_import import xlsx as manual_xlsx
from tests.study.test_exams_import import row, xlsx

pytestmark = pytest.mark.django_db

FORM_TOO_LONG = "确保该变量包含不超过 {limit} 字符"  # Django's form and model message (zh-hans)
API_TOO_LONG = "请确保这个字段不能超过 {limit} 个字符。"  # DRF's (zh-hans)


def limit_of(model, field: str) -> int:
    return model._meta.get_field(field).max_length


def project_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if m.__module__.startswith("apps.")]


# --- every TextField states its limit; the forms that declare their own field use the model's -----------------


def test_every_text_field_of_the_project_has_a_max_length():
    text_fields = [(m, f) for m in project_models() for f in m._meta.get_fields() if isinstance(f, models.TextField)]
    assert len(text_fields) >= 15  # the walk sees the project's models (and their history copies)
    missing = [f"{m._meta.label}.{f.name}" for m, f in text_fields if not f.max_length]
    assert missing == [], f"TextField without max_length: {missing}"
    for model, field in text_fields:
        if issubclass(model, HistoricalChanges):
            continue  # history copies are written by django-simple-history (a file's path becomes text there)
        # full_clean checks it too (services, imports), not only the form: a plain TextField would not.
        assert any(isinstance(v, MaxLengthValidator) and v.limit_value == field.max_length for v in field.validators)
        if field.editable:
            formfield = field.formfield()
            assert formfield.max_length == field.max_length
            assert formfield.widget.attrs["maxlength"] == str(field.max_length)  # the browser stops there too


def test_a_bounded_text_field_needs_a_limit_and_full_clean_checks_it(side_a, committee_user):
    with pytest.raises(TypeError):
        BoundedTextField("内容")
    limit = limit_of(Talk, "outcome")
    talk = Talk(unit=side_a.unit, talked_with="王某", talked_by="工委书记", reason="事由", outcome="谈" * (limit + 1))
    talk.held_on = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        talk.full_clean()
    assert exc.value.message_dict["outcome"] == [f"确保该变量包含不超过 {limit} 字符 (目前字符数 {limit + 1})。"]


def test_forms_and_serializers_with_their_own_field_take_the_models_limit():
    assert RuleForm().fields["source_text"].max_length == limit_of(ComplianceRule, "source_text")
    assert SubmitForm().fields["measures"].max_length == limit_of(Rectification, "measures")
    assert RectificationSubmitSerializer().fields["measures"].max_length == limit_of(Rectification, "measures")
    assert QuestionForm().fields["stem"].max_length == limit_of(Question, "stem")


# --- representative fields through the page and the API ------------------------------------------------------


@dataclass
class Case:
    model: type[models.Model]
    field: str
    page: Callable  # (client, side, text) -> response
    api: Callable  # (client, side, text) -> response
    user: Callable  # (side, committee) -> the account that writes it

    @property
    def limit(self) -> int:
        return limit_of(self.model, self.field)

    def stored(self) -> list[str]:
        return list(self.model.objects.values_list(self.field, flat=True))


def _json(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def _held_text(days_ago: int = 2) -> str:
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return f"{day.isoformat()}T10:00"


def _activity_page(client, side, text):
    data = {
        "branch": side.branch.pk,
        "held_at": _held_text(),
        "place": "三楼会议室",
        "host": "书记",
        "topic": "研究发展党员工作",
        "minutes": text,
        "action": "draft",
        "att": [m.pk for m in side.members],
        "present": [m.pk for m in side.members],
    }
    return client.post(reverse("partylife:activity_create", args=["branch_committee_meeting"]), data)


def _activity_api(client, side, text):
    data = {
        "activity_type": activity_type("branch_committee_meeting").pk,
        "branch": side.branch.pk,
        "topic": "研究第四季度工作",
        "held_at": (timezone.localtime() - dt.timedelta(days=2)).isoformat(),
        "minutes": text,
        "attendance": [{"member": m.pk, "present": True} for m in side.members],
    }
    return _json(client, "/api/partylife/activities/", data)


def _talk_data(side, text) -> dict:
    return {
        "unit": side.unit.pk,
        "kind": "reminder",
        "talked_with": "王某（副局长）",
        "talked_by": "工委书记",
        "reason": "分管领域作风问题反映较多",
        "held_on": (timezone.localdate() - dt.timedelta(days=3)).isoformat(),
        "outcome": text,
        "follow_up": "",
        "follow_up_due": "",
    }


def _talk_page(client, side, text):
    return client.post(reverse("discipline:talk_create"), _talk_data(side, text))


def _talk_api(client, side, text):
    data = _talk_data(side, text)
    del data["follow_up_due"]
    return _json(client, "/api/discipline/talks/", data)


def _session_page(client, side, text):
    a, b, c = side.members
    data = {
        "action": "save",
        "branch": side.branch.pk,
        "held_on": "2026-06-10",
        "hours": "1.5",
        "topic": "学习二十届三中全会精神",
        "materials": text,
        "same_as": "",
        "att": [a.pk, b.pk, c.pk],
        "present": [a.pk, b.pk, c.pk],
    }
    return client.post(reverse("study:session_create", args=["weekly"]), data)


def _session_api(client, side, text):
    data = {
        "kind": "weekly",
        "branch": side.branch.pk,
        "topic": "学习党章",
        "held_on": "2026-06-10",
        "hours": "2",
        "materials": text,
        "attendance": [{"member": m.pk} for m in side.members],
    }
    return _json(client, "/api/study/sessions/", data)


def _manual_data(side, text) -> dict:
    hotline = system_for(2025).indicators.get(code="hotline-12345")
    return {"indicator": hotline.pk, "unit": side.unit.pk, "period_key": "2025-Q3", "points": "6", "note": text}


def _manual_page(client, side, text):
    return client.post(reverse("scoring:manual_new"), {**_manual_data(side, text), "period_kind": "quarter"})


def _manual_api(client, side, text):
    return _json(client, "/api/scoring/manual-scores/", _manual_data(side, text))


CASES = {
    "partylife.minutes": Case(Activity, "minutes", _activity_page, _activity_api, lambda s, c: s.branch_secretary),
    "discipline.talk_outcome": Case(Talk, "outcome", _talk_page, _talk_api, lambda s, c: c),
    "study.session_materials": Case(
        StudySession, "materials", _session_page, _session_api, lambda s, c: s.branch_secretary
    ),
    "scoring.manual_note": Case(ManualScore, "note", _manual_page, _manual_api, lambda s, c: c),
}


def _text(n: int) -> str:
    return ("学习贯彻党的二十届三中全会精神" * (n // 14 + 1))[:n]


@pytest.mark.parametrize("name", CASES)
def test_the_page_refuses_one_character_over_the_limit_and_accepts_the_limit(client, side_a, committee_user, name):
    case = CASES[name]
    client.force_login(case.user(side_a, committee_user))
    response = case.page(client, side_a, _text(case.limit + 1))
    assert response.status_code in (200, 400)
    assert FORM_TOO_LONG.format(limit=case.limit) in response.content.decode()
    assert case.stored() == []
    response = case.page(client, side_a, _text(case.limit))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert case.stored() == [_text(case.limit)]


@pytest.mark.parametrize("name", CASES)
def test_the_api_refuses_one_character_over_the_limit_and_accepts_the_limit(client, side_a, committee_user, name):
    case = CASES[name]
    client.force_login(case.user(side_a, committee_user))
    response = case.api(client, side_a, _text(case.limit + 1))
    assert response.status_code == 400
    assert response.json()[case.field] == [API_TOO_LONG.format(limit=case.limit)]
    assert case.stored() == []
    response = case.api(client, side_a, _text(case.limit))
    assert response.status_code == 201, response.json()
    assert case.stored() == [_text(case.limit)]


def test_the_form_shows_the_limit(client, side_a):
    client.force_login(side_a.branch_secretary)
    page = client.get(reverse("partylife:activity_create", args=["branch_committee_meeting"])).content.decode()
    assert f'maxlength="{limit_of(Activity, "minutes")}"' in page
    page = client.get(reverse("study:session_create", args=["weekly"])).content.decode()
    assert f'maxlength="{limit_of(StudySession, "materials")}"' in page


# --- imports ------------------------------------------------------------------------------------------------


def test_the_question_import_refuses_an_over_long_stem_with_a_row_error(committee_user):
    limit = limit_of(Question, "stem")
    result = exam_services.question_import(
        actor=committee_user, file=xlsx([row(stem=_text(limit)), row(stem="乙" * (limit + 1))])
    )
    assert not result.ok and not result.written and Question.objects.count() == 0
    (error,) = result.row_errors
    assert error.row == 3 and any(FORM_TOO_LONG.format(limit=limit) in p for p in error.problems)
    result = exam_services.question_import(actor=committee_user, file=xlsx([row(stem=_text(limit))]))
    assert result.written and Question.objects.get().stem == _text(limit)


def test_the_manual_score_import_refuses_an_over_long_note_with_a_row_error(committee_user, side_a):
    limit = limit_of(ManualScore, "note")
    system_for(2025)

    def line(unit, note):
        return (unit.name, "hotline-12345", "2025-Q3", "6", note)

    result = manual_import(actor=committee_user, file=manual_xlsx([line(side_a.unit, "甲" * (limit + 1))]))
    assert not result.written and ManualScore.objects.count() == 0
    (error,) = result.row_errors
    assert f"依据说明不能超过 {limit} 字" in error.problems
    result = manual_import(actor=committee_user, file=manual_xlsx([line(side_a.unit, "甲" * limit)]))
    assert result.written and ManualScore.objects.get().note == "甲" * limit
