"""Party-life demo records (演示数据·组织生活) for `manage.py seed_demo`.

Every active branch gets its 三会一课, 主题党日, 党小组会, 谈心谈话 and practice
activities from the previous year's fourth quarter up to yesterday; every unit
its 中心组学习 and 第一议题. Most branches are compliant; a fixed fifth of them
skip months, a few records lack a photo (需补充) or are still drafts, and
absentees of 党课/主题党日/党员大会 owe a 补学 (most made up). 市发改委 lags
visibly, 市财政局 does not; the demo branch (市财政局 预算处党支部) follows a
script: one missed month, one 需补充 record, and this month's 支委会 still to
hold, so its calendar shows every state. Last year's months up to November are
closed (关账), and today's reminders are sent once.

Speed: rows are drawn in memory and bulk-inserted (with their history where the
model keeps one); the per-record services would take minutes. `evidence_complete`
is computed here by the rules of `services.missing_evidence` (a test checks the
two agree). Evidence rows share a handful of small files written once under
MEDIA_ROOT/evidence/demo/.

Determinism: each branch and unit draws from its own `random.Random` seeded by
its name, so a run depends on the org tree and today's date only.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass, field

from django.apps import apps as django_apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connections, transaction
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.test.utils import override_settings
from simple_history.utils import bulk_create_with_history, get_history_model_for_model

from apps.core.periods import Frequency, Period, local_tz
from apps.orgs import demo_data as org_data
from apps.orgs.models import Branch, BranchKind, Member, PartyGroup, Unit, UnitCategory, User

from . import counting, reminders
from .models import (
    Activity,
    ActivityStatus,
    ActivityType,
    ActivityUnlock,
    Attendance,
    ComplianceRule,
    EnterpriseProblem,
    Evidence,
    EvidenceKind,
    MakeupTask,
    MissedReason,
    PeriodLock,
    ProblemCategory,
    Strength,
)
from .services import MAKEUP_DAYS

SEED = org_data.SEED
DEMO_DIR = "evidence/demo"
CHANGE_REASON = "导入演示数据"
DEMO_USERNAMES = ("gongwei", "danwei", "danwei2", "zhibu", "dangyuan")

# Activity type codes (defaults.py); a type the committee switched off is skipped.
GENERAL = "branch_general_meeting"
COMMITTEE = "branch_committee_meeting"
GROUP = "party_group_meeting"
LECTURE = "party_lecture"
THEME_DAY = "theme_party_day"
ORG_LIFE = "org_life_meeting"
APPRAISAL = "democratic_appraisal"
TALK = "heart_talk"
CENTER = "center_group_study"
FIRST_TOPIC = "first_topic"
LINKS = "branch_links_grassroots"
MERIT = "post_merit"
RESEARCH = "research"
ENTERPRISE = "cadres_link_enterprises"
MAKEUP_TYPES = (GENERAL, LECTURE, THEME_DAY)

# --- the texts ------------------------------------------------------------------------------------

PLACES = ("三楼会议室", "党员活动室", "二楼小会议室", "五楼党建活动中心", "一楼多功能厅", "四楼会议室")
RETIRED_PLACES = ("老干部活动中心", "离退休干部活动室", "一楼多功能厅")
UNIT_PLACES = ("党组会议室", "机关大楼八楼会议室", "一号会议室")
TALK_PLACES = ("支部书记办公室", "二楼小会议室", "党员谈心室")

COMMITTEE_TOPICS = (
    "研究本月支部工作安排",
    "研究党员发展工作",
    "研究主题党日活动方案",
    "研究党费收缴使用情况",
    "研究推荐入党积极分子",
    "研究预备党员转正事宜",
    "研究“模范机关”创建工作推进措施",
    "传达学习上级党组织会议精神，研究贯彻落实措施",
    "研究支部联基层结对共建事项",
    "分析党员思想状况，研究谈心谈话安排",
    "研究党风廉政建设工作",
)
COMMITTEE_Q4_TOPIC = "研究年度组织生活会和民主评议党员准备工作"

# 主题党日: the month's theme (set by the committee for all branches), then 一课、一片、一实践.
THEME_BY_MONTH = {
    1: "岁末年初走访慰问 传递组织温暖",
    2: "学习贯彻中央和省委、市委全会精神",
    3: "弘扬雷锋精神 争当志愿先锋",
    4: "清明祭英烈 传承红色基因",
    5: "弘扬劳动精神 岗位建功立业",
    6: "以案为鉴 筑牢廉洁防线",
    7: "庆祝中国共产党成立{party_age}周年 重温入党誓词",
    8: "传承红色基因 赓续精神血脉",
    9: "践行“四下基层” 为群众办实事",
    10: "喜迎国庆 礼赞祖国",
    11: "学习贯彻党的二十届四中全会精神",
    12: "学习宪法 弘扬法治精神",
}
LESSONS = (
    "学习贯彻党的二十届四中全会精神",
    "传达学习习近平总书记重要讲话精神",
    "深入学习贯彻中央八项规定精神",
    "学习《中国共产党纪律处分条例》",
    "弘扬伟大建党精神",
    "学习习近平总书记关于加强和改进中央和国家机关党的建设的重要论述",
    "学习《中国共产党支部工作条例（试行）》",
    "锤炼过硬作风 争当模范表率",
)
FILMS = (
    "《长津湖》",
    "《建党伟业》",
    "《焦裕禄》",
    "《守岛人》",
    "《1921》",
    "《革命者》",
    "《悬崖之上》",
    "《周恩来的四个昼夜》",
    "《谷文昌》",
    "专题片《永远吹冲锋号》",
    "警示教育片《持续发力 纵深推进》",
)
PRACTICES = (
    "赴结对社区开展志愿服务",
    "到结对村开展走访慰问",
    "参观市革命历史纪念馆",
    "开展文明城市创建志愿服务",
    "走访联系企业，了解生产经营困难",
    "开展“我为群众办实事”便民服务",
    "赴市廉政教育基地接受警示教育",
    "开展义务植树活动",
    "到社区开展政策宣讲",
)
GENERAL_TOPICS = {
    1: ("审议支部年度工作计划，通报党费收缴情况", "学习贯彻上级全会精神，部署年度重点任务"),
    2: ("讨论接收预备党员", "学习贯彻上级全会精神，通报一季度支部工作"),
    3: ("通报上半年支部工作，研究下半年重点任务", "讨论预备党员转正"),
    4: ("学习贯彻党的二十届四中全会精神，讨论预备党员转正", "通报全年支部工作，研究组织生活会准备工作"),
}
LECTURES = (
    "以高质量党建引领模范机关建设",
    "深刻领悟“两个确立”的决定性意义",
    "学好党章 用好党章",
    "推进全面从严治党向纵深发展",
    "力戒形式主义官僚主义 为基层减负",
    "以学铸魂 以学增智 以学正风 以学促干",
    "党纪学习教育专题党课",
    "守初心 担使命 在岗位上建功立业",
)
GROUP_TOPICS = (
    "集中学习习近平总书记重要讲话精神",
    "交流学习体会，开展批评和自我批评",
    "传达支部工作安排，学习党章党规",
    "学习党的二十届四中全会精神",
    "讨论本小组党员参加志愿服务安排",
    "学习《中国共产党党员教育管理工作条例》",
)
TALK_TOPICS = (
    "了解思想和工作情况，听取意见建议",
    "工作岗位调整后的思想沟通",
    "预备党员思想交流",
    "组织生活会前谈心谈话",
    "关心家庭困难，鼓励做好本职工作",
)
CENTER_TOPICS = (
    "传达学习习近平总书记重要讲话精神",
    "专题学习党的二十届四中全会精神",
    "学习习近平经济思想",
    "学习习近平法治思想",
    "学习习近平生态文明思想",
    "专题研讨：以模范机关建设推动高质量发展",
    "学习《中国共产党纪律处分条例》",
    "学习中央经济工作会议精神",
    "学习习近平总书记关于党的建设的重要思想",
)
FIRST_TOPIC_MATERIALS = (
    "习近平总书记在中央经济工作会议上的重要讲话精神",
    "习近平总书记关于推进中国式现代化的重要论述",
    "习近平总书记在中央政治局集体学习时的重要讲话精神",
    "习近平总书记关于全面从严治党的重要论述",
    "习近平总书记考察调研时的重要讲话精神",
    "习近平总书记关于安全生产的重要指示精神",
    "习近平总书记在党的二十届四中全会上的重要讲话精神",
    "习近平总书记关于加强作风建设的重要论述",
)
LINK_SITES = ("城南街道幸福社区", "青山村党群服务中心", "新华街道光明社区", "高新区企业联合党委", "东湖社区")
LINK_TOPICS = ("结对共建：开展政策宣讲", "结对共建：联合开展主题党日", "走访结对社区，共商为民办实事项目")
RESEARCH_TOPICS = (
    "“走找想促”：走访基层单位，查找工作短板",
    "“三访三问”：走访服务对象，听取意见建议",
    "围绕优化营商环境开展专题调研",
    "围绕基层减负开展调查研究",
)
MERIT_TOPICS = ("党员先锋岗攻坚年度重点任务", "党员突击队保障重点项目推进", "“亮身份、作表率”岗位实践")
ENTERPRISE_PREFIXES = (
    "华鑫",
    "恒达",
    "瑞丰",
    "宏远",
    "金桥",
    "鼎盛",
    "博源",
    "天润",
    "新锐",
    "安泰",
    "众诚",
    "汇通",
    "永兴",
    "中科智",
)
ENTERPRISE_TRADES = (
    "精密机械",
    "新材料科技",
    "物流",
    "食品",
    "电子科技",
    "医药",
    "建材",
    "纺织",
    "环保科技",
    "汽车零部件",
    "农业发展",
    "智能装备",
)
PROBLEMS = {
    ProblemCategory.FINANCING: (
        ("流动资金紧张，银行贷款审批进展缓慢", "协调合作银行发放流动资金贷款"),
        ("希望申请技改项目贴息贷款", "帮助对接市融资担保公司，完成贴息申报"),
    ),
    ProblemCategory.LABOUR: (
        ("一线技术工人招工难", "对接人社部门举办专场招聘会"),
        ("生产旺季缺少普工约50人", "协调职业院校开展订单式培养和实习"),
    ),
    ProblemCategory.UTILITIES: (
        ("厂区用电增容申请尚未批复", "协调供电公司完成线路增容"),
        ("新厂房天然气管网尚未接入", "协调燃气公司加快管网接入"),
        ("供水压力不足影响生产", "协调水务集团改造加压设施"),
    ),
    ProblemCategory.LOGISTICS: (
        ("厂区门前道路货车限行，运输不便", "协调交警部门调整货车通行时段"),
        ("员工通勤缺少公交线路", "协调公交公司增设站点"),
    ),
    ProblemCategory.INFRASTRUCTURE: (
        ("园区道路破损，雨天积水", "协调园区管委会完成道路修复"),
        ("厂区周边排水管网不畅", "协调住建部门疏通改造排水管网"),
    ),
    ProblemCategory.OTHER: (
        ("申报高新技术企业缺少政策指导", "组织政策宣讲并上门指导申报"),
        ("项目审批手续办理周期长", "协调相关部门开通审批绿色通道"),
    ),
}
PROBLEM_WEIGHTS = {
    ProblemCategory.FINANCING: 25,
    ProblemCategory.LABOUR: 20,
    ProblemCategory.UTILITIES: 15,
    ProblemCategory.LOGISTICS: 15,
    ProblemCategory.INFRASTRUCTURE: 10,
    ProblemCategory.OTHER: 15,
}
ABSENCE_REASONS = ("出差", "病假", "外出学习", "公务外出", "年休假", "参加上级会议")
RETIRED_ABSENCE_REASONS = ("身体原因", "外地探亲", "住院治疗")
MAKEUP_NOTES = (
    "观看会议录像并自学会议材料，已向支部提交学习心得",
    "参加支部组织的集中补学",
    "自学党课讲稿，与支部书记交流学习体会",
)
MISSED_REASONS = (
    "支部书记参加市委党校脱产培训，本月会议顺延至下月召开",
    "单位集中开展专项工作，本月活动未能按期开展",
    "多名支部委员外出执行任务，未能召开",
)

# --- the files ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoFile:
    name: str  # storage name under DEMO_DIR
    kind: str  # EvidenceKind
    content_type: str
    size: int


# (background colour, accent colour, people in the picture, format)
PHOTO_SPECS = (
    ((96, 112, 140), (200, 20, 30), 7, "JPEG"),
    ((140, 120, 96), (190, 30, 30), 5, "JPEG"),
    ((80, 120, 90), (210, 40, 30), 9, "JPEG"),
    ((150, 150, 160), (180, 20, 40), 4, "JPEG"),
    ((110, 90, 120), (205, 25, 25), 6, "JPEG"),
    ((70, 100, 130), (200, 50, 20), 8, "JPEG"),
    ((170, 140, 110), (190, 20, 20), 3, "PNG"),
    ((120, 140, 150), (215, 35, 35), 10, "PNG"),
)


def _photo(index: int) -> bytes:
    """A small picture of a meeting room: a red banner, a table and people (no text: no font needed)."""
    from PIL import Image, ImageDraw

    background, accent, people, fmt = PHOTO_SPECS[index]
    width, height = 640, 420
    image = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(image)
    for y in range(height):  # a soft gradient, like light on a wall
        shade = tuple(max(0, min(255, c + (y * 50) // height - 25)) for c in background)
        draw.line([(0, y), (width, y)], fill=shade)
    draw.rectangle([80, 30, width - 80, 90], fill=accent)  # 横幅
    for x in range(110, width - 110, 34):
        draw.rectangle([x, 48, x + 20, 72], fill=(250, 220, 90))
    draw.rectangle([60, 260, width - 60, 300], fill=(120, 80, 50))  # the table
    step = (width - 160) // max(people - 1, 1)
    for i in range(people):
        cx = 80 + i * step
        draw.ellipse([cx - 16, 180, cx + 16, 212], fill=(235, 200, 170))
        draw.rectangle([cx - 22, 212, cx + 22, 262], fill=(30 + 20 * (i % 3), 40, 70))
    if index % 2:
        draw.ellipse([width - 120, 110, width - 70, 160], fill=(200, 30, 30))  # 党徽-like badge
    buf = io.BytesIO()
    image.save(buf, format=fmt, **({"quality": 75} if fmt == "JPEG" else {}))
    return buf.getvalue()


def _scan(kind: str, variant: int) -> bytes:
    """A page scanned to PDF: lines of "text" (minutes) or a ruled table (sign-in sheet)."""
    from PIL import Image, ImageDraw

    rng = random.Random(f"{SEED}:{kind}:{variant}")
    image = Image.new("L", (595, 842), 250)
    draw = ImageDraw.Draw(image)
    draw.rectangle([200, 50, 395, 66], fill=60)  # the title
    if kind == EvidenceKind.SIGNIN:
        for row in range(22):
            y = 110 + row * 30
            draw.line([(50, y), (545, y)], fill=80, width=1)
            if 0 < row < 21 and rng.random() < 0.85:  # a signature
                x = 220 + rng.randint(0, 40)
                draw.line([(x, y + 20), (x + 30, y + 8), (x + 60, y + 22), (x + 90, y + 10)], fill=40)
        for x in (50, 200, 370, 545):
            draw.line([(x, 110), (x, 740)], fill=80, width=1)
    else:
        y = 100
        while y < 760:
            right = 545 if rng.random() < 0.8 else rng.randint(200, 500)
            draw.rectangle([70 if rng.random() < 0.15 else 50, y, right, y + 7], fill=90)
            y += 22 if rng.random() < 0.9 else 40
    buf = io.BytesIO()
    image.save(buf, format="PDF", resolution=72)
    return buf.getvalue()


def _file_specs() -> list[tuple[str, str, str, object]]:
    """(name, kind, content type, renderer) for every demo file."""
    specs = []
    for i, (*_, fmt) in enumerate(PHOTO_SPECS):
        ext, content_type = (".jpg", "image/jpeg") if fmt == "JPEG" else (".png", "image/png")
        specs.append((f"{DEMO_DIR}/photo-{i + 1}{ext}", EvidenceKind.PHOTO, content_type, lambda i=i: _photo(i)))
    for i in range(2):
        specs.append(
            (
                f"{DEMO_DIR}/minutes-{i + 1}.pdf",
                EvidenceKind.MINUTES,
                "application/pdf",
                lambda i=i: _scan(EvidenceKind.MINUTES, i),
            )
        )
    specs.append(
        (f"{DEMO_DIR}/signin-1.pdf", EvidenceKind.SIGNIN, "application/pdf", lambda: _scan(EvidenceKind.SIGNIN, 0))
    )
    return specs


def write_files(*, only_missing: bool = False) -> list[DemoFile]:
    """Write the shared demo files (a few small images and PDFs) to the default storage; return them."""
    storage = default_storage
    files = []
    for name, kind, content_type, render in _file_specs():
        if only_missing and storage.exists(name):
            files.append(DemoFile(name, kind, content_type, storage.size(name)))
            continue
        data = render()
        if storage.exists(name):
            storage.delete(name)
        saved = storage.save(name, ContentFile(data))
        if saved != name:  # pragma: no cover - a storage that renames would break the shared rows
            raise RuntimeError(f"演示文件保存失败：{name}")
        files.append(DemoFile(name, kind, content_type, len(data)))
    return files


def ensure_files() -> None:
    """Rewrite any demo file that went missing (`make run` calls this when the demo already exists)."""
    if Evidence.objects.filter(file__startswith=f"{DEMO_DIR}/").exists():
        write_files(only_missing=True)


# --- reset ------------------------------------------------------------------------------------------


def reset() -> None:
    """Delete every party-life record (records, attendance, 补学, evidence, problems, reasons, locks,
    unlocks) with its history, and the stored evidence files. Rules and activity types stay."""
    uploaded = list(Evidence.objects.exclude(file__startswith=f"{DEMO_DIR}/").values_list("file", flat=True))
    history_models = [
        get_history_model_for_model(m) for m in (MakeupTask, EnterpriseProblem, MissedReason, PeriodLock, Activity)
    ]
    history_models.insert(-1, django_apps.get_model("partylife", "HistoricalActivity_also_counts_as"))
    # No "deleted" history rows: the history tables are emptied right after.
    with override_settings(SIMPLE_HISTORY_ENABLED=False):
        MakeupTask.objects.all().delete()
        # ~100,000 rows with nothing left hanging on them once the 补学 are gone: one DELETE, where
        # the ORM would load every row first (because of that 补学 relation).
        connection = connections[Attendance.objects.db]
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(Attendance._meta.db_table)}")
        for model in (Evidence, EnterpriseProblem, ActivityUnlock, MissedReason, PeriodLock, Activity):
            model.objects.all().delete()
    for model in history_models:
        model.objects.all().delete()
    storage = default_storage

    def delete_uploaded():
        for name in uploaded:
            storage.delete(name)

    transaction.on_commit(delete_uploaded)  # files uploaded through the pages go with their rows, once committed
    try:
        names = storage.listdir(DEMO_DIR)[1]
    except FileNotFoundError:
        names = []
    for name in names:
        storage.delete(f"{DEMO_DIR}/{name}")


# --- the script of the demo branch -------------------------------------------------------------------


@dataclass(frozen=True)
class DemoScript:
    """What the demo branch (市财政局 预算处党支部) shows in the current year's calendar."""

    missed: Period | None  # the one month without a 主题党日 (a warning); None in January
    incomplete_code: str  # the one 需补充 record: its type …
    incomplete_day: dt.date  # … and day
    due: Period  # this month: its 支委会 not held yet


