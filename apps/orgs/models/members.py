"""Members (党员) and their time in each branch (组织关系)."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.core.dates import validate_birth_date, validate_party_date
from apps.core.models import TimeStampedModel
from apps.core.periods import add_years
from apps.core.scoping import ScopePaths

from .tree import Branch, PartyGroup


class Gender(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class MemberStatus(models.TextChoices):
    FULL = "full", "正式党员"
    PROBATIONARY = "probationary", "预备党员"


def youth_born_after(on: dt.date) -> dt.date:
    """Members born after this day are youth (age ≤ PORTAL_YOUTH_MAX_AGE) on `on`."""
    return add_years(on, -(settings.PORTAL_YOUTH_MAX_AGE + 1))


#: 党章第一条：年满十八岁的中国工人、农民、军人、知识分子和其他社会阶层的先进分子…可以申请加入中国共产党。
MIN_JOIN_AGE = 18


def join_date_problem(birth_date, join_date) -> str | None:
    """Why a join date cannot be right for this birth date (one rule for the form, the API and the roster import)."""
    if not birth_date or not join_date:
        return None
    if join_date <= birth_date:
        return "入党日期必须晚于出生日期"
    if join_date < add_years(birth_date, MIN_JOIN_AGE):
        return f"入党时未满十八周岁（出生于 {birth_date:%Y-%m-%d}，入党于 {join_date:%Y-%m-%d}）"
    return None


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
