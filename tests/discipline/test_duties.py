"""责任清单: template versions (draft → published, read-only), a unit adopts, adapts and confirms (owner positions
required), every version kept; the committee's overview; pages, export and API by role and unit."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from apps.discipline.models import DutyTemplate, UnitDutyItem, UnitDutyList
from apps.discipline.selectors import duties as selectors
from apps.discipline.services import duties as services
from tests.orgs.factories import UnitFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
LISTS = "/api/discipline/duty-lists/"
TEMPLATES = "/api/discipline/duty-templates/"


def publish_template(committee, items=(("主体责任", "履行全面从严治党主体责任", "党组书记"),)):
    template = services.duty_template_new_version(actor=committee)
    for category, content, owner in items:
        services.duty_template_item_save(
            actor=committee,
            template=template,
            fields={"category": category, "content": content, "default_owner": owner},
        )
    return services.duty_template_publish(actor=committee, template=template, now=NOW)


def confirmed_list(side, *, owner="党组书记"):
    duty_list = services.unit_duty_list_adopt(actor=side.unit_secretary, unit=side.unit)
    for item in duty_list.items.filter(owner_position=""):
        services.unit_duty_item_save(
            actor=side.unit_secretary, duty_list=duty_list, item=item, fields={"owner_position": owner}
        )
    return services.unit_duty_list_confirm(actor=side.unit_secretary, duty_list=duty_list, now=NOW)


@pytest.fixture
def template_v1(committee_user):
    return publish_template(
        committee_user,
        [("主体责任", "履行全面从严治党主体责任", "党组书记"), ("监督责任", "监督检查本单位作风建设", "")],
    )


# --- template versions --------------------------------------------------------------------------------------


def test_template_versions_copy_the_latest_and_published_ones_are_read_only(committee_user, template_v1):
    assert template_v1.version == 1 and template_v1.published_at == NOW
    item = template_v1.items.first()
    with pytest.raises(ValidationError) as exc:
        services.duty_template_item_save(
            actor=committee_user, template=template_v1, item=item, fields={"content": "改"}
        )
    assert exc.value.messages == [services.TEMPLATE_PUBLISHED]
    with pytest.raises(ValidationError):
        services.duty_template_item_delete(actor=committee_user, item=item)
    with pytest.raises(ValidationError):
        services.duty_template_publish(actor=committee_user, template=template_v1, now=NOW)
    v2 = services.duty_template_new_version(actor=committee_user, note="增加作风建设条目")
    assert v2.version == 2 and v2.published_at is None
    assert list(v2.items.values_list("content", "order")) == list(template_v1.items.values_list("content", "order"))
    with pytest.raises(ValidationError) as exc:  # one draft at a time
        services.duty_template_new_version(actor=committee_user)
    assert exc.value.messages == ["已有未发布的第2版草稿，请先编辑发布或删除它。"]
    added = services.duty_template_item_save(
        actor=committee_user, template=v2, fields={"category": "作风建设", "content": "整治形式主义"}
    )
    assert added.order == 3  # goes last
    services.duty_template_publish(actor=committee_user, template=v2, now=NOW)
    assert selectors.latest_published_template() == v2
    assert template_v1.items.count() == 2  # the old version is untouched


def test_only_the_committee_writes_templates_and_an_empty_one_is_not_published(side_a, committee_user):
    with pytest.raises(PermissionDenied):
        services.duty_template_new_version(actor=side_a.unit_secretary)
    draft = services.duty_template_new_version(actor=committee_user)
    with pytest.raises(PermissionDenied):
        services.duty_template_item_save(actor=side_a.unit_secretary, template=draft, fields={"content": "x"})
    with pytest.raises(ValidationError) as exc:
        services.duty_template_publish(actor=committee_user, template=draft, now=NOW)
    assert exc.value.messages == ["模板没有任何条目，不能发布。"]
    services.duty_template_delete(actor=committee_user, template=draft)
    assert not DutyTemplate.objects.exists()


# --- a unit's list ------------------------------------------------------------------------------------------


def test_adopt_adapt_confirm_and_versions_are_kept(side_a, committee_user, template_v1):
    secretary = side_a.unit_secretary
    with pytest.raises(PermissionDenied):  # the committee does not write a unit's list for it
        services.unit_duty_list_adopt(actor=committee_user, unit=side_a.unit)
    draft = services.unit_duty_list_adopt(actor=secretary, unit=side_a.unit)
    assert (draft.version, draft.template, draft.adopted_at) == (1, template_v1, None)
    items = list(draft.items.order_by("order"))
    assert [i.owner_position for i in items] == ["党组书记", ""]  # the suggestion as a start
    with pytest.raises(ValidationError) as exc:  # a draft already exists
        services.unit_duty_list_adopt(actor=secretary, unit=side_a.unit)
    assert "未确认的第1版草稿" in exc.value.messages[0]
    with pytest.raises(ValidationError) as exc:  # an owner position is missing
        services.unit_duty_list_confirm(actor=secretary, duty_list=draft, now=NOW)
    assert exc.value.message_dict["owner_position"] == ["以下条目尚未填写责任岗位：“监督检查本单位作风建设”。"]
    services.unit_duty_item_save(actor=secretary, duty_list=draft, item=items[1], fields={"owner_position": "纪检组长"})
    services.unit_duty_item_save(
        actor=secretary, duty_list=draft, item=items[0], fields={"content": "履行主体责任（本局）"}
    )
    own = services.unit_duty_item_save(
        actor=secretary,
        duty_list=draft,
        fields={"category": "本单位", "content": "窗口作风", "owner_position": "办公室主任"},
    )
    confirmed = services.unit_duty_list_confirm(actor=secretary, duty_list=draft, now=NOW)
    assert (confirmed.adopted_at, confirmed.adopted_by) == (NOW, secretary)
    with pytest.raises(ValidationError) as exc:  # a confirmed version never changes
        services.unit_duty_item_save(actor=secretary, duty_list=confirmed, item=own, fields={"content": "改"})
    assert exc.value.messages == [services.LIST_CONFIRMED]
    with pytest.raises(ValidationError):
        services.unit_duty_item_delete(actor=secretary, item=own)
    # The comparison names what came from the template, what was changed and what the unit added
    rows = selectors.compare_with_template(selectors.duty_list_get(user=secretary, pk=confirmed.pk))
    assert sorted(r.change for r in rows) == ["已调整", "本单位新增", "沿用"]
    # A new template: a second version, the first is kept as it was
    v2 = services.duty_template_new_version(actor=committee_user)
    services.duty_template_item_delete(actor=committee_user, item=v2.items.order_by("order").last())
    services.duty_template_publish(actor=committee_user, template=v2, now=NOW)
    second = confirmed_list(side_a)
    assert second.version == 2 and second.template == v2
    assert list(UnitDutyList.objects.filter(unit=side_a.unit).values_list("version", "template__version")) == [
        (2, 2),
        (1, 1),
    ]
    assert confirmed.items.count() == 3
    rows = selectors.compare_with_template(selectors.duty_list_get(user=secretary, pk=second.pk))
    assert [r.change for r in rows] == ["沿用"]


def test_nothing_to_adopt_before_a_template_is_published(side_a):
    with pytest.raises(ValidationError) as exc:
        services.unit_duty_list_adopt(actor=side_a.unit_secretary, unit=side_a.unit)
    assert exc.value.messages == ["工委尚未发布责任清单模板。"]


def test_only_the_units_own_secretary_adapts_its_list(side_a, side_b, committee_user, template_v1):
    draft = services.unit_duty_list_adopt(actor=side_a.unit_secretary, unit=side_a.unit)
    item = draft.items.first()
    for outsider in (side_b.unit_secretary, side_a.branch_secretary, side_a.member_user, committee_user):
        with pytest.raises(PermissionDenied):
            services.unit_duty_list_adopt(actor=outsider, unit=side_a.unit)
        with pytest.raises(PermissionDenied):
            services.unit_duty_item_save(actor=outsider, duty_list=draft, item=item, fields={"content": "改"})
        with pytest.raises(PermissionDenied):
            services.unit_duty_list_confirm(actor=outsider, duty_list=draft, now=NOW)
    item.refresh_from_db()
    assert item.content == "履行全面从严治党主体责任"
    with pytest.raises(ValidationError):  # an item of another list is not this list's
        other = services.unit_duty_list_adopt(actor=side_b.unit_secretary, unit=side_b.unit)
        services.unit_duty_item_save(actor=side_b.unit_secretary, duty_list=other, item=item, fields={"content": "改"})


# --- pages ----------------------------------------------------------------------------------------------------


def test_pages_by_role(client, side_a, side_b, committee_user, template_v1):
    a_list = confirmed_list(side_a)
    b_list = confirmed_list(side_b)
    for user in (side_a.branch_secretary, side_a.member_user):
        client.force_login(user)
        for url in (
            reverse("discipline:duty_mine"),
            reverse("discipline:duty_templates"),
            reverse("discipline:duty_list_detail", args=[a_list.pk]),
            reverse("discipline:duty_overview"),
        ):
            assert client.get(url).status_code == 403, url
    client.force_login(side_a.unit_secretary)
    assert client.get(reverse("discipline:duty_mine")).url == reverse("discipline:duty_unit", args=[side_a.unit.pk])
    page = client.get(reverse("discipline:duty_unit", args=[side_a.unit.pk])).content.decode()
    assert f'data-list="{a_list.pk}"' in page and "履行全面从严治党主体责任" in page
    assert client.get(reverse("discipline:duty_unit", args=[side_b.unit.pk])).status_code == 404
    assert client.get(reverse("discipline:duty_list_detail", args=[b_list.pk])).status_code == 404
    assert client.post(reverse("discipline:duty_adopt", args=[side_b.unit.pk])).status_code == 404
    assert client.get(reverse("discipline:duty_overview")).status_code == 403
    assert client.get(reverse("discipline:duty_templates")).status_code == 200
    assert client.post(reverse("discipline:duty_template_new")).status_code == 403
    assert UnitDutyList.objects.filter(unit=side_b.unit).count() == 1


def test_the_unit_adapts_on_the_pages(client, side_a, template_v1):
    client.force_login(side_a.unit_secretary)
    response = client.post(reverse("discipline:duty_adopt", args=[side_a.unit.pk]))
    draft = UnitDutyList.objects.get(unit=side_a.unit)
    assert response.url == reverse("discipline:duty_list_detail", args=[draft.pk])
    page = client.get(response.url).content.decode()
    assert "未填写" in page and "还有 1 条未填写责任岗位" in page
    client.post(reverse("discipline:duty_list_confirm", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.adopted_at is None  # refused: an owner is missing
    blank = draft.items.get(owner_position="")
    response = client.post(
        reverse("discipline:duty_item", args=[draft.pk, blank.pk]),
        {"category": blank.category, "content": blank.content, "owner_position": "纪检组长", "order": ""},
    )
    assert response.status_code == 302
    client.post(
        reverse("discipline:duty_item_new", args=[draft.pk]),
        {"category": "本单位", "content": "窗口单位作风", "owner_position": "", "order": ""},
    )
    own = draft.items.get(category="本单位")
    client.post(reverse("discipline:duty_item_delete", args=[draft.pk, own.pk]))
    assert not UnitDutyItem.objects.filter(pk=own.pk).exists()
    client.post(reverse("discipline:duty_list_confirm", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.adopted_at is not None
    # A confirmed version refuses changes on the page too
    item = draft.items.first()
    client.post(
        reverse("discipline:duty_item", args=[draft.pk, item.pk]),
        {"category": "x", "content": "改", "owner_position": "y", "order": "1"},
    )
    item.refresh_from_db()
    assert item.content != "改"


def test_overview_filters_and_export(client, side_a, side_b, committee_user, template_v1, assert_constant_queries):
    confirmed_list(side_a)
    v2 = services.duty_template_new_version(actor=committee_user)
    services.duty_template_publish(actor=committee_user, template=v2, now=NOW)
    confirmed_list(side_b)  # on v2
    client.force_login(committee_user)
    url = reverse("discipline:duty_overview")
    behind = client.get(url, {"status": "behind"}).content.decode()
    assert f'data-unit="{side_a.unit.pk}"' in behind and f'data-unit="{side_b.unit.pk}"' not in behind
    latest = client.get(url, {"status": "latest"}).content.decode()
    assert f'data-unit="{side_b.unit.pk}"' in latest and f'data-unit="{side_a.unit.pk}"' not in latest
    assert "已忽略该条件" in client.get(url, {"status": "bogus"}).content.decode()
    export = client.get(reverse("discipline:duty_overview_export"), {"status": "behind"})
    rows = list(load_workbook(io.BytesIO(export.content)).active.values)
    assert rows[1][0] == side_a.unit.name and rows[1][5] == "未采用最新模板"
    assert [r[0] for r in rows[1:]] == [side_a.unit.name]

    def grow():
        for _ in range(5):
            UnitFactory()

    response = assert_constant_queries(lambda: client.get(url), grow=grow, expected=10)
    assert response.content.decode().count("尚无确认的清单</span>") == 5


# --- API ------------------------------------------------------------------------------------------------------


def test_api_lists_are_scoped_and_write_through_the_services(client, side_a, side_b, committee_user, template_v1):
    b_list = confirmed_list(side_b)
    client.force_login(side_a.unit_secretary)
    created = client.post(LISTS, {"unit": side_a.unit.pk}, content_type="application/json")
    assert created.status_code == 201
    draft_id = created.json()["id"]
    assert [i["owner_position"] for i in created.json()["items"]] == ["党组书记", ""]
    assert client.post(LISTS, {"unit": side_b.unit.pk}, content_type="application/json").status_code == 400
    assert [r["id"] for r in client.get(LISTS).json()["results"]] == [draft_id]
    assert client.get(f"{LISTS}{b_list.pk}/").status_code == 404
    assert client.post(f"{LISTS}{b_list.pk}/confirm/").status_code == 404
    confirm = client.post(f"{LISTS}{draft_id}/confirm/")
    assert confirm.status_code == 400 and "尚未填写责任岗位" in confirm.json()["owner_position"][0]
    blank = UnitDutyItem.objects.get(duty_list_id=draft_id, owner_position="")
    patched = client.patch(
        f"{LISTS}{draft_id}/items/{blank.pk}/", {"owner_position": "纪检组长"}, content_type="application/json"
    )
    assert patched.status_code == 200 and patched.json()["owner_position"] == "纪检组长"
    other_item = b_list.items.first()
    assert (
        client.patch(
            f"{LISTS}{draft_id}/items/{other_item.pk}/", {"content": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert client.post(f"{LISTS}{draft_id}/confirm/").json()["confirmed"] is True
    # Templates: read for unit secretaries, written by the committee
    assert client.get(TEMPLATES).status_code == 200
    assert client.post(TEMPLATES, {}, content_type="application/json").status_code == 403
    for user in (side_a.branch_secretary, side_a.member_user):
        client.force_login(user)
        assert client.get(TEMPLATES).status_code == 403
        assert client.get(LISTS).status_code == 403
    client.force_login(committee_user)
    assert {r["unit"] for r in client.get(LISTS).json()["results"]} == {side_a.unit.pk, side_b.unit.pk}
    new = client.post(TEMPLATES, {"note": "第二版"}, content_type="application/json")
    assert new.status_code == 201 and new.json()["version"] == 2
    item = client.post(
        f"{TEMPLATES}{new.json()['id']}/items/",
        {"category": "作风", "content": "新条目"},
        content_type="application/json",
    )
    assert item.status_code == 201
    assert client.post(f"{TEMPLATES}{new.json()['id']}/publish/").json()["published"] is True
    assert client.post(f"{TEMPLATES}{new.json()['id']}/publish/").status_code == 400


def test_every_page_renders_for_the_people_it_is_for(client, side_a, committee_user, template_v1):
    draft = services.unit_duty_list_adopt(actor=side_a.unit_secretary, unit=side_a.unit)
    item = draft.items.first()
    v2 = services.duty_template_new_version(actor=committee_user)
    client.force_login(committee_user)
    for url in (
        reverse("discipline:duty_templates"),
        reverse("discipline:duty_template_detail", args=[template_v1.pk]),
        reverse("discipline:duty_template_detail", args=[v2.pk]),
        reverse("discipline:duty_template_item_new", args=[v2.pk]),
        reverse("discipline:duty_template_item", args=[v2.pk, v2.items.first().pk]),
        reverse("discipline:duty_overview"),
        reverse("discipline:duty_unit", args=[side_a.unit.pk]),
        reverse("discipline:duty_list_detail", args=[draft.pk]),
        reverse("discipline:report_list"),
        reverse("discipline:report_rounds"),
        reverse("discipline:report_round_new"),
    ):
        assert client.get(url).status_code == 200, url
    # The committee reads a unit's draft but does not edit it
    assert client.get(reverse("discipline:duty_item", args=[draft.pk, item.pk])).status_code == 403
    client.force_login(side_a.unit_secretary)
    for url in (
        reverse("discipline:duty_item_new", args=[draft.pk]),
        reverse("discipline:duty_item", args=[draft.pk, item.pk]),
        reverse("discipline:duty_template_detail", args=[template_v1.pk]),
    ):
        assert client.get(url).status_code == 200, url
    assert client.get(reverse("discipline:duty_template_item_new", args=[v2.pk])).status_code == 403
    # Renaming a draft template, then a published one is refused
    client.force_login(committee_user)
    client.post(reverse("discipline:duty_template_detail", args=[v2.pk]), {"title": "新名称", "note": ""})
    v2.refresh_from_db()
    assert v2.title == "新名称"
    response = client.post(
        reverse("discipline:duty_template_detail", args=[template_v1.pk]), {"title": "改", "note": ""}
    )
    assert response.status_code == 403