def demo_script(today: dt.date) -> DemoScript:
    month = Period.containing(today, Frequency.MONTH)
    missed = None
    if today.month > 1:
        missed = Period(today.year, Frequency.MONTH, max(1, today.month - 3))
    if today.day > 1:
        # This month's 主题党日 was held a few days ago; its photo is not uploaded yet.
        day = next(
            (d for d in (today - dt.timedelta(days=n) for n in range(2, 6)) if d.month == today.month),
            today - dt.timedelta(days=1),
        )
        return DemoScript(missed, THEME_DAY, day, month)
    # On the 1st nothing of this month is held: an extra 支委会 yesterday lacks its photo.
    return DemoScript(missed, COMMITTEE, today - dt.timedelta(days=1), month)


# --- drawing ---------------------------------------------------------------------------------------------


class Profile:
    MODEL = "model"  # everything on time
    PATCHY = "patchy"  # one month skipped somewhere
    BEHIND = "behind"  # skips months, lets records lack evidence, leaves drafts
    SCRIPTED = "scripted"  # the demo branch (and its unit's own records): only what the script says


SKIP = {Profile.BEHIND: 0.22}
OLD_INCOMPLETE = {Profile.BEHIND: 0.06}
RECENT_INCOMPLETE = {Profile.MODEL: 0.12, Profile.PATCHY: 0.15, Profile.BEHIND: 0.35}
DRAFT = {Profile.MODEL: 0.015, Profile.PATCHY: 0.03, Profile.BEHIND: 0.1}
BEHIND_SHARE = 0.2
PATCHY_SHARE = 0.1


