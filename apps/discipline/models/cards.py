"""亮黄牌 / 掏红牌: cards the committee issues to a unit, their configurable weight, and their lifting."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from apps.core.dates import validate_record_date
from apps.core.models import TimeStampedModel
from apps.core.scoping import GLOBAL, ScopePaths
from apps.orgs.models import Unit

from .supervision import Finding, Talk


class CardColour(models.TextChoices):
    YELLOW = "yellow", "黄牌"
    RED = "red", "红牌"


class CardRule(models.Model):
    """What a card of a colour weighs (data, edited by the committee): points deducted and the tier cap."""

    colour = models.CharField("颜色", max_length=10, choices=CardColour.choices, unique=True)
    deduction = models.DecimalField(
        "扣分",
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    caps_tier = models.BooleanField("限制评定等次", default=False, help_text="在有效期内，单位等次最高为下列等次")
    tier_cap = models.CharField("最高等次", max_length=10, blank=True, help_text="例如 一般")
    note = models.CharField("说明", max_length=200, blank=True)

    history = HistoricalRecords()
    scope_paths = GLOBAL

    class Meta:
        verbose_name = "黄红牌规则"
        verbose_name_plural = "黄红牌规则"
        ordering = ["colour"]

    def __str__(self):
        return f"{self.get_colour_display()}：扣{self.deduction}分"


class Card(TimeStampedModel):
    """A card in force from `issued_on` until lifted (解除), which needs its rectifications accepted first."""

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="discipline_cards")
    colour = models.CharField("颜色", max_length=10, choices=CardColour.choices)
    reason = models.CharField("亮牌事由", max_length=500)
    issued_on = models.DateField("亮牌日期", validators=[validate_record_date])
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    findings = models.ManyToManyField(Finding, verbose_name="依据的问题", blank=True, related_name="cards")
    talks = models.ManyToManyField(Talk, verbose_name="依据的约谈", blank=True, related_name="cards")
    deduction = models.DecimalField("扣分", max_digits=5, decimal_places=1, help_text="亮牌时按规则确定")
    caps_tier = models.BooleanField("限制评定等次", default=False)
    tier_cap = models.CharField("最高等次", max_length=10, blank=True)
    lifted_on = models.DateField("解除日期", null=True, blank=True, validators=[validate_record_date])
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    lift_note = models.CharField("解除说明", max_length=500, blank=True)

    history = HistoricalRecords(m2m_fields=[findings, talks])
    scope_paths = ScopePaths(unit="unit")

    class Meta:
        verbose_name = "黄红牌"
        verbose_name_plural = "黄红牌"
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lifted_on__isnull=True) | Q(lifted_on__gte=models.F("issued_on")),
                name="card_lifted_after_issued",
                violation_error_message="解除日期不能早于亮牌日期。",
            ),
        ]

    def __str__(self):
        return f"{self.unit} {self.get_colour_display()}（{self.issued_on:%Y-%m-%d}）"

    @property
    def in_force(self) -> bool:
        return self.lifted_on is None
