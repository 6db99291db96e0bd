"""Forms of the compliance pages: 未开展原因, rule edit, unit override (单位规则调整).

The forms only read and check input; every write goes through a service, whose
ValidationError becomes a form error.
"""

from __future__ import annotations

from django import forms

from apps.core.forms import BootstrapFormMixin
from apps.core.periods import Frequency

from ..models import ComplianceRule, Strength
from .params import NodeChoiceField


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


def _coverage_field() -> forms.IntegerField:
    """谈心谈话's required coverage; the forms drop it for every other rule."""
    messages = dict.fromkeys(("invalid", "min_value", "max_value"), "请填写1到100之间的整数。")
    return forms.IntegerField(
        label="要求覆盖率（%）",
        min_value=1,
        max_value=100,
        help_text="谈心谈话：支部委员之间、委员与党员之间、党员之间，每类谈话须谈到的党员比例（第十九条）",
        error_messages={"required": "请填写要求覆盖率。", **messages},
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
    source_text = forms.CharField(
        label="条文",
        required=False,
        max_length=ComplianceRule._meta.get_field("source_text").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    remind_days_before = forms.IntegerField(
        label="提前提醒天数",
        min_value=0,
        max_value=365,
        help_text="周期结束前多少天提醒尚未完成的支部（单位）",
        error_messages={"required": "请填写提前提醒天数。", "invalid": "请填写整数。"},
    )
    coverage = _coverage_field()
    active = forms.BooleanField(label="启用", required=False)

    def __init__(self, *args, coverage: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not coverage:
            del self.fields["coverage"]  # only 谈心谈话 is judged by coverage


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
    coverage = _coverage_field()
    applies = forms.BooleanField(label="对该单位适用", required=False, help_text="取消勾选：该规则对本单位不适用")
    note = forms.CharField(label="调整说明", max_length=200, required=False)

    def __init__(self, *args, units=None, coverage: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["unit"].widget.attrs["class"] = "form-select"
        if not coverage:
            del self.fields["coverage"]  # only 谈心谈话 is judged by coverage
