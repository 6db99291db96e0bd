"""应知应会: the committee's list and its Excel import, members' marks, progress per member/branch/unit, API, metric."""

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from apps.core import metrics
from apps.core.periods import Period
from apps.orgs.models import Membership
from apps.study.models import KnowledgeItem, KnowledgeStudy
from apps.study.services import knowledge as services
from apps.study.services.knowledge_import import knowledge_import
from tests.export_jobs import export_job_rows
from tests.orgs.factories import MemberFactory

pytestmark = pytest.mark.django_db


def item(title, category="party", order=100, active=True, **kwargs):
    return KnowledgeItem.objects.create(title=title, category=category, order=order, active=active, **kwargs)


@pytest.fixture
def items(db):
    return [item("中国共产党章程", order=1), item("中国共产党纪律处分条例", order=2), item("中华人民共和国宪法", "law")]


def xlsx(rows, header=("类别", "分类", "名称", "发布机关", "发布日期", "排序")) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("清单.xlsx", buf.getvalue())


# --- the member's list and marks ----------------------------------------------------------------------------


def test_member_marks_and_unmarks_on_the_page(client, side_a, items):
    client.force_login(side_a.member_user)
    page = client.get(reverse("study:knowledge_list"))
    assert [g["label"] for g in page.context["groups"]] == ["党内法规", "国家法律"]
    assert (page.context["done"], page.context["total"]) == (0, 3)
    response = client.post(reverse("study:knowledge_mark", args=[items[0].pk]), {"action": "mark"})
    assert response.status_code == 302 and response.url.endswith(f"#item-{items[0].pk}")
    client.post(reverse("study:knowledge_mark", args=[items[0].pk]), {"action": "mark"})  # twice: one mark
    assert KnowledgeStudy.objects.filter(member=side_a.member).count() == 1
    assert client.get(reverse("study:knowledge_list")).context["done"] == 1
    client.post(reverse("study:knowledge_mark", args=[items[0].pk]), {"action": "unmark"})
    assert not KnowledgeStudy.objects.exists()
    # An item taken off the list cannot be marked.
    items[1].active = False
    items[1].save()
    response = client.post(reverse("study:knowledge_mark", args=[items[1].pk]), {"action": "mark"}, follow=True)
    assert "已不在应知应会清单中" in response.content.decode() and not KnowledgeStudy.objects.exists()


def test_only_a_member_marks(client, side_a, items):
    with pytest.raises(PermissionDenied):
        services.knowledge_mark(actor=side_a.unit_secretary, item=items[0])
    client.force_login(side_a.unit_secretary)
    assert client.post(reverse("study:knowledge_mark", args=[items[0].pk])).status_code == 403
    page = client.get(reverse("study:knowledge_list"))
    assert page.status_code == 200 and not page.context["can_mark"]


# --- the committee's list -----------------------------------------------------------------------------------


def test_committee_keeps_the_list(client, side_a, committee_user, items):
    client.force_login(committee_user)
    response = client.post(
        reverse("study:knowledge_item_create"),
        {"category": "law", "subcategory": "行政法", "title": "中华人民共和国公务员法", "order": 5, "active": "on"},
    )
    assert response.status_code == 302 and KnowledgeItem.objects.filter(title="中华人民共和国公务员法").exists()
    page = client.get(reverse("study:knowledge_admin") + "?category=law&subcategory=行政法")
    assert [i.title for i in page.context["page"]] == ["中华人民共和国公务员法"]
    client.post(reverse("study:knowledge_item_toggle", args=[items[0].pk]), {"active": "0"})
    items[0].refresh_from_db()
    assert not items[0].active
    export = client.get(reverse("study:knowledge_admin_export"))
    assert export.status_code == 200
    for user in (side_a.unit_secretary, side_a.member_user):
        client.force_login(user)
        assert client.get(reverse("study:knowledge_admin")).status_code == 403
        assert (
            client.post(reverse("study:knowledge_item_toggle", args=[items[1].pk]), {"active": "0"}).status_code == 403
        )
        assert client.get(reverse("study:knowledge_import")).status_code == 403
    assert KnowledgeItem.objects.get(pk=items[1].pk).active


