"""Forms of the committee's review of a record (工委审核): why it unlocks one (解锁) or returns one (退回)."""

from django import forms

from apps.core.forms import BootstrapFormMixin


class UnlockForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label="解锁原因", max_length=200, widget=forms.TextInput(attrs={"placeholder": "例如：补充会议记录"})
    )


class ReturnForm(BootstrapFormMixin, forms.Form):
    """退回: why the committee sends a submitted record back to its secretaries."""

    reason = forms.CharField(
        label="退回原因",
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "例如：出勤人数与签到表不符，请核对"}),
        error_messages={"required": "请填写退回原因。"},
    )
