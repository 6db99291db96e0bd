"""Static lists behind `manage.py seed_demo` (演示数据): units, branch names, names, positions, accounts.

Plain data only; the orgs demo step (`apps/orgs/demo.py`) draws from these lists
with a fixed random seed, so every run builds the same city.
Keep lists as tuples and strings: never sets, whose order changes per process.
"""

import datetime as dt
from typing import NamedTuple

from .models import UnitCategory

# Every random draw starts from this seed: same city on every machine, every run.
SEED = 20261127
# Ages and full members' join dates are computed against this fixed day, never today,
# so the roster does not shift with the calendar. (Only the probationary members'
# join dates and a few new branches' founding dates follow today, see the command.)
REFERENCE_DATE = dt.date(2026, 1, 1)

DEMO_PASSWORD = "Demo@2026"
# The demo accounts, the one list of them: the committee, the secretaries of DEMO_UNIT and DEMO_UNIT_2,
# the secretary of DEMO_BRANCH and a plain member of it. Other apps' demo steps look them up by role.
DEMO_USERNAMES = ("gongwei", "danwei", "danwei2", "zhibu", "dangyuan")
COMMITTEE_USER, UNIT_USER, UNIT_USER_2, BRANCH_USER, MEMBER_USER = DEMO_USERNAMES
COMMITTEE_NAME = "市直机关工委"


class UnitSpec(NamedTuple):
    """One 市直单位 of the demo city."""

    name: str
    short_name: str
    category: str
    branches: int  # serving branches + the retirees' branch
    sections: tuple[str, ...]  # internal departments; each gets "<section>党支部"
    head: tuple[str, str]  # the unit's leader and deputy titles
    ladder: str = "civil"  # key of STAFF_LADDERS
    female: float = 0.42  # share of women among serving staff
    rank: str = "处"  # 处: section heads are 处级 leading cadres; 科: they are not


PARTY, GOV, LEGAL, INST = UnitCategory.PARTY_MASS, UnitCategory.GOVERNMENT, UnitCategory.LEGAL, UnitCategory.INSTITUTION