def test_import_lists_row_errors_and_imports_nothing(committee_user, items):
    file = xlsx(
        [
            ("党内法规", "条例", "中国共产党组织工作条例", "中共中央", "2021-05-22", 3),
            ("党规", "", "某法规", "", "", ""),  # bad category
            ("国家法律", "", "", "", "", ""),  # no title
            ("国家法律", "", "中华人民共和国监察法", "", "明年", "第一"),  # bad date and order
            ("党内法规", "", "中国共产党组织工作条例", "", "", ""),  # repeats row 2
            ("党内法规", "", "=HYPERLINK(1)", "", "", ""),  # formula
        ]
    )
    result = knowledge_import(actor=committee_user, file=file)
    assert [(e.row, e.problems) for e in result.row_errors] == [
        (3, ["类别须填写“党内法规”或“国家法律”（现为“党规”）"]),
        (4, ["名称未填写"]),
        (5, ["发布日期“明年”无法识别，请写成 2019-01-31", "排序须为不超过 100000 的整数（现为“第一”）"]),
        (6, ["与第 2 行的名称重复"]),
        (7, ["名称不能是公式，也不能以 =、+、-、@ 开头，请直接填写内容"]),
    ]
    assert KnowledgeItem.objects.count() == 3


def test_import_preview_then_import_updates_by_title(committee_user, side_a, items):
    rows = [
        ("国家法律", "宪法", "中华人民共和国宪法", "全国人民代表大会", dt.date(2018, 3, 11), 1),  # update
        ("党内法规", "准则", "关于新形势下党内政治生活的若干准则", "中共中央", "2016年10月27日", 2),  # new
        ("党内法规", "", "中国共产党章程", "", "", 1),  # unchanged
    ]
    preview = knowledge_import(actor=committee_user, file=xlsx(rows), dry_run=True)
    assert preview.ok and (preview.created, preview.updated, preview.unchanged) == (1, 1, 1)
    assert KnowledgeItem.objects.count() == 3 and not KnowledgeItem.objects.get(title="中华人民共和国宪法").issued_by
    done = knowledge_import(actor=committee_user, file=xlsx(rows))
    assert done.written and done.summary() == "新增 1 条，更新 1 条，未变化 1 条"
    constitution = KnowledgeItem.objects.get(title="中华人民共和国宪法")
    assert constitution.issued_by == "全国人民代表大会" and constitution.issued_on == dt.date(2018, 3, 11)
    assert KnowledgeItem.objects.get(title__startswith="关于新形势下").issued_on == dt.date(2016, 10, 27)
    with pytest.raises(PermissionDenied):
        knowledge_import(actor=side_a.unit_secretary, file=xlsx(rows))


def test_import_page_and_template(client, committee_user):
    client.force_login(committee_user)
    template = client.get(reverse("study:knowledge_template"))
    sheet = load_workbook(io.BytesIO(template.content)).active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["类别", "分类", "名称"]
    # The template as downloaded is refused for its example row.
    file = SimpleUploadedFile("t.xlsx", template.content)
    response = client.post(reverse("study:knowledge_import"), {"file": file, "dry_run": "on"})
    assert "示例行" in response.content.decode() and not KnowledgeItem.objects.exists()
    response = client.post(reverse("study:knowledge_import"), {"file": SimpleUploadedFile("a.txt", b"hello")})
    assert "只能导入 Excel" in response.content.decode()
    good = xlsx([("党内法规", "", "中国共产党章程", "", "", 1)])
    response = client.post(reverse("study:knowledge_import"), {"file": good})
    assert "导入完成" in response.content.decode() and KnowledgeItem.objects.count() == 1


# --- progress ------------------------------------------------------------------------------------------------


def mark(member, *items_):
    for it in items_:
        KnowledgeStudy.objects.create(member=member, item=it)


