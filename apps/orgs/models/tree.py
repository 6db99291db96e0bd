"""The org tree (组织架构) with its dates: the platform start, units, branches and party groups."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.core.dates import validate_party_date
from apps.core.models import TimeStampedModel
from apps.core.scoping import GLOBAL, ScopePaths


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
        # The roster and every list sorted by unit walk the units in this order and stop after a page
        # (nested loop + incremental sort) instead of sorting every member of the city (BENCHMARKS.md, 党员名册).
        indexes = [models.Index(fields=["order", "id"], name="orgs_unit_order_idx")]

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
