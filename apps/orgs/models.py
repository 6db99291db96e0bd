"""Organisation tree (组织架构): units 单位, branches 党支部, party groups 党小组, members 党员.

Roles are django-guardian object permissions on Unit and Branch; every read a
user sees goes through `access.scope_for` and the `scope_paths` each model declares.
Members are never deleted: they are deactivated, and history is kept.
"""

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from apps.core.dates import validate_birth_date, validate_party_date
from apps.core.models import TimeStampedModel
from apps.core.periods import add_years
from apps.core.scoping import COMMITTEE_ONLY, ScopePaths

from . import lockout


class User(AbstractUser):
    """A login account. A party member's account links to their Member row."""

    display_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("手机号", max_length=20, blank=True)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)
    must_change_password = models.BooleanField("下次登录须修改密码", default=False)

    history = HistoricalRecords(excluded_fields=["password", "last_login"])
    scope_paths = COMMITTEE_ONLY  # accounts are managed by the committee alone

    class Meta:
        verbose_name = "账号"
        verbose_name_plural = "账号"
        permissions = [("committee", "工委管理员：管理全部单位")]

    def __str__(self):
        return self.display_name or self.username

    def is_locked(self, now: dt.datetime | None = None) -> bool:
        return self.locked_until(now) is not None

    def locked_until(self, now: dt.datetime | None = None) -> dt.datetime | None:
        """When this account's login lockout ends (None: not locked). Axes counts it (orgs.lockout)."""
        return lockout.locked_until(username=self.username, now=now)

    def password_expired(self, now: dt.datetime | None = None) -> bool:
        if self.must_change_password:
            return True
        if self.password_changed_at is None:
            return False
        return (now or timezone.now()) - self.password_changed_at > settings.PORTAL_PASSWORD_MAX_AGE


class UnitCategory(models.TextChoices):
    PARTY_MASS = "party_mass", "党群部门"
    GOVERNMENT = "government", "政府工作部门"
    LEGAL = "legal", "政法单位"
    INSTITUTION = "institution", "事业单位"


class PartyOrgKind(models.TextChoices):
    COMMITTEE = "committee", "机关党委"
    GENERAL_BRANCH = "general_branch", "党总支"
    BRANCH = "branch", "党支部"


class Unit(TimeStampedModel):
    """A 市直单位: a city department and its party organisation."""

    name = models.CharField("单位名称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=30, blank=True)
    category = models.CharField("单位分类", max_length=20, choices=UnitCategory.choices)
    party_org_kind = models.CharField(
        "党组织类型", max_length=20, choices=PartyOrgKind.choices, default=PartyOrgKind.COMMITTEE
    )
    order = models.PositiveIntegerField("排序", default=100, help_text="数字小的排在前面")
    active = models.BooleanField("在用", default=True)

    history = HistoricalRecords()
    scope_paths = ScopePaths(unit="pk", node="unit")

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["order", "id"]
        permissions = [("manage_unit", "单位党组织书记/党务干部：管理本单位")]

    def __str__(self):
        return self.short_name or self.name

    def get_absolute_url(self):
        return reverse("orgs:unit_detail", args=[self.pk])


class BranchKind(models.TextChoices):
    SERVING = "serving", "在职"
    RETIRED = "retired", "离退休"


class Branch(TimeStampedModel):
    """A 党支部 of one unit."""

    unit = models.ForeignKey(Unit, verbose_name="所属单位", on_delete=models.PROTECT, related_name="branches")
    name = models.CharField("支部名称", max_length=100)
    kind = models.CharField("支部类型", max_length=10, choices=BranchKind.choices, default=BranchKind.SERVING)
    founded_on = models.DateField(
        "成立日期",
        default=dt.date(2020, 1, 1),
        validators=[validate_party_date],
        help_text="组织生活规则自成立之日起适用",
    )
    order = models.PositiveIntegerField("排序", default=100)
    active = models.BooleanField("在用", default=True)

    history = HistoricalRecords()
    scope_paths = ScopePaths(unit="unit", branch="pk", node="branch")

    class Meta:
        verbose_name = "党支部"
        verbose_name_plural = "党支部"
        ordering = ["unit__order", "unit_id", "order", "id"]
        permissions = [("manage_branch", "支部书记：管理本支部")]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "name"],
                name="branch_unique_name_in_unit",
                violation_error_message="本单位已有同名支部。",
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("orgs:branch_detail", args=[self.pk])


class PartyGroup(TimeStampedModel):
    """An optional 党小组 inside a branch."""

    branch = models.ForeignKey(Branch, verbose_name="所属支部", on_delete=models.PROTECT, related_name="party_groups")
    name = models.CharField("党小组名称", max_length=50)
    active = models.BooleanField("在用", default=True)

    history = HistoricalRecords()
    scope_paths = ScopePaths(unit="branch__unit", branch="branch")

    class Meta:
        verbose_name = "党小组"
        verbose_name_plural = "党小组"
        ordering = ["branch_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "name"],
                name="partygroup_unique_name_in_branch",
                violation_error_message="本支部已有同名党小组。",
            )
        ]

    def __str__(self):
        return self.name


