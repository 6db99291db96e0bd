"""Forms for the org tree pages. Choices are always narrowed to the user's scope;
field lists come from the services (`UNIT_FIELDS`, …)."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.utils import timezone

from apps.core.forms import BootstrapFormMixin, DateInput

from . import permissions
from . import roster_import as importer
from .access import Role, Scope
from .filters import CURRENT_CHOICES
from .models import Branch, BranchEnd, BranchKind, Member, MemberStatus, PartyGroup, Platform, Unit, UnitCategory
from .services import BRANCH_FIELDS, MEMBER_FIELDS, PARTY_GROUP_FIELDS, PLATFORM_FIELDS, UNIT_FIELDS


def _branch_label(branch: Branch) -> str:
    return f"{branch.unit} · {branch.name}"


class UnitForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Unit
        fields = UNIT_FIELDS
        widgets = {"joined_on": DateInput()}


class BranchForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Branch
        fields = BRANCH_FIELDS
        widgets = {"founded_on": DateInput()}

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        units = permissions.roster_units(scope)
        self.fields["unit"].queryset = units
        if not self.instance.pk and len(units) == 1:
            self.fields["unit"].initial = units[0]


class PartyGroupForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = PartyGroup
        fields = PARTY_GROUP_FIELDS
        widgets = {"founded_on": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["founded_on"].required = False
        self.fields["founded_on"].help_text = "不填为今天"

    def clean_founded_on(self):
        return self.cleaned_data.get("founded_on") or timezone.localdate()


class MemberForm(BootstrapFormMixin, forms.ModelForm):
    since = forms.DateField(
        label="转入本支部日期",
        required=False,
        widget=DateInput(),
        help_text="从其他党组织转入的填写转入之日；不填则为入党日期与支部成立日期中较晚的一天",
    )

    class Meta:
        model = Member
        fields = MEMBER_FIELDS
        widgets = {"birth_date": DateInput(), "join_date": DateInput()}

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = permissions.roster_branches(scope)
        self.fields["branch"].label_from_instance = _branch_label
        self.fields["party_group"].queryset = scope.party_groups().current()
        self.fields["party_group"].label_from_instance = lambda g: f"{g.branch.name} · {g.name}"
        self.fields["party_group"].help_text = "可不填；须为所在支部下的党小组"
        if self.instance.pk:  # a member's branch changes by 组织关系转接, with its own date
            del self.fields["since"]
        # Uniqueness is checked by the service (with the final branch); ModelForm would check it twice.
        self.validate_unique = lambda: None


class BranchDissolveForm(BootstrapFormMixin, forms.Form):
    """撤销 / 合并 / 更名·改建 a branch: how, from which day, and into which branch."""

    reason = forms.ChoiceField(label="方式", choices=[("", "请选择"), *BranchEnd.choices])
    on = forms.DateField(
        label="撤销日期", widget=DateInput(), initial=timezone.localdate, help_text="自该日起支部不再存在；不能晚于今天"
    )
    successor = forms.ModelChoiceField(
        label="并入（改建为）支部",
        queryset=Branch.objects.none(),
        required=False,
        help_text="合并、更名·改建时必选：党员自撤销日期起转入该支部；须为该日已成立的支部",
    )

    def __init__(self, *args, branch: Branch, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["successor"].queryset = permissions.merge_targets(scope, branch)
        self.fields["successor"].label_from_instance = _branch_label


class PartyGroupDissolveForm(BootstrapFormMixin, forms.Form):
    on = forms.DateField(
        label="撤销日期", widget=DateInput(), initial=timezone.localdate, help_text="自该日起党小组不再存在"
    )


class MemberTransferForm(BootstrapFormMixin, forms.Form):
    """组织关系转接 within the portal: to which branch, from which day, into which party group."""

    to_branch = forms.ModelChoiceField(label="转入支部", queryset=Branch.objects.none())
    on = forms.DateField(
        label="转接日期",
        widget=DateInput(),
        initial=timezone.localdate,
        help_text="自该日起属于转入支部；不能早于转入现支部的日期，不能晚于今天",
    )
    party_group = forms.ModelChoiceField(
        label="转入党小组", queryset=PartyGroup.objects.none(), required=False, help_text="可不填；须为转入支部的党小组"
    )

    def __init__(self, *args, member: Member, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        branches = permissions.transfer_targets(scope, member)
        self.fields["to_branch"].queryset = branches
        self.fields["to_branch"].label_from_instance = _branch_label
        self.fields["party_group"].queryset = (
            PartyGroup.objects.current().filter(branch__in=branches).select_related("branch").order_by("branch_id")
        )
        self.fields["party_group"].label_from_instance = lambda g: f"{g.branch.name} · {g.name}"


class PlatformForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Platform
        fields = PLATFORM_FIELDS
        widgets = {"start_on": DateInput()}


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


ROLE_TARGETS = {Role.UNIT: "unit", Role.BRANCH: "branch", Role.COMMITTEE: None}


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
        label="支部", queryset=Branch.objects.current().select_related("unit"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].label_from_instance = _branch_label

    def clean(self):
        data = super().clean()
        if data.get("role") == Role.UNIT and not data.get("unit"):
            self.add_error("unit", "单位党务干部须选择单位。")
        if data.get("role") == Role.BRANCH and not data.get("branch"):
            self.add_error("branch", "支部书记须选择支部。")
        return data


class RoleRevokeForm(forms.Form):
    """Which role to take back: the role, and for a unit or branch role the unit or branch (posted as `target`)."""

    role = forms.ChoiceField(label="角色", choices=[(role, Role.LABELS[role]) for role in ROLE_TARGETS])
    target = forms.CharField(label="单位或支部", required=False)

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = {Role.UNIT: scope.units(), Role.BRANCH: scope.branches()}

    def clean(self):
        data = super().clean()
        data["unit"] = data["branch"] = None
        queryset = self.targets.get(data.get("role"))
        if queryset is not None:
            node = chosen(queryset, data.get("target"))
            if node is None:
                raise ValidationError("找不到要撤销角色的单位或支部。")
            data[ROLE_TARGETS[data["role"]]] = node
        return data


class PasswordResetForm(BootstrapFormMixin, forms.Form):
    password = forms.CharField(
        label="新密码",
        widget=forms.PasswordInput,
        help_text="至少8位，含大写字母、小写字母、数字、符号中的3类；用户下次登录须修改",
    )


class RosterImportForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label="名册文件（.xlsx）",
        widget=forms.FileInput(attrs={"accept": ".xlsx"}),
        error_messages={"required": "请选择要导入的 .xlsx 文件。", "empty": "上传的文件是空的。"},
        help_text=f"不超过 {importer.MAX_FILE_BYTES // (1024 * 1024)} MB，每次最多 {importer.MAX_ROWS} 人。",
    )
    dry_run = forms.BooleanField(label="仅校验，不导入", required=False)


def chosen(queryset: QuerySet, value) -> Model | None:
    """The row of `queryset` a request parameter names (`?branch=`, `?member=`), or None for a bad or foreign id."""
    try:
        return forms.ModelChoiceField(queryset=queryset, required=False).clean(value)
    except ValidationError:
        return None


# Filter-bar choices, "全部…" first (partylife's overviews use the category list too).
CATEGORY_CHOICES = [("", "全部分类"), *UnitCategory.choices]
BRANCH_KIND_CHOICES = [("", "全部类型"), *BranchKind.choices]
ACTIVE_CHOICES = [("", "全部"), ("1", "在用"), ("0", "已停用")]
BRANCH_STATUS_CHOICES = [("", "全部状态"), *CURRENT_CHOICES]  # 在用 / 已撤销
STATUS_CHOICES = [("", "全部状态"), *MemberStatus.choices]
