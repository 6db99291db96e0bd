"""Forms for the org tree pages. Choices are always narrowed to the user's scope."""

from django import forms
from django.utils import timezone

from apps.core.forms import BootstrapFormMixin, DateInput

from .access import Role, Scope
from .models import Branch, BranchKind, Member, PartyGroup, Unit, UnitCategory


class UnitForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["name", "short_name", "category", "party_org_kind", "order", "active"]


class BranchForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Branch
        fields = ["unit", "name", "kind", "founded_on", "order", "active"]
        widgets = {"founded_on": DateInput()}

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        units = scope.units().filter(active=True)
        if not scope.is_committee:
            units = units.filter(pk__in=sorted(scope.unit_ids))
        self.fields["unit"].queryset = units
        if units.count() == 1 and not self.instance.pk:
            self.fields["unit"].initial = units.first()


class PartyGroupForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = PartyGroup
        fields = ["name", "active"]


class MemberForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Member
        fields = [
            "branch",
            "party_group",
            "name",
            "gender",
            "birth_date",
            "join_date",
            "status",
            "position",
            "is_leading_cadre",
            "is_branch_committee",
        ]
        widgets = {"birth_date": DateInput(), "join_date": DateInput()}

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        branches = scope.branches().filter(active=True)
        if not scope.is_committee:
            branches = branches.filter(unit_id__in=sorted(scope.unit_ids))
        self.fields["branch"].queryset = branches
        self.fields["branch"].label_from_instance = lambda b: f"{b.unit} · {b.name}"
        self.fields["party_group"].queryset = scope.party_groups().filter(active=True)
        self.fields["party_group"].label_from_instance = lambda g: f"{g.branch.name} · {g.name}"
        self.fields["party_group"].help_text = "可不填；须为所在支部下的党小组"
        # Uniqueness is checked by the service (with the final branch); ModelForm would check it twice.
        self.validate_unique = lambda: None


class DeactivateForm(BootstrapFormMixin, forms.Form):
    left_on = forms.DateField(label="离册日期", widget=DateInput(), initial=timezone.localdate)
    left_reason = forms.ChoiceField(
        label="离册原因",
        choices=[
            ("组织关系转出", "组织关系转出"),
            ("去世", "去世"),
            ("出党", "出党"),
            ("停止党籍", "停止党籍"),
            ("其他", "其他"),
        ],
    )
    note = forms.CharField(label="说明", required=False, max_length=150, help_text="例如转往的党组织名称")

    def reason(self) -> str:
        note = self.cleaned_data.get("note", "").strip()
        return f"{self.cleaned_data['left_reason']}：{note}" if note else self.cleaned_data["left_reason"]


class AccountCreateForm(BootstrapFormMixin, forms.Form):
    username = forms.CharField(label="用户名", max_length=150, help_text="登录时使用，建议用姓名拼音或工号")
    display_name = forms.CharField(label="姓名", max_length=50)
    password = forms.CharField(
        label="初始密码",
        widget=forms.PasswordInput(render_value=False),
        help_text="至少8位，含大写字母、小写字母、数字、符号中的3类；首次登录须修改",
    )


class RoleGrantForm(BootstrapFormMixin, forms.Form):
    role = forms.ChoiceField(
        label="角色",
        choices=[
            (Role.UNIT, Role.LABELS[Role.UNIT]),
            (Role.BRANCH, Role.LABELS[Role.BRANCH]),
            (Role.COMMITTEE, Role.LABELS[Role.COMMITTEE]),
        ],
    )
    unit = forms.ModelChoiceField(label="单位", queryset=Unit.objects.filter(active=True), required=False)
    branch = forms.ModelChoiceField(
        label="支部", queryset=Branch.objects.filter(active=True).select_related("unit"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].label_from_instance = lambda b: f"{b.unit} · {b.name}"

    def clean(self):
        data = super().clean()
        if data.get("role") == Role.UNIT and not data.get("unit"):
            self.add_error("unit", "单位党务干部须选择单位。")
        if data.get("role") == Role.BRANCH and not data.get("branch"):
            self.add_error("branch", "支部书记须选择支部。")
        return data


class PasswordResetForm(BootstrapFormMixin, forms.Form):
    password = forms.CharField(
        label="新密码",
        widget=forms.PasswordInput,
        help_text="至少8位，含大写字母、小写字母、数字、符号中的3类；用户下次登录须修改",
    )


def unit_filter_choices(scope: Scope):
    return [("", "全部单位"), *[(str(u.pk), u.name) for u in scope.units().only("pk", "name", "order")]]


CATEGORY_CHOICES = [("", "全部分类"), *UnitCategory.choices]
BRANCH_KIND_CHOICES = [("", "全部类型"), *BranchKind.choices]
ACTIVE_CHOICES = [("", "全部"), ("1", "在用"), ("0", "已停用")]
