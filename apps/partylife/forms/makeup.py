"""The form of 补学: what the member studied to make up an absence."""

from django import forms

from apps.core.forms import BootstrapFormMixin


class MakeupCompleteForm(BootstrapFormMixin, forms.Form):
    """补学: what the member studied, and how (学习内容、方式)."""

    note = forms.CharField(
        label="补学情况",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "例如：自学党课视频并撰写心得"}),
        error_messages={"required": "请填写补学情况（学习内容、方式）。"},
    )
