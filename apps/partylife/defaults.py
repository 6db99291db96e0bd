"""The default activity types and compliance rules (DOMAIN.md §2, clauses from SOURCES.md).

Loaded once by migration 0002; afterwards they are data the committee edits.
Plain dicts only: a data migration imports this module and must not import models.
"""

REGULATION = "《中国共产党支部工作条例（试行）》"

# Fields not given take the model defaults (needs_minutes and needs_attendance True, the rest False).
ACTIVITY_TYPES = [
    {
        "code": "branch_general_meeting",
        "name": "支部党员大会",
        "description": "党支部的议事决策机构，由全体党员参加",
        "makeup_on_absence": True,
        "order": 10,
    },
    {
        "code": "branch_committee_meeting",
        "name": "支部委员会会议",
        "description": "支委会：研究支部工作，支部委员参加",
        "needs_photo": True,
        "attendance_committee_only": True,
        "order": 20,
    },
    {
        "code": "party_group_meeting",
        "name": "党小组会",
        "level": "party_group",
        "description": "组织党员参加政治学习、谈心谈话、开展批评和自我批评",
        "order": 30,
    },
    {
        "code": "party_lecture",
        "name": "党课",
        "category": "study",
        "needs_photo": True,
        "makeup_on_absence": True,
        "study_hours": "2.0",
        "order": 40,
    },
    {
        "code": "theme_party_day",
        "name": "主题党日",
        "description": "“一月一课一片一实践”：每月相对固定1天",
        "needs_photo": True,
        "has_theme_day_parts": True,
        "makeup_on_absence": True,
        "study_hours": "2.0",
        "order": 50,
    },
    {
        "code": "org_life_meeting",
        "name": "组织生活会",
        "description": "一般安排在第四季度",
        "needs_photo": True,
        "order": 60,
    },
    {
        "code": "democratic_appraisal",
        "name": "民主评议党员",
        "description": "可以结合组织生活会一并进行（登记组织生活会时勾选“同时计为”）",
        "order": 70,
    },
    {
        "code": "heart_talk",
        "name": "谈心谈话",
        "description": "支部委员之间、支部委员和党员之间、党员和党员之间",
        "needs_attendance": False,
        "has_talk_pair": True,
        "order": 80,
    },
    {
        "code": "center_group_study",
        "name": "中心组学习",
        "level": "unit",
        "category": "study",
        "description": "单位党组（党委）理论学习中心组集体学习",
        "attendance_leaders_only": True,
        "study_hours": "3.0",
        "order": 90,
    },
    {
        "code": "first_topic",
        "name": "第一议题",
        "level": "unit",
        "category": "study",
        "description": "党组（党委）会议第一议题学习",
        "attendance_leaders_only": True,
        "has_first_topic": True,
        "study_hours": "1.0",
        "order": 100,
    },
    {
        "code": "branch_links_grassroots",
        "name": "支部联基层",
        "category": "practice",
        "description": "组织互联、思路共谋、活动共办、队伍共育、资源共享、发展共促",
        "needs_photo": True,
        "order": 110,
    },
    {
        "code": "post_merit",
        "name": "岗位建功",
        "category": "practice",
        "needs_photo": True,
        "needs_attendance": False,
        "order": 120,
    },
    {
        "code": "research",
        "name": "调查研究",
        "category": "practice",
        "description": "“走找想促”“三访三问”",
        "needs_attendance": False,
        "order": 130,
    },
    {
        "code": "cadres_link_enterprises",
        "name": "万名干部联万企",
        "category": "practice",
        "description": "干部联系企业，记录企业反映的问题及解决情况",
        "needs_attendance": False,
        "has_enterprise": True,
        "order": 140,
    },
]