@dataclass
class Planned:
    """One record to insert, with what hangs on it."""

    activity: Activity
    # (member id, present, absence reason, a draw in [0, 1) that decides the absentee's 补学)
    attendance: list[tuple[int, bool, str, float]] = field(default_factory=list)
    evidence: list[tuple[str, float]] = field(default_factory=list)  # (EvidenceKind, a draw that picks the file)
    problems: list[EnterpriseProblem] = field(default_factory=list)
    also: list[ActivityType] = field(default_factory=list)
    forced_makeup: dict[int, bool] = field(default_factory=dict)  # member id → done (scripted absences)


@dataclass
class Summary:
    records: int = 0
    incomplete: int = 0
    drafts: int = 0
    attendance: int = 0
    makeup: int = 0
    makeup_done: int = 0
    problems: int = 0
    solved: int = 0
    evidence: int = 0
    files: int = 0
    locks: int = 0
    reasons: int = 0
    reminders: int = 0


def _missing(t: ActivityType, minutes: str, kinds: set[str], has_attendance: bool) -> bool:
    """Whether a record lacks evidence: the rules of counting.missing_evidence, without queries."""
    return bool(counting.missing_evidence(t, minutes=minutes, evidence_kinds=kinds, has_attendance=has_attendance))


def _weekday(day: dt.date) -> dt.date:
    """Move a weekend day to the Friday before, or the Monday after when the Friday is in another month."""
    if day.weekday() < 5:
        return day
    back = day - dt.timedelta(days=day.weekday() - 4)
    return back if back.month == day.month else day + dt.timedelta(days=7 - day.weekday())


