"""Organisation tree (组织架构): units 单位, branches 党支部, party groups 党小组, members 党员.

Roles are django-guardian object permissions on Unit and Branch; every read a
user sees goes through `access.scope_for` and the `scope_paths` each model declares.

The tree has a history (ARCHITECTURE rule 9): a branch has a founding date and, once
it ends, a dissolution date, a reason (撤销 / 合并 / 更名·改建) and for a merge its
successor; a party group is founded and dissolved on dates; a member's time in each
branch is a `Membership` with a start and an end. Nothing is deleted: a window is
judged by the tree as it was then (`apps.orgs.tree`). The platform's start date
(`Platform`, and `Unit.joined_on` for units that joined later) says from when on
anything is judged at all.
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
from apps.core.scoping import COMMITTEE_ONLY, GLOBAL, ScopePaths

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


class Platform(models.Model):
    """The platform itself (平台设置, one row): the day from which party life is judged city-wide.

    Windows that end before it (or whose midpoint lies before it) are 未纳入: not judged, never
    missed. A unit that joined later has its own `Unit.joined_on`; the later of the two counts.
    """

    start_on = models.DateField(
        "平台启用日期",
        validators=[validate_party_date],
        help_text="此日期之前的周期不评判，显示为“未纳入”",
    )

    history = HistoricalRecords()
    scope_paths = GLOBAL

    class Meta:
        verbose_name = "平台设置"
        verbose_name_plural = "平台设置"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="platform_single_row")]

    def __str__(self):
        return f"平台启用日期 {self.start_on:%Y-%m-%d}"

    @classmethod
    def start(cls) -> dt.date:
        """The city's start date: the stored one, or the settings' default before anyone set it."""
        row = cls.objects.filter(pk=1).values_list("start_on", flat=True).first()
        return row or settings.PORTAL_PLATFORM_START


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
    joined_on = models.DateField(
        "纳入平台日期",
        null=True,
        blank=True,
        validators=[validate_party_date],
        help_text="晚于平台启用日期纳入的单位填写；此前的周期不评判",
    )

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

    def judged_from(self, platform_start: dt.date) -> dt.date:
        """The first day this unit's party life is judged: the platform's start, or its own later one."""
        return max(platform_start, self.joined_on) if self.joined_on else platform_start


class BranchKind(models.TextChoices):
    SERVING = "serving", "在职"
    RETIRED = "retired", "离退休"


class BranchEnd(models.TextChoices):
    """Why a branch ended."""

    REVOKED = "revoked", "撤销"
    MERGED = "merged", "合并"
    REORGANISED = "reorganised", "更名·改建"


class LifespanQuerySet(models.QuerySet):
    """Branches and party groups: they exist from `founded_on` until (not including) `dissolved_on`.

    Nothing is deleted. Dissolutions are never dated in the future, so `current()` is
    "not dissolved".
    """

    def current(self):
        return self.filter(dissolved_on__isnull=True)

    def existing_on(self, day: dt.date):
        return self.filter(founded_on__lte=day).filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=day))

    def existing_during(self, start: dt.date, end: dt.date):
        """Those that existed on at least one day of [start, end]."""
        return self.filter(founded_on__lte=end).filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=start))


class Branch(TimeStampedModel):
    """A 党支部 of one unit, from its founding to its dissolution (撤销、合并或更名·改建)."""

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
    dissolved_on = models.DateField(
        "撤销日期",
        null=True,
        blank=True,
        validators=[validate_party_date],
        help_text="撤销、合并或改建之日：自该日起支部不再存在，党员自该日起转入新支部",
    )
    end_reason = models.CharField("撤销原因", max_length=20, choices=BranchEnd.choices, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name="并入（改建为）支部",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="predecessors",
    )

    objects = LifespanQuerySet.as_manager()
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
                condition=Q(dissolved_on__isnull=True),
                name="branch_unique_current_name_in_unit",
                violation_error_message="本单位已有同名支部。",
            ),
            models.CheckConstraint(
                condition=Q(dissolved_on__isnull=True, end_reason="", successor__isnull=True)
                | (Q(dissolved_on__isnull=False) & ~Q(end_reason="")),
                name="branch_end_has_date_and_reason",
                violation_error_message="撤销的支部须有撤销日期和原因；未撤销的支部不能有。",
            ),
            models.CheckConstraint(
                condition=Q(dissolved_on__isnull=True) | Q(dissolved_on__gte=models.F("founded_on")),
                name="branch_dissolved_after_founded",
                violation_error_message="撤销日期不能早于成立日期。",
            ),
            models.CheckConstraint(
                condition=Q(successor__isnull=True) | ~Q(successor=models.F("pk")),
                name="branch_not_own_successor",
                violation_error_message="支部不能并入自身。",
            ),
        ]
        indexes = [models.Index(fields=["unit", "dissolved_on"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("orgs:branch_detail", args=[self.pk])

    @property
    def is_current(self) -> bool:
        """Not dissolved: 在用."""
        return self.dissolved_on is None

    def existed_on(self, day: dt.date) -> bool:
        return self.founded_on <= day and (self.dissolved_on is None or day < self.dissolved_on)


class PartyGroup(TimeStampedModel):
    """An optional 党小组 inside a branch, from its founding to its dissolution."""

    branch = models.ForeignKey(Branch, verbose_name="所属支部", on_delete=models.PROTECT, related_name="party_groups")
    name = models.CharField("党小组名称", max_length=50)
    founded_on = models.DateField("成立日期", default=timezone.localdate, validators=[validate_party_date])
    dissolved_on = models.DateField(
        "撤销日期", null=True, blank=True, validators=[validate_party_date], help_text="自该日起党小组不再存在"
    )

    objects = LifespanQuerySet.as_manager()
    history = HistoricalRecords()
    scope_paths = ScopePaths(unit="branch__unit", branch="branch")

    class Meta:
        verbose_name = "党小组"
        verbose_name_plural = "党小组"
        ordering = ["branch_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "name"],
                condition=Q(dissolved_on__isnull=True),
                name="partygroup_unique_current_name_in_branch",
                violation_error_message="本支部已有同名党小组。",
            ),
            models.CheckConstraint(
                condition=Q(dissolved_on__isnull=True) | Q(dissolved_on__gte=models.F("founded_on")),
                name="partygroup_dissolved_after_founded",
                violation_error_message="撤销日期不能早于成立日期。",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_current(self) -> bool:
        return self.dissolved_on is None


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


class MembershipQuerySet(models.QuerySet):
    """A membership is in force from `start_on` until (not including) `end_on`."""

    def on(self, day: dt.date):
        """Memberships in force on a day: the members of each branch then."""
        return self.filter(start_on__lte=day).filter(Q(end_on__isnull=True) | Q(end_on__gt=day))

    def during(self, start: dt.date, end: dt.date):
        """Memberships in force on at least one day of [start, end]."""
        return self.filter(start_on__lte=end).filter(Q(end_on__isnull=True) | Q(end_on__gt=start))


class Membership(models.Model):
    """A member's time in one branch (组织关系): from the day they came in to the day they left it.

    A member has one open membership while on a roster (`Member.branch` is its branch).
    Both ends are days of change: a transfer on day D ends one membership on D and starts
    the next on D, so the member belongs to exactly one branch on every day; leaving the
    roster on D (`Member.left_on`) ends it on D.
    "The members of this branch in March" is `Membership.objects.during(march…).filter(branch=…)`.
    """

    member = models.ForeignKey(Member, verbose_name="党员", on_delete=models.CASCADE, related_name="memberships")
    branch = models.ForeignKey(Branch, verbose_name="支部", on_delete=models.PROTECT, related_name="memberships")
    start_on = models.DateField("转入日期", validators=[validate_party_date])
    end_on = models.DateField(
        "转出日期", null=True, blank=True, validators=[validate_party_date], help_text="自该日起不再属于该支部"
    )
    reason = models.CharField("变动说明", max_length=100, blank=True, help_text="例如 登记入册、转入、支部合并")

    objects = MembershipQuerySet.as_manager()
    history = HistoricalRecords()
    scope_paths = ScopePaths(unit="branch__unit", branch="branch", member="member")

    class Meta:
        verbose_name = "组织关系"
        verbose_name_plural = "组织关系"
        ordering = ["member_id", "start_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_on__isnull=True) | Q(end_on__gte=models.F("start_on")),
                name="membership_ends_after_start",
                violation_error_message="转出日期不能早于转入日期。",
            ),
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(end_on__isnull=True),
                name="membership_one_open_per_member",
                violation_error_message="该党员已在一个支部在册。",
            ),
        ]
        indexes = [models.Index(fields=["branch", "start_on", "end_on"])]

    def __str__(self):
        return f"{self.member} · {self.branch}（{self.start_on:%Y-%m-%d}起）"


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
        return f"{self.username} {timezone.localtime(self.at):%Y-%m-%d %H:%M} {'成功' if self.success else '失败'}"


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