RULES = [
    {
        "type": "branch_general_meeting",
        "name": "支部党员大会每季度至少1次",
        "frequency": "quarter",
        "strength": "soft",
        "source": f"{REGULATION}第十一条",
        "source_text": "党支部党员大会是党支部的议事决策机构，由全体党员参加，一般每季度召开1次。",
        "order": 10,
    },
    {
        "type": "branch_committee_meeting",
        "name": "支部委员会会议每月至少1次",
        "frequency": "month",
        "strength": "soft",
        "source": f"{REGULATION}第十二条",
        "source_text": "党支部委员会会议一般每月召开1次，根据需要可以随时召开",
        "order": 20,
    },
    {
        "type": "party_group_meeting",
        "name": "党小组会每月至少1次",
        "frequency": "month",
        "strength": "soft",
        "source": f"{REGULATION}第十三条",
        "source_text": "党小组会一般每月召开1次，组织党员参加政治学习、谈心谈话、开展批评和自我批评等。",
        "order": 30,
    },
    {
        "type": "party_lecture",
        "name": "党课每季度至少1次",
        "frequency": "quarter",
        "strength": "local",
        "source": "本地规定（支部层面党课频次无全国统一规定）",
        "source_text": "支部党课频次全国未作统一规定，按本市机关党建工作要求每季度至少1次。",
        "order": 40,
    },
    {
        "type": "theme_party_day",
        "name": "主题党日每月1次",
        "frequency": "month",
        "strength": "soft",
        "source": f"{REGULATION}第十六条",
        "source_text": "党支部每月相对固定1天开展主题党日，组织党员集中学习、过组织生活、进行民主议事和志愿服务等",
        "order": 50,
    },
    {
        "type": "org_life_meeting",
        "name": "组织生活会每年至少1次",
        "frequency": "year",
        "strength": "hard",
        "source": f"{REGULATION}第十七条",
        "source_text": "党支部每年至少召开1次组织生活会，一般安排在第四季度，也可以根据工作需要随时召开。",
        "remind_days_before": 45,
        "order": 60,
    },
    {
        "type": "democratic_appraisal",
        "name": "民主评议党员每年1次",
        "frequency": "year",
        "strength": "soft",
        "source": REGULATION,
        "source_text": "党支部一般每年开展1次民主评议党员…可以结合组织生活会一并进行。",
        "remind_days_before": 45,
        "order": 70,
    },
    {
        "type": "heart_talk",
        "name": "谈心谈话每年至少1次",
        "frequency": "year",
        "strength": "soft",
        "source": f"{REGULATION}第十九条",
        "source_text": "党支部委员之间、党支部委员和党员之间、党员和党员之间，每年谈心谈话一般不少于1次。",
        "remind_days_before": 45,
        "order": 80,
    },
    {
        "type": "center_group_study",
        "name": "中心组集体学习每月至少1次",
        "frequency": "month",
        "strength": "local",
        "source": "《中国共产党党委（党组）理论学习中心组学习规则》；频次为本地规定",
        "source_text": "中心组学习规则未规定全国统一的次数，本市默认每月至少开展1次集体学习。",
        "order": 90,
    },
    {
        "type": "first_topic",
        "name": "“第一议题”每月至少1次",
        "frequency": "month",
        "strength": "hard",
        "source": "本市“第一议题”制度",
        "source_text": "党组（党委）会议把学习习近平总书记最新重要讲话和重要指示批示精神作为第一议题。",
        "order": 100,
    },
]


def load(ActivityType, ComplianceRule) -> None:
    """Create the default types and rules that are missing; existing ones are left as the committee set them.

    Takes the model classes, so the data migration passes its historical models and
    tests pass the real ones (a transactional test's flush removes migration data).
    Fields the given model version does not have yet are skipped.
    """
    known = {f.name for f in ActivityType._meta.get_fields()}
    types = {}
    for spec in ACTIVITY_TYPES:
        values = {k: v for k, v in spec.items() if k != "code" and k in known}
        types[spec["code"]], _ = ActivityType.objects.get_or_create(code=spec["code"], defaults=values)
    for spec in RULES:
        fields = {k: v for k, v in spec.items() if k != "type"}
        if not ComplianceRule.objects.filter(activity_type=types[spec["type"]], name=spec["name"]).exists():
            ComplianceRule.objects.create(activity_type=types[spec["type"]], min_count=1, **fields)