class _Subject:
    """A branch with its roster, as the generator sees it."""

    def __init__(self, branch: Branch, members: list[Member], groups: list[PartyGroup]):
        self.branch = branch
        self.unit = branch.unit
        self.members = members
        self.groups = [(g, [m for m in members if m.party_group_id == g.pk]) for g in groups]
        self.groups = [(g, ms) for g, ms in self.groups if ms]
        self.committee = [m for m in members if m.is_branch_committee] or members[:3]
        self.secretary = self.committee[0]
        self.retired = branch.kind == BranchKind.RETIRED


class PartyLifeDemo:
    """Draw the party-life records of the demo city in memory, then write them in bulk."""

    def __init__(self, *, today: dt.date, now: dt.datetime):
        self.today, self.now = today, now
        self.yesterday = today - dt.timedelta(days=1)
        self.start = dt.date(today.year - 1, 10, 1)
        self.tz = local_tz()
        self.types = {t.code: t for t in ActivityType.objects.filter(active=True)}
        self.rules: dict[str, ComplianceRule] = {}
        for rule in ComplianceRule.objects.filter(active=True).select_related("activity_type").order_by("order"):
            self.rules.setdefault(rule.activity_type.code, rule)
        self.users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERNAMES)}
        self.script = demo_script(today)
        self.planned: list[Planned] = []
        self.reasons: list[MissedReason] = []
        self.months = []
        month = Period.containing(self.start, Frequency.MONTH)
        while month.start <= today:
            self.months.append(month)
            month = Period.containing(month.next_start, Frequency.MONTH)
        self.quarters = sorted({Period.containing(m.start, Frequency.QUARTER) for m in self.months})
        self._load()

    # --- the org tree -------------------------------------------------------------------------------
    def _load(self) -> None:
        self.units = list(Unit.objects.filter(active=True).order_by("order", "id"))
        branches = list(
            Branch.objects.filter(active=True, unit__active=True)
            .select_related("unit")
            .order_by("unit__order", "unit_id", "order", "id")
        )
        members: dict[int, list[Member]] = {}
        for m in Member.objects.filter(active=True, branch__in=branches).order_by("branch_id", "id"):
            members.setdefault(m.branch_id, []).append(m)
        groups: dict[int, list[PartyGroup]] = {}
        for g in PartyGroup.objects.filter(active=True, branch__in=branches).order_by("branch_id", "id"):
            groups.setdefault(g.branch_id, []).append(g)
        self.subjects = [_Subject(b, members[b.pk], groups.get(b.pk, [])) for b in branches if members.get(b.pk)]
        self.unit_members: dict[int, list[Member]] = {}
        for s in self.subjects:
            self.unit_members.setdefault(s.unit.pk, []).extend(s.members)

    def _profiles(self) -> dict[int, str]:
        """A fixed fifth of the branches behind (half of 市发改委's), a tenth patchy; 市财政局 exemplary."""
        profiles: dict[int, str] = {}
        pool = []
        for s in self.subjects:
            if s.unit.name == org_data.DEMO_UNIT:
                demo = s.branch.name == org_data.DEMO_BRANCH
                profiles[s.branch.pk] = Profile.SCRIPTED if demo else Profile.MODEL
            elif s.unit.name == org_data.DEMO_UNIT_2:
                rng = random.Random(f"{SEED}:profile:{s.unit.name}:{s.branch.name}")
                profiles[s.branch.pk] = Profile.BEHIND if rng.random() < 0.5 else Profile.PATCHY
            else:
                pool.append(s)
        rng = random.Random(f"{SEED}:profiles")
        pool.sort(key=lambda s: (s.unit.order, s.unit.name, s.branch.order, s.branch.name))
        rng.shuffle(pool)
        behind_left = round(BEHIND_SHARE * len(self.subjects)) - sum(p == Profile.BEHIND for p in profiles.values())
        patchy_left = round(PATCHY_SHARE * len(self.subjects))
        for s in pool:
            if behind_left > 0:
                profiles[s.branch.pk], behind_left = Profile.BEHIND, behind_left - 1
            elif patchy_left > 0:
                profiles[s.branch.pk], patchy_left = Profile.PATCHY, patchy_left - 1
            else:
                profiles[s.branch.pk] = Profile.MODEL
        return profiles

    # --- one record ----------------------------------------------------------------------------------
    def _at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.tz)

    def _held(self, day: dt.date, founded: dt.date | None = None) -> bool:
        return day <= self.yesterday and (founded is None or day >= founded)

    def _record(
        self,
        rng: random.Random,
        code: str,
        *,
        unit: Unit,
        branch: Branch | None,
        held_at: dt.datetime,
        topic: str,
        host: str,
        place: str,
        attendees: list[Member],
        absent_rate: float,
        reasons: tuple[str, ...] = ABSENCE_REASONS,
        profile: str = Profile.MODEL,
        incomplete: bool | None = None,
        draft: bool | None = None,
        created_by: User | None = None,
        **fields,
    ) -> Planned | None:
        t = self.types.get(code)
        if t is None:
            return None
        day = held_at.astimezone(self.tz).date()
        recent = (self.today - day).days <= 10
        this_month = (day.year, day.month) == (self.today.year, self.today.month)
        if incomplete is None:
            rate = OLD_INCOMPLETE.get(profile, 0.0)
            if this_month or (recent and profile == Profile.BEHIND):
                rate = RECENT_INCOMPLETE.get(profile, 0.0)
            incomplete = rng.random() < rate
        if draft is None:  # a draft is a record not finished yet: this month's (a branch behind: of late)
            pending = (self.today - day).days <= 20 if profile == Profile.BEHIND else this_month
            draft = pending and rng.random() < DRAFT.get(profile, 0.0)
        activity = Activity(
            activity_type=t,
            unit=unit,
            branch=branch,
            topic=topic,
            held_at=held_at,
            place=place,
            host=host,
            status=ActivityStatus.DRAFT if draft else ActivityStatus.SUBMITTED,
            created_by=created_by,
            **fields,
        )
        plan = Planned(activity)
        for m in attendees:
            if rng.random() < absent_rate:
                plan.attendance.append((m.pk, False, rng.choice(reasons), rng.random()))
            else:
                plan.attendance.append((m.pk, True, "", 0.0))
        # Evidence as a diligent secretary files it; then take away what an incomplete record lacks.
        kinds = [EvidenceKind.PHOTO] * (1 + (rng.random() < 0.4) if (t.needs_photo or rng.random() < 0.3) else 0)
        if rng.random() < 0.15:
            kinds.append(EvidenceKind.MINUTES)
        if t.needs_signin or (code in (GENERAL, LECTURE, ORG_LIFE) and rng.random() < 0.3):
            kinds.append(EvidenceKind.SIGNIN)
        if not draft and incomplete:
            lacking = next(
                (
                    k
                    for k, needed in (
                        (EvidenceKind.PHOTO, t.needs_photo),
                        (EvidenceKind.MINUTES, t.needs_minutes),
                        (EvidenceKind.SIGNIN, t.needs_signin),
                    )
                    if needed
                ),
                None,
            )
            kinds = [k for k in kinds if k != lacking]
            if lacking == EvidenceKind.MINUTES:
                activity.minutes = ""
        if draft:
            kinds = []  # a draft's files are uploaded when it is finished
        plan.evidence = [(k, rng.random()) for k in kinds]
        activity.evidence_complete = not _missing(t, activity.minutes, set(kinds), bool(plan.attendance))
        if not draft:  # logged the same afternoon, or in office hours a day or two later
            later = day + dt.timedelta(days=rng.randint(1, 2))
            submitted = held_at + dt.timedelta(hours=rng.randint(2, 4)) if rng.random() < 0.6 else None
            submitted = submitted or self._at(later, rng.randint(9, 17), rng.choice((0, 15, 30, 45)))
            activity.submitted_at = min(submitted, self.now - dt.timedelta(minutes=30))
        self.planned.append(plan)
        return plan

    @staticmethod
    def _minutes(host: str, topic: str, plan_attendees: int, body: str) -> str:
        return (
            f"会议由{host}主持，应到{plan_attendees}人。会议主题：{topic}。{body}"
            "与会同志结合思想和工作实际作了交流发言，会议明确了下一步工作安排。"
        )

    # --- a branch --------------------------------------------------------------------------------------
    def _branch(self, s: _Subject, profile: str) -> None:
        rng = random.Random(f"{SEED}:{s.unit.name}:{s.branch.name}")
        b, founded = s.branch, s.branch.founded_on
        scripted = profile == Profile.SCRIPTED
        places = RETIRED_PLACES if s.retired else PLACES
        reasons = RETIRED_ABSENCE_REASONS if s.retired else ABSENCE_REASONS
        absent = 0.12 if s.retired else 0.05
        creator = self.users.get("zhibu") if scripted else None
        place = rng.choice(places)
        theme_day = rng.randint(10, 24)  # 每月相对固定1天
        skipped: list[tuple[str, Period]] = []
        # A patchy branch misses one past month of one monthly meeting.
        past = [m for m in self.months if m.end < self.today and m.start >= founded and m.year == self.today.year]
        patchy_miss = (rng.choice((COMMITTEE, THEME_DAY)), rng.choice(past)) if past else None

        def common(**extra):
            return {"unit": s.unit, "branch": b, "profile": profile, "created_by": creator, **extra}

        def skip(code: str, window: Period, rate_key: str = "month") -> bool:
            if scripted:
                return False
            if profile == Profile.PATCHY:
                return (code, window) == patchy_miss
            return rng.random() < SKIP.get(profile, 0.0) * (0.7 if rate_key == "quarter" else 1.0)

        for month in self.months:
            current = month.start == self.today.replace(day=1)
            # 支部委员会会议
            day = _weekday(month.start.replace(day=rng.randint(3, 12)))
            hour = rng.choice((9, 14, 16))
            held_committee = not (scripted and current) and not skip(COMMITTEE, month)
            if not held_committee and not (scripted and current):
                skipped.append((COMMITTEE, month))
            if held_committee and self._held(day, founded):
                topic = COMMITTEE_Q4_TOPIC if month.index in (11, 12) and rng.random() < 0.5 else None
                topic = topic or rng.choice(COMMITTEE_TOPICS)
                self._record(
                    rng,
                    COMMITTEE,
                    **common(),
                    held_at=self._at(day, hour, 30 if hour == 14 else 0),
                    topic=topic,
                    host=s.secretary.name,
                    place=rng.choice(places),
                    attendees=s.committee,
                    absent_rate=absent / 2,
                    reasons=reasons,
                    minutes=self._minutes(
                        s.secretary.name, topic, len(s.committee), "会议逐项研究了议题并形成一致意见。"
                    ),
                )
            # 主题党日: 一课、一片、一实践
            day = _weekday(month.start.replace(day=min(theme_day + rng.randint(-2, 2), 28)))
            theme = THEME_BY_MONTH[month.index].format(party_age=month.year - 1921)
            incomplete = None
            if scripted:
                if month == self.script.missed:
                    day = None
                elif current and self.script.incomplete_code == THEME_DAY:
                    day, incomplete = self.script.incomplete_day, True
                else:
                    incomplete = False
            elif skip(THEME_DAY, month):
                day = None
            if day is None:
                skipped.append((THEME_DAY, month))
            elif self._held(day, founded):
                lesson = rng.choice(LESSONS)
                self._record(
                    rng,
                    THEME_DAY,
                    **common(incomplete=incomplete, draft=False if scripted else None),
                    held_at=self._at(day, rng.choice((9, 14)), 30 if rng.random() < 0.5 else 0),
                    topic=theme,
                    host=s.secretary.name,
                    place=place,
                    attendees=s.members,
                    absent_rate=absent,
                    reasons=reasons,
                    lesson_topic=lesson,
                    film_title=rng.choice(FILMS),
                    practice_summary=rng.choice(PRACTICES),
                    minutes=self._minutes(
                        s.secretary.name, theme, len(s.members), f"集中学习{lesson}，观看影片，开展实践活动。"
                    ),
                )
            # 党小组会, each group
            for group, group_members in s.groups:
                day = _weekday(month.start.replace(day=rng.randint(5, 26)))
                if skip(GROUP, month):
                    continue
                if self._held(day, founded):
                    leader = next((m for m in group_members if m.is_branch_committee), group_members[0])
                    topic = rng.choice(GROUP_TOPICS)
                    plan = self._record(
                        rng,
                        GROUP,
                        **common(incomplete=False if scripted else None, draft=False if scripted else None),
                        held_at=self._at(day, rng.choice((12, 16)), 30),
                        topic=topic,
                        host=leader.name,
                        place=rng.choice(places),
                        attendees=group_members,
                        absent_rate=absent,
                        reasons=reasons,
                        minutes=self._minutes(leader.name, topic, len(group_members), ""),
                    )
                    if plan:
                        plan.activity.party_group = group
        if scripted and self.script.incomplete_code == COMMITTEE:
            topic = "根据工作需要研究预算编制有关事项"
            self._record(
                rng,
                COMMITTEE,
                **common(incomplete=True, draft=False),
                held_at=self._at(self.script.incomplete_day, 16),
                topic=topic,
                host=s.secretary.name,
                place=place,
                attendees=s.committee,
                absent_rate=0,
                minutes=self._minutes(s.secretary.name, topic, len(s.committee), ""),
            )

        for quarter in self.quarters:
            # 支部党员大会 and 党课, each once a quarter on a day of the quarter's choosing
            for code in (GENERAL, LECTURE):
                day = _weekday(
                    quarter.start.replace(month=quarter.first_month + rng.randint(0, 2), day=rng.randint(5, 25))
                )
                if skip(code, quarter, "quarter"):
                    skipped.append((code, quarter))
                    continue
                if not self._held(day, founded):
                    continue
                if code == GENERAL:
                    topic = rng.choice(GENERAL_TOPICS[quarter.index])
                    host, body = s.secretary.name, "会议经过讨论，形成决议。"
                else:  # 书记讲党课, or the branch's leading cadre
                    topic = rng.choice(LECTURES)
                    leaders = [m for m in s.members if m.is_leading_cadre]
                    host = (leaders[0] if leaders and rng.random() < 0.5 else s.secretary).name
                    body = f"{host}同志讲授专题党课。"
                self._record(
                    rng,
                    code,
                    **common(incomplete=False if scripted else None, draft=False if scripted else None),
                    held_at=self._at(day, 14 if code == LECTURE else 15, 30 if code == LECTURE else 0),
                    topic=topic,
                    host=host,
                    place=place,
                    attendees=s.members,
                    absent_rate=absent,
                    reasons=reasons,
                    minutes=self._minutes(host, topic, len(s.members), body),
                )
        self._org_life(s, rng, profile, common, place, reasons, absent)
        self._talks(s, rng, profile, common)
        if not s.retired:
            self._practice(s, rng, common)
        if profile == Profile.BEHIND:
            for code, window in skipped:  # 未开展原因: for some ended windows of soft (not hard) rules
                rule = self.rules.get(code)
                soft = rule is not None and rule.strength != Strength.HARD
                if soft and window.end < self.today and window.start >= founded and rng.random() < 0.4:
                    self.reasons.append(
                        MissedReason(
                            rule=rule, unit=s.unit, branch=b, window=window.key, reason=rng.choice(MISSED_REASONS)
                        )
                    )
        if scripted:
            self._script_absences(s)

    def _org_life(self, s, rng, profile, common, place, reasons, absent) -> None:
        """组织生活会 with 民主评议党员 (usually one meeting that also counts as both), last year and this."""
        for year in (self.today.year - 1, self.today.year):
            day = _weekday(dt.date(year, 11, 15) + dt.timedelta(days=rng.randint(0, 44)))
            if year == self.today.year and profile == Profile.SCRIPTED:
                continue  # the demo branch still has this year's ahead of it (a reminder is due)
            if year < self.today.year and profile == Profile.BEHIND and rng.random() < 0.25:
                continue
            if not self._held(day, s.branch.founded_on):
                continue
            topic = f"{year}年度组织生活会"
            together = rng.random() < 0.85
            plan = self._record(
                rng,
                ORG_LIFE,
                **common(incomplete=False, draft=False),
                held_at=self._at(day, 9),
                topic=f"召开{year}年度组织生活会并开展民主评议党员" if together else topic,
                host=s.secretary.name,
                place=place,
                attendees=s.members,
                absent_rate=absent / 2,
                reasons=reasons,
                minutes=self._minutes(
                    s.secretary.name, topic, len(s.members), "支部班子对照检查，党员逐一开展批评和自我批评。"
                ),
            )
            appraisal = self.types.get(APPRAISAL)
            if plan and appraisal and together:
                plan.also.append(appraisal)
            elif plan and appraisal:
                later = min(day + dt.timedelta(days=rng.randint(1, 6)), self.yesterday)
                self._record(
                    rng,
                    APPRAISAL,
                    **common(incomplete=False, draft=False),
                    held_at=self._at(later, 15),
                    topic=f"{year}年度民主评议党员",
                    host=s.secretary.name,
                    place=place,
                    attendees=s.members,
                    absent_rate=absent / 2,
                    reasons=reasons,
                    minutes=self._minutes(
                        s.secretary.name, f"{year}年度民主评议党员", len(s.members), "党员互评，测评结果已公示。"
                    ),
                )

    def _talks(self, s, rng, profile, common) -> None:
        if len(s.members) < 2:
            return
        spans = [(self.start, dt.date(self.start.year, 12, 31), rng.randint(1, 2))]
        none_this_year = profile == Profile.BEHIND and rng.random() < 0.4
        spans.append((dt.date(self.today.year, 1, 1), self.yesterday, 0 if none_this_year else rng.randint(2, 5)))
        for first, last, count in spans:
            if last < first:
                continue
            for _ in range(count):
                day = first + dt.timedelta(days=rng.randrange((last - first).days + 1))
                talker = s.secretary if rng.random() < 0.6 else rng.choice(s.committee)
                talkee = rng.choice([m for m in s.members if m.pk != talker.pk])
                if not self._held(day, s.branch.founded_on):
                    continue
                topic = rng.choice(TALK_TOPICS)
                self._record(
                    rng,
                    TALK,
                    **common(incomplete=False if profile == Profile.SCRIPTED else None),
                    held_at=self._at(day, rng.choice((10, 15, 16)), 30),
                    topic=topic,
                    host=talker.name,
                    place=rng.choice(TALK_PLACES),
                    attendees=[talker, talkee],
                    absent_rate=0,
                    talker=talker,
                    talkee=talkee,
                    minutes=f"谈话人：{talker.name}；谈话对象：{talkee.name}。谈话要点：{topic}。双方坦诚交流，"
                    "对方表示将进一步加强学习、做好本职工作。",
                )

    def _practice(self, s, rng, common) -> None:
        """支部联基层, 调查研究, 岗位建功 now and then; 万名干部联万企 visits with the problems raised."""
        b = s.branch
        links, research, merit, enterprise = (rng.random() < p for p in (0.5, 0.4, 0.2, 0.45))
        site = rng.choice(LINK_SITES)
        for quarter in self.quarters:
            day = _weekday(quarter.start.replace(month=quarter.first_month + rng.randint(0, 2), day=rng.randint(3, 26)))
            if links and rng.random() < 0.6 and self._held(day, b.founded_on):
                topic = rng.choice(LINK_TOPICS)
                team = rng.sample(s.members, min(len(s.members), rng.randint(4, 8)))
                self._record(
                    rng,
                    LINKS,
                    **common(incomplete=False),
                    held_at=self._at(day, 9, 30),
                    topic=topic,
                    host=s.secretary.name,
                    place=site,
                    attendees=team,
                    absent_rate=0,
                    minutes=f"{topic}。与{site}党组织共同研究共建事项，落实为民办实事项目。",
                )
        for count, code, topics in (
            (research and rng.randint(1, 3), RESEARCH, RESEARCH_TOPICS),
            (merit and rng.randint(1, 2), MERIT, MERIT_TOPICS),
        ):
            for _ in range(count or 0):
                day = _weekday(
                    self.start + dt.timedelta(days=rng.randrange(max((self.yesterday - self.start).days, 1)))
                )
                topic = rng.choice(topics)
                team = rng.sample(s.members, min(len(s.members), rng.randint(2, 4)))
                if self._held(day, b.founded_on):
                    self._record(
                        rng,
                        code,
                        **common(incomplete=False),
                        held_at=self._at(day, 9),
                        topic=topic,
                        host=team[0].name,
                        place=rng.choice(LINK_SITES) if code == RESEARCH else rng.choice(PLACES),
                        attendees=team,
                        absent_rate=0,
                        minutes=f"{topic}。形成调研（实践）报告，提出改进措施。",
                    )
        if not enterprise:
            return
        cadres = sorted(s.members, key=lambda m: (not m.is_leading_cadre, m.pk))[: rng.randint(1, 2)]
        for cadre in cadres:
            name = f"{rng.choice(ENTERPRISE_PREFIXES)}{rng.choice(ENTERPRISE_TRADES)}有限公司"
            day = self.start + dt.timedelta(days=rng.randint(5, 40))
            while day <= self.yesterday:
                visit = _weekday(day)
                if self._held(visit, b.founded_on):
                    plan = self._record(
                        rng,
                        ENTERPRISE,
                        **common(incomplete=False),
                        held_at=self._at(visit, 10),
                        topic=f"走访{name}",
                        host=cadre.name,
                        place=name,
                        attendees=[cadre],
                        absent_rate=0,
                        enterprise_name=name,
                        cadre=cadre,
                        minutes=f"{cadre.name}走访{name}，了解企业生产经营情况，听取企业诉求。",
                    )
                    if plan:
                        self._problems(plan, rng, visit)
                day += dt.timedelta(days=rng.randint(60, 110))

    def _problems(self, plan: Planned, rng: random.Random, visit: dt.date) -> None:
        categories = list(PROBLEM_WEIGHTS)
        for _ in range(rng.choices((0, 1, 2, 3), weights=(15, 45, 30, 10))[0]):
            category = rng.choices(categories, weights=list(PROBLEM_WEIGHTS.values()))[0]
            description, solution = rng.choice(PROBLEMS[category])
            days = rng.randint(5, 75)
            solved_on = visit + dt.timedelta(days=days)
            solved = rng.random() < 0.68 and solved_on <= self.yesterday
            plan.problems.append(
                EnterpriseProblem(
                    category=category,
                    description=description,
                    solved=solved,
                    solved_on=solved_on if solved else None,
                    solution=solution if solved else "",
                )
            )

    def _script_absences(self, s: _Subject) -> None:
        """The demo member (dangyuan) missed two lessons: the older made up, the latest still to make up."""
        user = self.users.get("dangyuan")
        dangyuan = next((m for m in s.members if user and m.user_id == user.pk), None)
        if dangyuan is None:
            return
        ours = sorted(
            (
                p
                for p in self.planned
                if p.activity.branch is s.branch
                and p.activity.activity_type.code in MAKEUP_TYPES
                and p.activity.status == ActivityStatus.SUBMITTED
            ),
            key=lambda p: p.activity.held_at,
        )
        older = [p for p in ours if 60 <= (self.today - p.activity.held_at.astimezone(self.tz).date()).days <= 200]
        for plan, reason, done in (
            (ours[-1] if ours else None, "出差", False),
            (older[0] if older else None, "外出学习", True),
        ):
            if plan is None:
                continue
            plan.attendance = [
                (row[0], False, reason, 0.0) if row[0] == dangyuan.pk else row for row in plan.attendance
            ]
            plan.forced_makeup[dangyuan.pk] = done

    # --- a unit ------------------------------------------------------------------------------------------------
    def _unit(self, unit: Unit) -> None:
        members = self.unit_members.get(unit.pk)
        if not members:
            return
        rng = random.Random(f"{SEED}:unit:{unit.name}")
        spec = next((u for u in org_data.UNITS if u.name == unit.name), None)
        leaders = [m for m in members if m.is_leading_cadre]
        top = [m for m in leaders if spec and m.position in spec.head] or leaders[:5] or members[:5]
        head = next((m for m in top if spec and m.position == spec.head[0]), top[0])
        group = leaders or top  # 中心组: the leaders and the heads of sections
        reform = unit.name == org_data.DEMO_UNIT_2
        creator = {org_data.DEMO_UNIT: self.users.get("danwei"), org_data.DEMO_UNIT_2: self.users.get("danwei2")}.get(
            unit.name
        )
        meeting = "党委会议" if unit.category == UnitCategory.INSTITUTION else "党组会议"
        # 市发改委 lags; 市财政局 (the demo accounts' unit) keeps its unit-level records complete.
        profile = Profile.BEHIND if reform else Profile.SCRIPTED if unit.name == org_data.DEMO_UNIT else Profile.MODEL
        past = [m for m in self.months if m.end < self.today and m.year == self.today.year]
        misses: set[tuple[str, Period]] = set()
        if reform and len(past) >= 3:
            picks = rng.sample(past, 3)
            misses |= {(CENTER, picks[0]), (CENTER, picks[1]), (FIRST_TOPIC, picks[2])}
        elif past and rng.random() < 0.1:
            misses.add((CENTER, rng.choice(past)))
        for month in self.months:
            # 中心组学习
            day = _weekday(month.start.replace(day=rng.randint(14, 26)))
            topic = rng.choice(CENTER_TOPICS)
            if (CENTER, month) in misses:
                rule = self.rules.get(CENTER)
                if rule and rule.strength != Strength.HARD and rng.random() < 0.6:
                    self.reasons.append(
                        MissedReason(
                            rule=rule,
                            unit=unit,
                            branch=None,
                            window=month.key,
                            reason="主要负责同志参加上级会议，本月集体学习调整至下月",
                        )
                    )
            elif self._held(day):
                self._record(
                    rng,
                    CENTER,
                    unit=unit,
                    branch=None,
                    held_at=self._at(day, 9),
                    topic=topic,
                    host=head.name,
                    place=rng.choice(UNIT_PLACES),
                    attendees=group,
                    absent_rate=0.06,
                    profile=profile,
                    created_by=creator,
                    minutes=self._minutes(head.name, topic, len(group), "中心组成员围绕专题作研讨发言。"),
                )
            # 第一议题: the leadership meeting of the month opens with it (twice in busy months)
            days = [rng.randint(3, 10)] + ([rng.randint(17, 26)] if rng.random() < 0.3 else [])
            if (FIRST_TOPIC, month) in misses:
                continue
            for d in days:
                day = _weekday(month.start.replace(day=d))
                if not self._held(day):
                    continue
                material = rng.choice(FIRST_TOPIC_MATERIALS)
                self._record(
                    rng,
                    FIRST_TOPIC,
                    unit=unit,
                    branch=None,
                    held_at=self._at(day, 8, 30),
                    topic="传达学习习近平总书记重要讲话和重要指示批示精神",
                    host=head.name,
                    place=UNIT_PLACES[0],
                    attendees=top,
                    absent_rate=0.05,
                    profile=profile,
                    created_by=creator,
                    meeting_name=meeting,
                    material=material,
                    minutes=self._minutes(
                        head.name, f"第一议题：学习{material}", len(top), "结合本单位实际研究贯彻落实措施。"
                    ),
                )

    # --- writing -----------------------------------------------------------------------------------------------
    def draw(self) -> None:
        profiles = self._profiles()
        for s in self.subjects:
            self._branch(s, profiles[s.branch.pk])
        for unit in self.units:
            self._unit(unit)

    def write(self) -> Summary:
        """Insert everything drawn (one bulk insert per table) and return the counts."""
        summary = Summary()
        files = write_files()
        summary.files = len(files)
        by_kind: dict[str, list[DemoFile]] = {}
        for f in files:
            by_kind.setdefault(f.kind, []).append(f)

        activities = [p.activity for p in self.planned]
        if not activities:
            return summary
        bulk_create_with_history(activities, Activity, batch_size=500, default_change_reason=CHANGE_REASON)
        summary.records = len(activities)
        summary.incomplete = sum(a.status == ActivityStatus.SUBMITTED and not a.evidence_complete for a in activities)
        summary.drafts = sum(a.status == ActivityStatus.DRAFT for a in activities)
        first_pk = min(a.pk for a in activities)
        self._timestamps(first_pk)

        # 同时计为 (组织生活会 → 民主评议党员), with the m2m history of the records' first version
        through = Activity.also_counts_as.through
        links = [through(activity_id=p.activity.pk, activitytype_id=t.pk) for p in self.planned for t in p.also]
        if links:
            through.objects.bulk_create(links, batch_size=500)
            history = dict(
                get_history_model_for_model(Activity)
                .objects.filter(id__in={link.activity_id for link in links})
                .values_list("id", "history_id")
            )
            m2m_history = django_apps.get_model("partylife", "HistoricalActivity_also_counts_as")
            m2m_history.objects.bulk_create(
                [
                    m2m_history(
                        id=link.pk,
                        activity_id=link.activity_id,
                        activitytype_id=link.activitytype_id,
                        history_id=history[link.activity_id],
                    )
                    for link in links
                ],
                batch_size=500,
            )

        summary.attendance = self._attendance(first_pk)
        tasks = self._makeup_tasks(first_pk)
        if tasks:
            bulk_create_with_history(tasks, MakeupTask, batch_size=500, default_change_reason=CHANGE_REASON)
        summary.makeup, summary.makeup_done = len(tasks), sum(t.done_at is not None for t in tasks)

        evidence = []
        for p in self.planned:
            a = p.activity
            for n, (kind, draw) in enumerate(p.evidence):
                choices = by_kind[kind]
                f = choices[int(draw * len(choices))]
                label = {
                    EvidenceKind.PHOTO: f"现场照片{n + 1}",
                    EvidenceKind.MINUTES: "会议记录",
                    EvidenceKind.SIGNIN: "签到表",
                }[kind]
                ext = f.name.rsplit(".", 1)[-1]
                evidence.append(
                    Evidence(
                        activity_id=a.pk,
                        kind=kind,
                        file=f.name,
                        original_name=f"{a.held_at.astimezone(self.tz):%Y%m%d}{a.activity_type.name}{label}.{ext}",
                        content_type=f.content_type,
                        size=f.size,
                        uploaded_by=a.created_by,
                    )
                )
        Evidence.objects.bulk_create(evidence, batch_size=1000)
        summary.evidence = len(evidence)
        Evidence.objects.filter(activity_id__gte=first_pk).update(
            uploaded_at=Coalesce(
                Subquery(Activity.objects.filter(pk=OuterRef("activity_id")).values("submitted_at")[:1]),
                Subquery(Activity.objects.filter(pk=OuterRef("activity_id")).values("held_at")[:1]),
            )
        )

        problems = []
        for p in self.planned:
            for problem in p.problems:
                problem.activity_id = p.activity.pk
                problems.append(problem)
        if problems:
            bulk_create_with_history(problems, EnterpriseProblem, batch_size=500, default_change_reason=CHANGE_REASON)
        summary.problems, summary.solved = len(problems), sum(p.solved for p in problems)

        if self.reasons:
            bulk_create_with_history(self.reasons, MissedReason, batch_size=500, default_change_reason=CHANGE_REASON)
        summary.reasons = len(self.reasons)
        summary.locks = self._locks()
        return summary

    def _timestamps(self, first_pk: int) -> None:
        """Registered when submitted (a draft: when held), not at the moment of the import."""
        when = Coalesce(F("submitted_at"), F("held_at"))
        Activity.objects.filter(pk__gte=first_pk).update(created_at=when, updated_at=when)
        get_history_model_for_model(Activity).objects.filter(id__gte=first_pk).update(
            created_at=when, updated_at=when, history_date=when
        )

    def _attendance(self, first_pk: int) -> int:
        """Insert the attendance rows with multi-row INSERTs of 1,000 rows each.

        ~100,000 rows of four plain columns, no history, no signals: `bulk_create` would spend
        seconds preparing each value through the ORM; `executemany` is fast on SQLite but goes
        row by row on psycopg2, so the rows go in as multi-row VALUES lists instead.
        """
        rows = [
            (p.activity.pk, member_id, present, reason)
            for p in self.planned
            for member_id, present, reason, _ in p.attendance
        ]
        connection = connections[Attendance.objects.db]
        qn = connection.ops.quote_name
        fields = ("activity", "member", "present", "absence_reason")
        columns = ", ".join(qn(Attendance._meta.get_field(f).column) for f in fields)
        head = f"INSERT INTO {qn(Attendance._meta.db_table)} ({columns}) VALUES "
        chunk = 1000
        with connection.cursor() as cursor:
            for start in range(0, len(rows), chunk):
                part = rows[start : start + chunk]
                cursor.execute(head + ", ".join(["(%s, %s, %s, %s)"] * len(part)), [v for row in part for v in row])
        return len(rows)

    def _makeup_tasks(self, first_pk: int) -> list[MakeupTask]:
        """补学 for the absentees of submitted 党课/主题党日/党员大会; most older ones done."""
        draws = {
            (p.activity.pk, mid): (p, draw)
            for p in self.planned
            for mid, present, _, draw in p.attendance
            if not present
        }
        absent = Attendance.objects.filter(activity_id__gte=first_pk, present=False).order_by("pk")
        tasks = []
        for attendance_id, activity_id, member_id in absent.values_list("pk", "activity_id", "member_id"):
            plan, draw = draws[(activity_id, member_id)]
            a = plan.activity
            if a.status != ActivityStatus.SUBMITTED or not a.activity_type.makeup_on_absence:
                continue
            held = a.held_at.astimezone(self.tz).date()
            rng = random.Random(draw)
            since = (self.today - held).days
            done = plan.forced_makeup.get(member_id)
            if done is None:
                done = rng.random() < (0.9 if since > MAKEUP_DAYS else 0.5 if since > 7 else 0.1)
            done_at = None
            if done and since >= 2:
                day = held + dt.timedelta(days=rng.randint(1, min(since - 1, MAKEUP_DAYS - 2)))
                done_at = min(self._at(day, rng.randint(9, 17)), self.now - dt.timedelta(hours=1))
            tasks.append(
                MakeupTask(
                    attendance_id=attendance_id,
                    member_id=member_id,
                    due_on=held + dt.timedelta(days=MAKEUP_DAYS),
                    done_at=done_at,
                    note=rng.choice(MAKEUP_NOTES) if done_at else "",
                    confirmed_by=a.created_by if done_at else None,
                )
            )
        return tasks

    def _locks(self) -> int:
        """关账: the committee closed last year's months up to November (December is still open)."""
        year = self.today.year - 1
        closed = set(PeriodLock.objects.values_list("month", flat=True))
        months = [dt.date(year, m, 1) for m in range(1, 12) if dt.date(year, m, 1) not in closed]
        locks = [PeriodLock(month=month, closed_by=self.users.get("gongwei")) for month in months]
        if not locks:
            return 0
        bulk_create_with_history(locks, PeriodLock, default_change_reason=CHANGE_REASON)
        for lock in locks:  # closed in the first days of the next month
            closed = self._at(Period.containing(lock.month, Frequency.MONTH).next_start + dt.timedelta(days=4), 17)
            PeriodLock.objects.filter(pk=lock.pk).update(closed_at=closed)
        return len(locks)


def seed(*, today: dt.date, now: dt.datetime) -> Summary:
    """Draw and insert the demo city's party life; the org tree and demo accounts must exist.

    Then run today's reminders once, as the daily job would, so the demo accounts find them
    in their notification centre (this month's 支委会 due for zhibu, …).
    """
    demo = PartyLifeDemo(today=today, now=now)
    demo.draw()
    summary = demo.write()
    summary.reminders = reminders.send_reminders(today=today)
    return summary