def test_progress_rates_per_branch_unit_and_member_are_scoped(client, side_a, side_b, committee_user, items):
    a0, a1, a2 = side_a.members
    mark(a0, *items)
    mark(a1, items[0])
    mark(side_a.other_branch_member, items[0], items[1])
    mark(side_b.member, *items)
    client.force_login(side_a.unit_secretary)
    page = client.get(reverse("study:knowledge_progress"))
    rates = {r.pk: (r.members, r.done, r.total, r.percent) for r in page.context["branch_rates"]}
    assert rates == {
        side_a.branch.pk: (3, 4, 9, Decimal("44.4")),
        side_a.other_branch.pk: (1, 2, 3, Decimal("66.7")),
    }
    assert page.context["unit_rates"] is None
    members = {m.pk: m.done for m in page.context["page"]}
    assert members == {a0.pk: 3, a1.pk: 1, a2.pk: 0, side_a.other_branch_member.pk: 2}
    assert [m.pk for m in page.context["page"]][0] == a2.pk  # fewest done first
    assert [m.pk for m in client.get(reverse("study:knowledge_progress") + "?progress=done").context["page"]] == [a0.pk]
    export = client.get(reverse("study:knowledge_progress_export"))
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(min_row=2, values_only=True))
    assert {r[2] for r in rows} == {a0.name, a1.name, a2.name, side_a.other_branch_member.name}

    client.force_login(side_a.branch_secretary)
    page = client.get(reverse("study:knowledge_progress"))
    assert {r.pk for r in page.context["branch_rates"]} == {side_a.branch.pk}
    assert {m.pk for m in page.context["page"]} == {a0.pk, a1.pk, a2.pk}

    client.force_login(committee_user)
    page = client.get(reverse("study:knowledge_progress"))
    units = {r.pk: r.percent for r in page.context["unit_rates"]}
    assert units == {side_a.unit.pk: Decimal("50.0"), side_b.unit.pk: Decimal("25.0")}  # 3 / (4 × 3)
    assert page.context["branch_rates"] is None  # the city's branches only once a unit is chosen
    page = client.get(reverse("study:knowledge_progress") + f"?unit={side_b.unit.pk}")
    assert {r.pk for r in page.context["branch_rates"]} == {side_b.branch.pk, side_b.other_branch.pk}

    client.force_login(side_a.member_user)
    assert client.get(reverse("study:knowledge_progress")).status_code == 403
    assert client.get(reverse("study:knowledge_progress_export")).status_code == 403


@pytest.mark.parametrize("who", ["unit_secretary", "committee"])
def test_progress_page_query_count_does_not_grow(client, side_a, committee_user, items, assert_constant_queries, who):
    client.force_login(committee_user if who == "committee" else side_a.unit_secretary)
    url = reverse("study:knowledge_progress")

    def grow():
        for i in range(27):
            member = MemberFactory(branch=side_a.branch if i % 2 else side_a.other_branch)
            mark(member, *items[: i % 4])

    client.get(url)
    expected = {"unit_secretary": 14, "committee": 14}[who]  # the committee: no branch choices until a unit
    response = assert_constant_queries(lambda: client.get(url), grow=grow, expected=expected)
    assert response.context["page"].paginator.count == 31


# --- API -----------------------------------------------------------------------------------------------------


def test_api_items_read_for_all_write_for_the_committee(client, side_a, committee_user, items):
    client.force_login(side_a.member_user)
    assert len(client.get("/api/study/knowledge-items/").json()["results"]) == 3
    new = {"category": "law", "title": "中华人民共和国保守国家秘密法"}
    assert client.post("/api/study/knowledge-items/", new).status_code == 403
    client.force_login(committee_user)
    assert client.post("/api/study/knowledge-items/", new).status_code == 201
    assert client.delete(f"/api/study/knowledge-items/{items[0].pk}/").status_code == 204
    items[0].refresh_from_db()
    assert not items[0].active  # taken off the list, not deleted