# In the order the city's documents list them; `order` is the position × 10.
UNITS: tuple[UnitSpec, ...] = (
    # 党群部门
    UnitSpec(
        "市委办公室", "市委办", PARTY, 6, ("秘书处", "综合处", "督查室", "信息处", "机要保密处"), ("主任", "副主任")
    ),
    UnitSpec(
        "市委组织部",
        "组织部",
        PARTY,
        6,
        ("干部一处", "干部二处", "组织处", "公务员管理处", "人才工作处"),
        ("部长", "副部长"),
    ),
    UnitSpec("市委宣传部", "宣传部", PARTY, 5, ("理论处", "宣传处", "文艺处", "网络宣传处"), ("部长", "副部长")),
    UnitSpec("市委统一战线工作部", "统战部", PARTY, 4, ("党派处", "民族宗教处", "经济处"), ("部长", "副部长")),
    UnitSpec(
        "市委机构编制委员会办公室", "市委编办", PARTY, 3, ("行政机构编制处", "事业机构编制处"), ("主任", "副主任")
    ),
    UnitSpec("市总工会", "市总工会", PARTY, 4, ("组织部", "宣教部", "权益保障部"), ("主席", "副主席"), female=0.5),
    UnitSpec("团市委", "团市委", PARTY, 3, ("组织部", "青年发展部"), ("书记", "副书记"), female=0.5),
    UnitSpec("市妇女联合会", "市妇联", PARTY, 3, ("组织联络部", "权益部"), ("主席", "副主席"), female=0.8),
    UnitSpec("市科学技术协会", "市科协", PARTY, 3, (), ("主席", "副主席")),
    # 政府工作部门
    UnitSpec(
        "市人民政府办公室", "市政府办", GOV, 5, ("秘书一处", "秘书二处", "综合处", "政务公开处"), ("主任", "副主任")
    ),
    UnitSpec(
        "市发展和改革委员会",
        "市发改委",
        GOV,
        10,
        (
            "办公室",
            "综合规划处",
            "固定资产投资处",
            "产业发展处",
            "价格管理处",
            "能源处",
            "社会发展处",
            "区域协调发展处",
            "体制改革处",
        ),
        ("主任", "副主任"),
    ),
    UnitSpec(
        "市教育局",
        "市教育局",
        GOV,
        8,
        ("办公室", "基础教育处", "职业教育处", "教师工作处", "体育卫生与艺术教育处", "教育督导室"),
        ("局长", "副局长"),
        female=0.58,
    ),
    UnitSpec("市科学技术局", "市科技局", GOV, 4, ("高新技术处", "成果转化处", "社会发展科技处"), ("局长", "副局长")),
    UnitSpec(
        "市工业和信息化局",
        "市工信局",
        GOV,
        5,
        ("运行监测处", "产业发展处", "中小企业处", "信息化推进处"),
        ("局长", "副局长"),
    ),
    UnitSpec("市民政局", "市民政局", GOV, 4, ("社会救助处", "养老服务处", "社会组织管理处"), ("局长", "副局长")),
    UnitSpec(
        "市财政局",
        "市财政局",
        GOV,
        11,
        (
            "办公室",
            "预算处",
            "国库处",
            "税政处",
            "行政政法处",
            "教科文处",
            "经济建设处",
            "社会保障处",
            "农业农村处",
            "政府采购监督管理处",
        ),
        ("局长", "副局长"),
        female=0.5,
    ),
    UnitSpec(
        "市人力资源和社会保障局",
        "市人社局",
        GOV,
        6,
        ("就业促进处", "人才开发处", "工资福利处", "劳动关系处", "养老保险处"),
        ("局长", "副局长"),
        female=0.5,
    ),
    UnitSpec(
        "市自然资源和规划局",
        "市自然资源局",
        GOV,
        6,
        ("国土空间规划处", "耕地保护处", "不动产登记处", "调查监测处"),
        ("局长", "副局长"),
    ),
    UnitSpec(
        "市生态环境局",
        "市生态环境局",
        GOV,
        5,
        ("大气环境处", "水生态环境处", "环境影响评价处", "执法支队"),
        ("局长", "副局长"),
    ),
    UnitSpec(
        "市住房和城乡建设局",
        "市住建局",
        GOV,
        7,
        ("房地产市场监管处", "住房保障处", "建筑市场监管处", "城市建设处", "质量安全监督处"),
        ("局长", "副局长"),
    ),
    UnitSpec(
        "市交通运输局", "市交通局", GOV, 5, ("综合运输处", "公路处", "道路运输处", "建设管理处"), ("局长", "副局长")
    ),
    UnitSpec(
        "市农业农村局",
        "市农业农村局",
        GOV,
        5,
        ("乡村产业处", "种植业处", "畜牧兽医处", "农村合作经济指导处"),
        ("局长", "副局长"),
    ),
    UnitSpec(
        "市文化广电旅游局", "市文广旅局", GOV, 4, ("艺术处", "公共服务处", "文物处"), ("局长", "副局长"), female=0.5
    ),
    UnitSpec(
        "市卫生健康委员会",
        "市卫健委",
        GOV,
        7,
        ("医政医管处", "疾病预防控制处", "基层卫生健康处", "妇幼健康处", "老龄健康处"),
        ("主任", "副主任"),
        female=0.55,
    ),
    UnitSpec(
        "市应急管理局",
        "市应急局",
        GOV,
        4,
        ("风险监测和综合减灾处", "安全生产基础处", "应急救援处"),
        ("局长", "副局长"),
        female=0.3,
    ),
    UnitSpec("市审计局", "市审计局", GOV, 4, ("财政审计处", "经济责任审计处", "社会保障审计处"), ("局长", "副局长")),
    UnitSpec(
        "市市场监督管理局",
        "市市场监管局",
        GOV,
        6,
        ("登记注册处", "食品安全协调处", "特种设备安全监察处", "知识产权处", "执法稽查支队"),
        ("局长", "副局长"),
    ),
    UnitSpec("市统计局", "市统计局", GOV, 3, (), ("局长", "副局长")),
    UnitSpec("市医疗保障局", "市医保局", GOV, 3, ("待遇保障处",), ("局长", "副局长"), female=0.5),
    UnitSpec(
        "市机关事务管理局",
        "市机关事务局",
        GOV,
        4,
        ("公务用车管理处", "公共机构节能处", "资产管理处"),
        ("局长", "副局长"),
    ),
    # 政法单位
    UnitSpec("市委政法委员会", "市委政法委", LEGAL, 3, ("综合指导处", "执法监督处"), ("书记", "副书记")),
    UnitSpec(
        "市中级人民法院",
        "市中院",
        LEGAL,
        10,
        (
            "办公室",
            "政治部",
            "立案庭",
            "刑事审判第一庭",
            "刑事审判第二庭",
            "民事审判第一庭",
            "民事审判第二庭",
            "行政审判庭",
            "执行局",
        ),
        ("院长", "副院长"),
        ladder="court",
        female=0.45,
    ),
    UnitSpec(
        "市人民检察院",
        "市检察院",
        LEGAL,
        8,
        ("办公室", "政治部", "第一检察部", "第二检察部", "第三检察部", "第四检察部", "第五检察部"),
        ("检察长", "副检察长"),
        ladder="procuratorate",
        female=0.45,
    ),
    UnitSpec(
        "市公安局",
        "市公安局",
        LEGAL,
        12,
        (
            "办公室",
            "政治部",
            "指挥中心",
            "治安支队",
            "刑事侦查支队",
            "经济犯罪侦查支队",
            "交通警察支队",
            "网络安全保卫支队",
            "出入境管理支队",
            "法制支队",
            "警务督察支队",
        ),
        ("局长", "副局长"),
        ladder="police",
        female=0.2,
    ),
    UnitSpec(
        "市司法局",
        "市司法局",
        LEGAL,
        4,
        ("立法处", "社区矫正管理处", "公共法律服务管理处"),
        ("局长", "副局长"),
        female=0.45,
    ),
    # 事业单位
    UnitSpec(
        "市委党校",
        "市委党校",
        INST,
        4,
        ("党史党建教研部", "经济学教研部", "教务处"),
        ("常务副校长", "副校长"),
        ladder="teacher",
        female=0.5,
    ),
    UnitSpec("市档案馆", "市档案馆", INST, 3, ("档案接收征集科", "档案利用科"), ("馆长", "副馆长"), rank="科"),
    UnitSpec(
        "市疾病预防控制中心",
        "市疾控中心",
        INST,
        5,
        ("传染病防制科", "免疫规划科", "卫生检验科", "健康教育科"),
        ("主任", "副主任"),
        ladder="medical",
        female=0.6,
        rank="科",
    ),
    UnitSpec(
        "市住房公积金管理中心",
        "市公积金中心",
        INST,
        3,
        ("归集管理科", "贷款管理科"),
        ("主任", "副主任"),
        female=0.55,
        rank="科",
    ),
    UnitSpec(
        "市广播电视台",
        "市广播电视台",
        INST,
        4,
        ("新闻中心", "融媒体中心", "技术保障中心"),
        ("台长", "副台长"),
        ladder="media",
        female=0.5,
        rank="科",
    ),
)

