"""HTML forms of 学法用法考试: a question, an exam, the bank import, and the answers a member posts."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError

from apps.core.forms import BootstrapFormMixin, DateTimeInput
from apps.orgs.models import Unit

from ..models import Exam, KnowledgeItem, Question, QuestionKind
from ..services import exams as services

MAX_QUESTION_ID = 2_147_483_647
_ANSWER_KEY = re.compile(r"^q(\d{1,10})$")


def _active_items():
    return KnowledgeItem.objects.filter(active=True).order_by("category", "order", "id")


class QuestionForm(BootstrapFormMixin, forms.Form):
    """A question: options one per line (A, B, C… in order), the key as letters or 正确/错误."""

    kind = forms.ChoiceField(label="题型", choices=QuestionKind.choices)
    stem = forms.CharField(
        label="题干", widget=forms.Textarea(attrs={"rows": 3}), max_length=Question._meta.get_field("stem").max_length
    )
    options_text = forms.CharField(
        label="选项（每行一个）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "第一行为 A，第二行为 B……"}),
        help_text="选择题填写 2–6 行，依次为 A、B、C…；判断题不填（选项固定为 正确、错误）。",
    )
    answer_text = forms.CharField(
        label="答案",
        max_length=20,
        help_text="填写选项字母，如 B 或 ACD（多选题至少两个）；判断题填 正确 或 错误。",
    )
    explanation = forms.CharField(
        label="解析",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="考试结束（或不允许重考时交卷）后向考生展示。",
    )
    items = forms.ModelMultipleChoiceField(
        label="关联应知应会条目",
        required=False,
        queryset=_active_items(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="答错本题的党员会在学习进度页看到这些条目的学习建议；按住 Ctrl 可多选。",
    )

    def __init__(self, *args, question: Question | None = None, **kwargs):
        if question is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "kind": question.kind,
                "stem": question.stem,
                "options_text": "" if question.kind == QuestionKind.JUDGE else "\n".join(question.options),
                "answer_text": services.answer_text(question),
                "explanation": question.explanation,
                "items": list(question.items.all()),
            }
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = _active_items()

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        lines = [line.strip() for line in (data.get("options_text") or "").splitlines()]
        while lines and not lines[-1]:
            lines.pop()
        data["options"] = [] if kind == QuestionKind.JUDGE else lines
        if kind and "answer_text" in data:
            count = 2 if kind == QuestionKind.JUDGE else len(lines)
            try:
                data["answer"] = services.answer_from_text(kind, data["answer_text"], count)
            except ValueError as exc:
                self.add_error("answer_text", str(exc))
        return data

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {name: data[name] for name in services.QUESTION_FIELDS if name in data}

    def add_service_error(self, exc: ValidationError) -> None:
        where = {"options": "options_text", "answer": "answer_text"}
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        for name, errors in exc.error_dict.items():
            target = where.get(name, name)
            for error in errors:
                self.add_error(target if target in self.fields else None, error)


class ExamForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Exam
        fields = (*services.EXAM_FIELDS, "items", "units")
        widgets = {
            "opens_at": DateTimeInput(),
            "closes_at": DateTimeInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
            "items": forms.SelectMultiple(attrs={"size": 8}),
            "units": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = _active_items()
        self.fields["units"].queryset = Unit.objects.filter(active=True).order_by("order", "id")
        self.fields["opens_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        self.fields["closes_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]

    def _post_clean(self):
        pass  # the service checks the exam (model validation included) and shows its errors on the fields

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "fields": {name: data[name] for name in services.EXAM_FIELDS},
            "items": list(data["items"]),
            "units": list(data["units"]),
        }


class QuestionImportForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label="题库文件（.xlsx）",
        widget=forms.FileInput(attrs={"accept": ".xlsx"}),
        error_messages={"required": "请选择要导入的 .xlsx 文件。", "empty": "上传的文件是空的。"},
    )
    dry_run = forms.BooleanField(label="仅校验，不导入", required=False, initial=True)


def _clean_int(value, *, maximum: int, message: str) -> int:
    try:
        return forms.IntegerField(min_value=0, max_value=maximum).clean(value)
    except ValidationError as exc:
        raise ValidationError({"chosen": message}) from exc


def posted_answers(data) -> list[services.AnswerInput]:
    """The answers of the take page's form: `q<question id>` = chosen option indexes (several for 多选).

    Other fields are ignored; a malformed index is a ValidationError (the service checks the rest).
    """
    out = []
    for key in data:
        match = _ANSWER_KEY.match(key)
        if not match:
            continue
        question_id = int(match[1])
        if question_id > MAX_QUESTION_ID:
            raise ValidationError({"question": services.NOT_DRAWN})
        chosen = tuple(_clean_int(v, maximum=99, message="所选选项无效。") for v in data.getlist(key) if v != "")
        out.append(services.AnswerInput(question_id=question_id, chosen=chosen))
    return out


class SaveAnswerForm(forms.Form):
    """One question saved as the member goes: `question` and its `q<id>` values (none: answer cleared)."""

    question = forms.IntegerField(min_value=1, max_value=MAX_QUESTION_ID, error_messages={"invalid": "题目无效。"})

    def answer(self, data) -> services.AnswerInput:
        question_id = self.cleaned_data["question"]
        values = [v for v in data.getlist(f"q{question_id}") if v != ""]
        chosen = tuple(_clean_int(v, maximum=99, message="所选选项无效。") for v in values)
        return services.AnswerInput(question_id=question_id, chosen=chosen)
