"""The navbar (导航) is what the apps register (apps.core.navigation), drawn per role: each role's links, in order."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from apps.core import navigation
from apps.core.navigation import NavItem
from tests.orgs.factories import UserFactory

PARTY_LIFE = ("组织生活", "calendar-check")
ORGS = ("组织架构", "diagram-3")
STUDY = ("理论学习", "book")
DISCIPLINE = ("纪律监督", "shield-check")
SCORING = ("四看评价", "trophy")


class NavbarParser(HTMLParser):
    """Read the role's part of the navbar (`ul.navbar-nav.me-auto`) into top-level links and dropdown menus.

    A link is (label, href, icon); a menu is (label, icon, [(label, href) or "---" for a divider]).
    """

    def __init__(self):
        super().__init__()
        self.entries: list[tuple] = []
        self.depth = 0  # <ul> nesting inside the role's list; 0 = outside it
        self.current: list | None = None  # the <a> being read: [kind, href, icon, text]
        self.menu: tuple | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "ul":
            if self.depth or {"navbar-nav", "me-auto"} <= set(classes):
                self.depth += 1
            return
        if not self.depth:
            return
        if tag == "a":
            kind = "item" if "dropdown-item" in classes else "toggle" if "dropdown-toggle" in classes else "link"
            self.current = [kind, attrs.get("href"), "", ""]
        elif tag == "i" and self.current is not None:
            self.current[2] = next(c.removeprefix("bi-") for c in classes if c.startswith("bi-"))
        elif tag == "hr" and "dropdown-divider" in classes:
            self.menu[2].append("---")

    def handle_data(self, data):
        if self.current is not None:
            self.current[3] += data

    def handle_endtag(self, tag):
        if tag == "ul" and self.depth:
            self.depth -= 1
        elif tag == "a" and self.current is not None:
            kind, href, icon, text = self.current
            label = " ".join(text.split())
            if kind == "link":
                self.entries.append((label, href, icon))
            elif kind == "toggle":
                self.menu = (label, icon, [])
                self.entries.append(self.menu)
            else:
                assert not icon, label
                self.menu[2].append((label, href))
            self.current = None


def navbar(client, user) -> list[tuple]:
    client.force_login(user)
    parser = NavbarParser()
    parser.feed(client.get(reverse("home")).content.decode())
    return parser.entries


EXPECTED = {
    "committee": [
        ("首页", "/", "house"),
        (
            *PARTY_LIFE,
            [
                ("各单位落实情况", "/partylife/overview/"),
                ("活动记录", "/partylife/activities/"),
                ("补学管理", "/partylife/makeup/"),  # issue 7: the committee's menu links 补学管理
                "---",
                ("规则设置", "/partylife/rules/"),
                ("关账管理", "/partylife/periods/"),
            ],
        ),
        (
            *STUDY,
            [
                ("各单位学习情况", "/study/overview/"),
                ("学习进度统计", "/study/progress/table/"),
                ("集中学习", "/study/sessions/"),
                ("青年理论学习小组", "/study/youth-groups/"),
                ("党员自学", "/study/self-study/records/"),
                ("应知应会进度", "/study/knowledge/progress/"),
                "---",
                ("应知应会清单管理", "/study/knowledge/admin/"),
                ("题库", "/study/questions/"),
                ("考试管理", "/study/exams/manage/"),
                ("学时目标设置", "/study/settings/"),
            ],
        ),
        (  # issue 9
            *DISCIPLINE,
            [
                ("监督总览", "/discipline/board/"),
                ("责任清单模板", "/discipline/duties/templates/"),
                ("各单位责任清单", "/discipline/duties/units/"),
                ("履责报告", "/discipline/reports/"),
                ("督促检查", "/discipline/inspections/"),
                ("整改跟踪", "/discipline/rectifications/"),
                ("约谈提醒", "/discipline/talks/"),
                ("黄红牌", "/discipline/cards/"),
                ("典型案例", "/discipline/cases/"),
                ("警示教育", "/discipline/warning/"),
                "---",
                ("黄红牌规则", "/discipline/card-rules/"),
            ],
        ),
        (  # issue 10
            *SCORING,
            [
                ("排名", "/scoring/rankings/"),
                ("排名测算", "/scoring/runs/"),
                ("人工评分", "/scoring/manual/"),
                "---",
                ("指标体系", "/scoring/"),
            ],
        ),
        (
            *ORGS,
            [
                ("单位管理", "/orgs/units/"),
                ("党支部管理", "/orgs/branches/"),
                ("党员名册", "/orgs/members/"),
                ("名册导入", "/orgs/import/"),
                "---",
                ("账号与角色", "/orgs/accounts/"),
                ("平台设置", "/orgs/platform/"),  # issue 7: the city's platform start date
                ("审计日志", "/audit/"),  # issue 11: the audit trail, committee only
                ("回收站", "/trash/"),  # issue 11: deleted records, restorable by the committee
            ],
        ),
        # issue 7: the API docs moved out of the main menu, to the account menu.
    ],
    "unit": [
        ("首页", "/", "house"),
        ("登记活动", "/partylife/activities/new/", "plus-circle"),
        (
            *PARTY_LIFE,
            [
                ("本单位落实情况", "/partylife/unit-overview/"),
                ("活动记录", "/partylife/activities/"),
                ("补学管理", "/partylife/makeup/"),
            ],
        ),
        (
            *STUDY,
            [
                ("学习进度统计", "/study/progress/table/"),
                ("集中学习", "/study/sessions/"),
                ("青年理论学习小组", "/study/youth-groups/"),
                ("党员自学", "/study/self-study/records/"),
                ("应知应会进度", "/study/knowledge/progress/"),
                "---",  # secretaries are members too: their own study below a line
                ("我的学习进度", "/study/progress/"),
                ("我的自学", "/study/self-study/"),
                ("应知应会", "/study/knowledge/"),
                ("我的考试", "/study/exams/"),
            ],
        ),
        (  # issue 9: a unit's secretary sees their own unit's supervision; branch secretaries and members nothing
            *DISCIPLINE,
            [
                ("本单位监督", "/discipline/unit/"),
                ("本单位责任清单", "/discipline/duties/mine/"),
                ("履责报告", "/discipline/reports/"),
                ("本单位整改", "/discipline/rectifications/"),
                ("约谈提醒", "/discipline/talks/"),
                ("黄红牌", "/discipline/cards/"),
                ("典型案例", "/discipline/cases/"),
                ("警示教育", "/discipline/warning/"),
            ],
        ),
        (  # issue 10: the published rankings, the unit's own score, the indicator system it is judged by
            *SCORING,
            [("排名", "/scoring/rankings/"), ("本单位得分", "/scoring/mine/"), "---", ("指标体系", "/scoring/")],
        ),
        (*ORGS, [("本单位支部", "/orgs/branches/"), ("党员名册", "/orgs/members/"), ("名册导入", "/orgs/import/")]),
    ],
    "branch": [
        ("首页", "/", "house"),
        ("登记活动", "/partylife/activities/new/", "plus-circle"),
        (
            *PARTY_LIFE,
            [
                ("支部年度日历", "/partylife/calendar/"),
                ("活动记录", "/partylife/activities/"),
                ("补学管理", "/partylife/makeup/"),
            ],
        ),
        (
            *STUDY,
            [
                ("学习进度统计", "/study/progress/table/"),
                ("集中学习", "/study/sessions/"),
                ("党员自学", "/study/self-study/records/"),
                ("应知应会进度", "/study/knowledge/progress/"),
                "---",
                ("我的学习进度", "/study/progress/"),
                ("我的自学", "/study/self-study/"),
                ("应知应会", "/study/knowledge/"),
                ("我的考试", "/study/exams/"),
            ],
        ),
        ("支部党员", "/orgs/members/", "people"),
    ],
    "member": [
        ("首页", "/", "house"),
        ("学习进度", "/study/progress/", "bar-chart-line"),  # issue 8: a member's study progress, first
        ("我的组织生活", "/partylife/activities/", "calendar-check"),
        ("我的补学", "/partylife/makeup/", "journal-check"),
        (
            *STUDY,
            [("我的自学", "/study/self-study/"), ("应知应会", "/study/knowledge/"), ("我的考试", "/study/exams/")],
        ),
    ],
    "none": [("首页", "/", "house")],
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_sees_its_own_navbar_in_order(client, role, committee_user, side_a):
    user = {
        "committee": committee_user,
        "unit": side_a.unit_secretary,
        "branch": side_a.branch_secretary,
        "member": side_a.member_user,
        "none": UserFactory(username="nobody"),
    }[role]
    assert navbar(client, user) == EXPECTED[role]


def test_menu_for_orders_links_and_menus_and_skips_empty_menus():
    entries = navigation.menu_for("member")
    assert [e.item.label for e in entries if e.item] == ["首页", "学习进度", "我的组织生活", "我的补学"]
    assert [e.menu.key for e in entries if e.menu] == ["study"]  # the only dropdown with a member item
    committee = navigation.menu_for("committee")
    assert [e.order for e in committee] == sorted(e.order for e in committee)
    assert [e.menu.key for e in committee if e.menu] == ["partylife", "study", "discipline", "scoring", "orgs"]


def test_registering_the_same_item_again_changes_nothing_and_an_unknown_menu_is_refused():
    before = navigation.menu_for("committee")
    navigation.register(NavItem("单位管理", "orgs:unit_list", roles=("committee",), menu="orgs", order=10))
    assert navigation.menu_for("committee") == before
    with pytest.raises(ValueError, match="unknown menu"):
        navigation.register(NavItem("无处安放", "home", roles=("committee",), menu="no-such-menu"))


@pytest.mark.parametrize("role", ["committee", "unit", "branch", "member"])
def test_api_docs_are_in_the_committees_account_menu_only(client, role, committee_user, side_a):
    """issue 7: the API docs left the main menu; the committee finds them in the account menu."""
    user = {
        "committee": committee_user,
        "unit": side_a.unit_secretary,
        "branch": side_a.branch_secretary,
        "member": side_a.member_user,
    }[role]
    client.force_login(user)
    page = client.get(reverse("home")).content.decode()
    link = f'<a class="dropdown-item" href="{reverse("api-docs")}" data-api-docs>'
    assert (link in page) == (role == "committee")
    assert all(entry[0] != "接口文档" for entry in navbar(client, user))