def test_api_marks_are_ones_own(client, side_a, side_b, items):
    mark(side_b.member, items[0])
    client.force_login(side_a.member_user)
    url = "/api/study/knowledge-marks/"
    assert client.get(url).json()["results"] == []
    response = client.post(url, json.dumps({"item": items[1].pk}), content_type="application/json")
    assert response.status_code == 201
    mine = response.json()["id"]
    assert [row["item"] for row in client.get(url).json()["results"]] == [items[1].pk]
    theirs = KnowledgeStudy.objects.get(member=side_b.member)
    assert client.delete(f"{url}{theirs.pk}/").status_code == 404
    assert client.delete(f"{url}{mine}/").status_code == 204
    assert list(KnowledgeStudy.objects.values_list("member_id", flat=True)) == [side_b.member.pk]
    client.force_login(side_a.unit_secretary)  # no member row: nothing to mark
    assert client.post(url, {"item": items[0].pk}).status_code == 403


def test_api_progress_is_scoped(client, side_a, side_b, items):
    mark(side_a.member, items[0])
    client.force_login(side_a.branch_secretary)
    rows = client.get("/api/study/knowledge-progress/").json()["results"]
    assert {r["id"] for r in rows} == {m.pk for m in side_a.members}
    assert {r["total"] for r in rows} == {3} and {r["done"] for r in rows} == {0, 1}
    assert client.get(f"/api/study/knowledge-progress/{side_b.member.pk}/").status_code == 404
    assert client.get(f"/api/study/knowledge-progress/?unit={side_b.unit.pk}").status_code == 400
    client.force_login(side_a.member_user)
    assert client.get("/api/study/knowledge-progress/").status_code == 403
    schema = client.get("/api/schema/").content.decode()
    for path in (
        "/api/study/sessions/",
        "/api/study/self-study/",
        "/api/study/knowledge-items/",
        "/api/study/knowledge-marks/",
        "/api/study/knowledge-progress/",
    ):
        assert path in schema


# --- the metric --------------------------------------------------------------------------------------------


def test_knowledge_completion_metric_values_and_query_count(side_a, side_b, items, django_assert_num_queries):
    a0, a1, a2 = side_a.members
    mark(a0, *items)  # 3
    mark(a1, items[0])  # 1
    mark(side_a.other_branch_member, items[0])  # 1 → unit A: 5 / (4 × 3)
    mark(side_b.member, items[0], items[1])  # unit B: 2 / (4 × 3)
    # A member who left unit B's roster before the period's end does not count there.
    leaver = MemberFactory(branch=side_b.branch)
    mark(leaver, *items)
    Membership.objects.filter(member=leaver).update(end_on=dt.date(2026, 6, 1))
    KnowledgeStudy.objects.update(studied_at=dt.datetime(2026, 9, 1, tzinfo=dt.UTC))
    metric = metrics.get("study.knowledge_completion")
    with django_assert_num_queries(1):
        values = metric.compute(Period.parse("2026-Q3"), today=dt.date(2026, 11, 30))
    assert values == {side_a.unit.pk: Decimal("41.7"), side_b.unit.pk: Decimal("16.7")}
    # Marks made after the evaluation day do not count.
    KnowledgeStudy.objects.filter(member=a0).update(studied_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    values = metric.compute(Period.parse("2026-Q3"), today=dt.date(2026, 11, 30))
    assert values[side_a.unit.pk] == Decimal("16.7")
    KnowledgeItem.objects.update(active=False)
    assert metric.compute(Period.parse("2026-Q3"), today=dt.date(2026, 11, 30)) == {}


def test_a_large_progress_export_is_a_job_holding_only_the_owners_unit(
    side_a, side_b, items, login, django_capture_on_commit_callbacks
):
    mark(side_a.members[0], *items)
    mark(side_b.member, *items)
    job, rows = export_job_rows(
        login(side_a.unit_secretary),
        reverse("study:knowledge_progress_export"),
        capture=django_capture_on_commit_callbacks,
    )
    assert {r[0] for r in rows} == {side_a.unit.name} and side_b.member.name not in {r[2] for r in rows}
    assert job.total == len(rows) and dict((r[2], r[4]) for r in rows)[side_a.members[0].name] == len(items)