# The demo accounts' units and branch (see the command's account table).
DEMO_UNIT = "市财政局"
DEMO_UNIT_2 = "市发展和改革委员会"
DEMO_BRANCH = "预算处党支部"

# The tree's history in the demo (apps/orgs/demo/history.py): what happened this year, on the days
# `history.history_days(today)` gives. The platform starts on the first day of last year's fourth quarter.
JOINED_UNIT = "市科学技术协会"  # joined the platform on 1 January this year (Unit.joined_on)
MERGED_BRANCH = "区域协调发展处党支部"  # of DEMO_UNIT_2: merged mid-year into …
MERGE_SUCCESSOR = "产业发展处党支部"  # … its sibling, with its members; its party groups end
GROUP_BRANCH, DISSOLVED_GROUP = "社会保障处党支部", "第三党小组"  # of DEMO_UNIT: a party group dissolved mid-year
# (unit, from branch, to branch): a plain member of each moves mid-year (组织关系转接).
TRANSFERS = (
    (DEMO_UNIT, "国库处党支部", "税政处党支部"),
    (DEMO_UNIT, "办公室党支部", "教科文处党支部"),
    (DEMO_UNIT, "农业农村处党支部", "经济建设处党支部"),
    (DEMO_UNIT_2, "能源处党支部", "价格管理处党支部"),
    (DEMO_UNIT_2, "社会发展处党支部", "综合规划处党支部"),
)

RETIRED_BRANCH_NAME = "离退休干部党支部"
# A section's branch is "<section>党支部"; branches that do not follow a section: "机关第一党支部", "机关第二党支部", …
ORDINALS = "一二三四五六七八九十"
SECTION_BRANCH_PATTERN = "{section}党支部"
GENERIC_BRANCH_PATTERN = "机关第{n}党支部"
SERVING_GROUP_NAMES = ("第一党小组", "第二党小组", "第三党小组")
RETIRED_GROUP_NAMES = ("城东片党小组", "城西片党小组", "城南片党小组")

