"""The default indicator system (DOMAIN §4), seeded by a data migration and copied into each new year.

Base indicators (auto and manual) add up to 100 points; bonus, deduction and veto adjust the total.
The committee changes all of it in the portal (rules are data, ARCHITECTURE rule 5).
"""

from __future__ import annotations

from decimal import Decimal

D = Decimal

#: (look, code, name, method, max points, extra fields)
INDICATORS = [
    (
        "political",
        "partylife-compliance",
        "组织生活落实率",
        "auto",
        12,
        {
            "metric_key": "partylife.compliance_rate",
            "floor": 60,
            "target": 100,
            "missing_rule": "exclude",
            "description": "三会一课、主题党日等规则周期的落实比例：60%及以下0分，100%满分，之间按比例。",
        },
    ),
    (
        "political",
        "theme-day",
        "主题党日开展率",
        "auto",
        5,
        {"metric_key": "partylife.theme_day_completion", "floor": 60, "target": 100, "missing_rule": "exclude"},
    ),
    (
        "political",
        "study-hours",
        "党员学时达标率",
        "auto",
        8,
        {"metric_key": "study.hours_completion", "floor": 50, "target": 100, "missing_rule": "exclude"},
    ),
    (
        "political",
        "knowledge",
        "应知应会完成率",
        "auto",
        4,
        {"metric_key": "study.knowledge_completion", "floor": 40, "target": 100, "missing_rule": "exclude"},
    ),
    (
        "political",
        "talk-reach",
        "谈心谈话覆盖率",
        "auto",
        4,
        {"metric_key": "partylife.talk_reach", "floor": 50, "target": 100, "missing_rule": "exclude"},
    ),
    (
        "political",
        "duty-report",
        "履责报告按时报送",
        "auto",
        4,
        {
            "metric_key": "discipline.report_on_time",
            "mapping": "bands",
            "bands": [[100, 4], [80, 2]],
            "missing_rule": "full",
            "description": "按时报送率100%得4分，80%及以上得2分；本期无报送任务的按满分计。",
        },
    ),
    (
        "political",
        "exam-participation",
        "学法用法考试参考率",
        "auto",
        3,
        {"metric_key": "study.exam_participation", "floor": 60, "target": 100, "missing_rule": "exclude"},
    ),
    (
        "safety",
        "rectification",
        "整改按时完成率",
        "auto",
        8,
        {
            "metric_key": "discipline.rectification_on_time",
            "floor": 60,
            "target": 100,
            "missing_rule": "full",
            "description": "本期到期的整改均按时销号得满分；本期无到期整改的按满分计。",
        },
    ),
    (
        "safety",
        "safety-stability",
        "安全生产与信访稳定",
        "manual",
        12,
        {"missing_rule": "full", "description": "工委根据安全生产、信访稳定情况评分；未录入视为未发生问题，按满分计。"},
    ),
    (
        "demands",
        "hotline-12345",
        "12345热线诉求办结率",
        "manual",
        12,
        {"missing_rule": "exclude", "description": "依据12345热线月度通报评分，附通报截图或文件。"},
    ),
    (
        "demands",
        "enterprise-solved",
        "帮助企业解决问题",
        "auto",
        8,
        {
            "metric_key": "partylife.enterprise_problems_solved",
            "mapping": "bands",
            "bands": [[5, 8], [3, 6], [1, 3]],
            "missing_rule": "zero",
            "description": "“万名干部联万企”解决企业问题：5个及以上8分，3个6分，1个3分。",
        },
    ),
    (
        "advance",
        "annual-targets",
        "年度重点目标完成情况",
        "manual",
        15,
        {"missing_rule": "exclude", "description": "进位争先目标完成情况，依据年度目标考核结果录入。"},
    ),
    (
        "advance",
        "exam-pass",
        "学法用法考试及格率",
        "auto",
        5,
        {"metric_key": "study.exam_pass_rate", "floor": 60, "target": 100, "missing_rule": "exclude"},
    ),
    (
        "advance",
        "awards",
        "表彰奖励加分",
        "bonus",
        5,
        {"description": "示范党支部、先进基层党组织等表彰，每项加1至3分，合计不超过5分。"},
    ),
    (
        "political",
        "cards",
        "黄牌红牌扣分",
        "deduction",
        15,
        {
            "metric_key": "discipline.card_deduction",
            "per_unit": 1,
            "description": "期末仍有效的黄红牌按亮牌时的扣分扣减，合计不超过15分。",
        },
    ),
    (
        "political",
        "violations",
        "违规违纪问题扣分",
        "deduction",
        10,
        {"description": "巡察、督查发现的违规违纪问题，由工委录入扣分，合计不超过10分。"},
    ),
    (
        "safety",
        "veto",
        "一票否决事项",
        "veto",
        0,
        {"tier_cap": "一般", "description": "发生重大安全责任事故、严重违纪违法案件等，当期等次最高为“一般”。"},
    ),
]


def load() -> None:
    """Make sure a system exists for the current year (idempotent; copies the latest one when there is one)."""
    from django.utils import timezone

    from .services.systems import system_for

    system_for(timezone.localdate().year)


def create_default(IndicatorSystem, Indicator, year: int):  # noqa: N803 — historical models from a migration
    system = IndicatorSystem.objects.create(year=year, version=1, name="“四看”模范机关创建评价指标体系")
    for order, (look, code, name, method, points, extra) in enumerate(INDICATORS, start=1):
        fields = dict(extra)
        for key in ("floor", "target", "per_unit"):
            if key in fields:
                fields[key] = D(str(fields[key]))
        Indicator.objects.create(
            system=system,
            look=look,
            code=code,
            name=name,
            method=method,
            max_points=D(points),
            order=order * 10,
            **fields,
        )
    return system
