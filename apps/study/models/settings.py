"""The committee's study settings for one year (学习年度设置): targets by role and the 自学 caps."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from apps.core.scoping import GLOBAL

HOURS = {"max_digits": 5, "decimal_places": 1}


def _hours_validators(most: int):
    return [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal(most))]


class StudyYear(models.Model):
    """Targets and caps of one year. A year nobody configured takes the previous year's (or these defaults)."""

    year = models.PositiveSmallIntegerField(
        "年度", unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    member_target = models.DecimalField(
        "党员年度学时目标",
        default=Decimal("32"),
        validators=_hours_validators(500),
        help_text="《中国共产党党员教育管理工作条例》：党员每年集中学习培训时间一般不少于32学时",
        **HOURS,
    )
    leader_target = models.DecimalField(
        "支部书记、支部委员年度学时目标",
        default=Decimal("56"),
        validators=_hours_validators(500),
        help_text="基层党组织书记和班子成员每年集中学习培训时间一般不少于56学时",
        **HOURS,
    )
    self_study_daily_cap = models.DecimalField(
        "自学每日最多计入学时", default=Decimal("2"), validators=_hours_validators(24), **HOURS
    )
    self_study_yearly_cap = models.DecimalField(
        "自学全年最多计入学时", default=Decimal("12"), validators=_hours_validators(500), **HOURS
    )
    note = models.CharField("说明", max_length=200, blank=True)

    history = HistoricalRecords()
    scope_paths = GLOBAL

    class Meta:
        verbose_name = "学习年度设置"
        verbose_name_plural = "学习年度设置"
        ordering = ["-year"]

    def __str__(self):
        return f"{self.year}年学习设置"

    @classmethod
    def for_year(cls, year: int) -> StudyYear:
        """The settings of a year: its own row, else an unsaved copy of the latest earlier year's, else defaults."""
        rows = list(cls.objects.filter(year__lte=year).order_by("-year")[:1])
        if rows and rows[0].year == year:
            return rows[0]
        base = rows[0] if rows else cls()
        return cls(
            year=year,
            member_target=base.member_target,
            leader_target=base.leader_target,
            self_study_daily_cap=base.self_study_daily_cap,
            self_study_yearly_cap=base.self_study_yearly_cap,
        )