class Gender(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class MemberStatus(models.TextChoices):
    FULL = "full", "正式党员"
    PROBATIONARY = "probationary", "预备党员"


def youth_born_after(on: dt.date) -> dt.date:
    """Members born after this day are youth (age ≤ PORTAL_YOUTH_MAX_AGE) on `on`."""
    return add_years(on, -(settings.PORTAL_YOUTH_MAX_AGE + 1))


class MemberQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def youth(self, on: dt.date | None = None):
        """Members aged at most PORTAL_YOUTH_MAX_AGE on the given day (default today)."""
        return self.filter(birth_date__gt=youth_born_after(on or timezone.localdate()))


class Member(TimeStampedModel):
    """A 党员 on a branch roster. Deactivated (转出/去世…), never deleted."""

    branch = models.ForeignKey(Branch, verbose_name="所在支部", on_delete=models.PROTECT, related_name="members")
    party_group = models.ForeignKey(
        PartyGroup,
        verbose_name="所在党小组",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
    )
    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    birth_date = models.DateField("出生日期", validators=[validate_birth_date])
    join_date = models.DateField("入党日期", validators=[validate_party_date])
    status = models.CharField("党员状态", max_length=20, choices=MemberStatus.choices, default=MemberStatus.FULL)
    position = models.CharField("职务", max_length=100, blank=True)
    is_leading_cadre = models.BooleanField("领导干部", default=False, help_text="“关键少数”")
    is_branch_committee = models.BooleanField("支部委员", default=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账号",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="member",
    )
    active = models.BooleanField("在册", default=True)
    left_on = models.DateField("离册日期", null=True, blank=True, validators=[validate_party_date])
    left_reason = models.CharField("离册原因", max_length=200, blank=True)

    objects = MemberQuerySet.as_manager()
    history = HistoricalRecords()
    scope_paths = ScopePaths(unit="branch__unit", branch="branch", member="pk")

    class Meta:
        verbose_name = "党员"
        verbose_name_plural = "党员"
        ordering = ["branch_id", "-is_branch_committee", "name", "id"]
        constraints = [
            # The roster import's natural key: same person = same branch, name, birth date.
            models.UniqueConstraint(
                fields=["branch", "name", "birth_date"],
                name="member_unique_in_branch",
                violation_error_message="该支部已登记同名、同出生日期的党员。",
            ),
            models.CheckConstraint(
                condition=Q(join_date__gt=models.F("birth_date")),
                name="member_joined_after_birth",
                violation_error_message="入党日期必须晚于出生日期。",
            ),
            models.CheckConstraint(
                condition=Q(active=True) | Q(left_on__isnull=False),
                name="member_left_has_date",
                violation_error_message="离册党员须有离册日期。",
            ),
        ]
        indexes = [models.Index(fields=["branch", "active"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("orgs:member_detail", args=[self.pk])

    def age(self, on: dt.date | None = None) -> int:
        on = on or timezone.localdate()
        return on.year - self.birth_date.year - ((on.month, on.day) < (self.birth_date.month, self.birth_date.day))

    @property
    def is_youth(self) -> bool:
        return self.age() <= settings.PORTAL_YOUTH_MAX_AGE


class HeadcountSnapshot(models.Model):
    """Daily per-unit headcount (党员队伍统计), written by a Celery beat job."""

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.CASCADE, related_name="headcounts")
    date = models.DateField("统计日期")
    members = models.PositiveIntegerField("党员数")
    probationary = models.PositiveIntegerField("预备党员数")
    youth = models.PositiveIntegerField("青年党员数")
    leading_cadres = models.PositiveIntegerField("领导干部数")
    branches = models.PositiveIntegerField("支部数")

    scope_paths = ScopePaths(unit="unit")

    class Meta:
        verbose_name = "党员队伍统计"
        verbose_name_plural = "党员队伍统计"
        ordering = ["-date", "unit__order"]
        constraints = [models.UniqueConstraint(fields=["unit", "date"], name="headcount_unique_unit_date")]

    def __str__(self):
        return f"{self.unit} {self.date}"


class LoginEvent(models.Model):
    """An audit row for every login attempt (kept ≥ 180 days; users cannot delete it)."""

    username = models.CharField("用户名", max_length=150)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    success = models.BooleanField("成功")
    reason = models.CharField("说明", max_length=50, blank=True)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)

    scope_paths = COMMITTEE_ONLY  # the login audit is the committee's

    class Meta:
        verbose_name = "登录日志"
        verbose_name_plural = "登录日志"
        ordering = ["-at"]

    def __str__(self):
        return f"{self.username} {self.at:%Y-%m-%d %H:%M} {'成功' if self.success else '失败'}"


# --- django-guardian direct foreign-key permission models ------------------------
# Roles are granted on Unit and Branch rows; these tables make the scope query a
# plain join instead of a generic (content type, text pk) lookup.


class UnitUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Unit, on_delete=models.CASCADE)


class UnitGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Unit, on_delete=models.CASCADE)


class BranchUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Branch, on_delete=models.CASCADE)


class BranchGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Branch, on_delete=models.CASCADE)
