"""Default data of discipline: the weight of a yellow and a red card (the committee edits them)."""

from decimal import Decimal

CARD_RULES = (
    {"colour": "yellow", "deduction": Decimal("3"), "caps_tier": False, "tier_cap": "", "note": "亮黄牌：扣3分"},
    {
        "colour": "red",
        "deduction": Decimal("10"),
        "caps_tier": True,
        "tier_cap": "一般",
        "note": "掏红牌：扣10分，有效期内评定等次最高为“一般”",
    },
)


def load(card_rule_model=None) -> None:
    """Put the default card rules in (idempotent: existing rows are kept as the committee left them)."""
    if card_rule_model is None:
        from .models import CardRule as card_rule_model
    for spec in CARD_RULES:
        card_rule_model.objects.get_or_create(
            colour=spec["colour"], defaults={k: v for k, v in spec.items() if k != "colour"}
        )