# A section's head and deputy titles, by the end of its name (first match wins).
SECTION_HEADS: tuple[tuple[str, tuple[str, str]], ...] = (
    ("检察部", ("主任", "副主任")),
    ("教研部", ("主任", "副主任")),
    ("政治部", ("主任", "副主任")),
    ("执行局", ("局长", "副局长")),
    ("支队", ("支队长", "副支队长")),
    ("中心", ("主任", "副主任")),
    ("庭", ("庭长", "副庭长")),
    ("处", ("处长", "副处长")),
    ("科", ("科长", "副科长")),
    ("室", ("主任", "副主任")),
    ("部", ("部长", "副部长")),
)
# Heads of the generic "机关第N党支部" branches, by the unit's rank.
GENERIC_HEADS = {"处": ("处长", "副处长"), "科": ("科长", "副科长")}

# Staff titles, senior to junior: index 0 for ages ≥ 50, 1 for 40–49, 2 for 30–39, 3 under 30.
STAFF_LADDERS: dict[str, tuple[tuple[str, ...], ...]] = {
    "civil": (
        ("一级调研员", "二级调研员", "一级主任科员"),
        ("三级调研员", "四级调研员", "一级主任科员", "二级主任科员"),
        ("二级主任科员", "三级主任科员", "四级主任科员"),
        ("一级科员", "科员"),
    ),
    "court": (
        ("二级高级法官", "三级高级法官", "一级主任科员"),
        ("一级法官", "四级高级法官", "二级主任科员"),
        ("二级法官", "三级法官", "法官助理"),
        ("法官助理", "书记员"),
    ),
    "procuratorate": (
        ("二级高级检察官", "三级高级检察官", "一级主任科员"),
        ("一级检察官", "四级高级检察官", "二级主任科员"),
        ("二级检察官", "三级检察官", "检察官助理"),
        ("检察官助理", "书记员"),
    ),
    "police": (
        ("一级高级警长", "二级高级警长", "一级警长"),
        ("一级警长", "二级警长"),
        ("三级警长", "四级警长", "一级警员"),
        ("一级警员", "二级警员"),
    ),
    "teacher": (("教授", "副教授"), ("副教授", "讲师"), ("讲师",), ("助教", "讲师")),
    "medical": (
        ("主任医师", "副主任医师", "主任技师"),
        ("副主任医师", "主管医师", "副主任技师"),
        ("主管医师", "主管技师", "医师"),
        ("医师", "技师"),
    ),
    "media": (("主任记者", "主任编辑"), ("主任记者", "主任编辑", "记者"), ("记者", "编辑"), ("记者", "编辑", "播音员")),
}
RETIRED_POSITION = "退休干部"

# Common surnames, most frequent first (the command weights them by rank).
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "常温康施牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍"
)
# Given-name characters by sex and generation, as (first characters, last characters):
# a two-character name is one of each, a one-character name a last character alone.
GIVEN_NAMES: dict[tuple[str, str], tuple[str, str]] = {
    ("M", "classic"): (
        "建国志文永海春德立学振宏新卫光玉金庆长世向顺福",
        "华明军平强伟林成东新峰刚勇斌杰民生祥荣山发忠",
    ),
    ("M", "middle"): ("晓志海建小俊永明文国宏新金立春红伟", "伟强磊军勇杰涛斌超明刚平辉鹏华飞波宁峰亮东林"),
    ("M", "modern"): ("浩宇子俊思一嘉博天泽家晓梓皓睿亦", "宇轩然阳辰鹏豪睿航远鸣杰涛超鑫凯帅旭毅程锐诚博"),
    ("F", "classic"): ("秀桂玉丽美素淑春红海金凤月彩翠建", "英兰芳珍凤霞梅华琴萍云荣玲莲"),
    ("F", "middle"): ("晓丽小海春秀红玉慧雪静", "芳娜敏静丽艳娟霞燕玲洁萍红梅莉琳颖丹"),
    ("F", "modern"): ("雨欣梦思佳诗子可若紫雅婉一心语嘉梓", "婷雪慧琳颖倩怡璐瑶蕾悦萱琪涵瑾妍彤楠菲琦"),
}
# Generations by birth year (born before the year): most people carry their own generation's names.
NAME_ERAS: tuple[tuple[int, str], ...] = ((1965, "classic"), (1990, "middle"), (10_000, "modern"))
# Share of one-character given names (王芳, 李强) per generation.
SINGLE_CHARACTER_SHARE = {"classic": 0.35, "middle": 0.3, "modern": 0.15}

# How many committee members (支部委员) a branch of a given size elects.
COMMITTEE_SIZES = ((10, (3,)), (20, (3, 5, 5)), (10_000, (5, 5, 7)))
