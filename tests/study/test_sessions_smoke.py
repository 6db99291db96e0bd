"""Every page of the sessions, 自学 and 应知应会 areas opens for those it is for, refuses the others, never a 500;
and the study menu shows each role its items."""

import pytest
from django.urls import reverse

from apps.core import navigation
from apps.orgs.access import Role
from apps.study.models import KnowledgeItem, YouthGroup

pytestmark = pytest.mark.django_db

PAGES = {
    "study:session_list": {"committee": 200, "unit": 200, "branch": 200, "member": 200},
    "study:session_new": {"committee": 200, "unit": 200, "branch": 200, "member": 403},
    "study:youth_group_list": {"committee": 200, "unit": 200, "branch": 403, "member": 403},
    "study:youth_group_create": {"committee": 200, "unit": 200, "branch": 403, "member": 403},
    "study:self_study_list": {"committee": 200, "unit": 200, "branch": 200, "member": 200},
    "study:self_study_new": {"committee": 403, "unit": 403, "branch": 403, "member": 200},
    "study:self_study_records": {"committee": 200, "unit": 200, "branch": 200, "member": 403},
    "study:knowledge_list": {"committee": 200, "unit": 200, "branch": 200, "member": 200},
    "study:knowledge_admin": {"committee": 200, "unit": 403, "branch": 403, "member": 403},
    "study:knowledge_item_create": {"committee": 200, "unit": 403, "branch": 403, "member": 403},
    "study:knowledge_import": {"committee": 200, "unit": 403, "branch": 403, "member": 403},
    "study:knowledge_progress": {"committee": 200, "unit": 200, "branch": 200, "member": 403},
}


@pytest.fixture
def users(side_a, committee_user):
    return {
        "committee": committee_user,
        "unit": side_a.unit_secretary,
        "branch": side_a.branch_secretary,
        "member": side_a.member_user,
    }


@pytest.mark.parametrize("name", sorted(PAGES))
def test_pages_open_for_their_roles(client, users, name):
    KnowledgeItem.objects.create(title="中国共产党章程", category="party")
    for role, status in PAGES[name].items():
        client.force_login(users[role])
        assert client.get(reverse(name)).status_code == status, (name, role)


@pytest.mark.parametrize("kind", ["weekly", "youth", "training", "reading"])
def test_session_forms_open_and_survive_junk(client, users, side_a, kind):
    YouthGroup.objects.create(unit=side_a.unit, name="青年组").members.set(side_a.members)
    client.force_login(users["committee"])
    url = reverse("study:session_create", args=[kind])
    assert client.get(url).status_code == 200
    junk = "?branch=%C2%B2&unit=x&youth_group=-1&held_on=2026-99-99&leader=%00&speech-0-speaker=abc"
    assert client.get(url + junk).status_code == 200
    assert client.post(url, {"action": "save", "held_on": "9999-01-01", "hours": "abc", "att": "x"}).status_code == 200
    assert client.get(reverse("study:session_create", args=["nonsense"])).status_code == 403


def test_study_menu_per_role():
    def labels(role):
        return [i.label for e in navigation.menu_for(role) if e.menu and e.menu.key == "study" for i in e.items]

    assert {"集中学习", "应知应会进度", "应知应会清单管理", "青年理论学习小组"} <= set(labels(Role.COMMITTEE))
    assert {"集中学习", "应知应会进度", "青年理论学习小组", "我的自学", "应知应会"} <= set(labels(Role.UNIT))
    assert {"集中学习", "应知应会进度", "我的自学", "应知应会"} <= set(labels(Role.BRANCH))
    assert "青年理论学习小组" not in labels(Role.BRANCH)
    assert {"我的自学", "应知应会"} <= set(labels(Role.MEMBER)) and "集中学习" not in labels(Role.MEMBER)
