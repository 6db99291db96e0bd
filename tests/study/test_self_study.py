"""自学: the member logs their own within the day's and the year's caps; secretaries read their scope; the API."""

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from apps.study.models import SelfStudy, StudyYear
from apps.study.services import self_study as services

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 20)
API = "/api/study/self-study/"


@pytest.fixture
def caps(db):
    return StudyYear.objects.create(year=2026, self_study_daily_cap=Decimal("2"), self_study_yearly_cap=Decimal("5"))


def log(user, *, day=TODAY, hours="1", title="读原著"):
    return services.self_study_create(
        actor=user, fields={"studied_on": day, "title": title, "hours": Decimal(hours)}, today=TODAY
    )


def test_daily_cap_at_the_limit_is_fine_over_it_is_refused_with_what_is_left(side_a, caps):
    log(side_a.member_user, hours="1.5")
    assert log(side_a.member_user, hours="0.5").hours == Decimal("0.5")  # exactly the cap: 2
    with pytest.raises(ValidationError) as exc:
        log(side_a.member_user, hours="0.5")
    assert exc.value.message_dict["hours"] == ["超过每日自学上限（每日最多计入 2 学时），11月20日当日还可登记 0 学时。"]
    log(side_a.member_user, day=dt.date(2026, 11, 19), hours="1.5")
    with pytest.raises(ValidationError) as exc:
        log(side_a.member_user, day=dt.date(2026, 11, 19), hours="1")
    assert "当日还可登记 0.5 学时" in exc.value.message_dict["hours"][0]
    assert SelfStudy.objects.filter(member=side_a.member).count() == 3


def test_yearly_cap_at_the_limit_is_fine_over_it_is_refused(side_a, caps):
    for day in (1, 2):
        log(side_a.member_user, day=dt.date(2026, 10, day), hours="2")
    assert log(side_a.member_user, day=dt.date(2026, 10, 3), hours="1").pk  # 5 of 5
    with pytest.raises(ValidationError) as exc:
        log(side_a.member_user, day=dt.date(2026, 10, 4), hours="0.5")
    assert exc.value.message_dict["hours"] == ["超过全年自学上限（2026年最多计入 5 学时），本年还可登记 0 学时。"]
    # Another year has its own cap (the previous year's settings carried forward).
    assert log(side_a.member_user, day=dt.date(2025, 10, 4), hours="2").pk


def test_no_future_days_and_only_the_member_logs(side_a, side_b, committee_user, caps):
    with pytest.raises(ValidationError) as exc:
        log(side_a.member_user, day=TODAY + dt.timedelta(days=1))
    assert exc.value.message_dict["studied_on"] == ["不能登记今天以后的自学。"]
    for user in (side_a.unit_secretary, committee_user):  # no member row: cannot log for anyone
        with pytest.raises(PermissionDenied):
            log(user)
    entry = log(side_a.member_user)
    with pytest.raises(PermissionDenied):
        services.self_study_delete(actor=side_b.member_user, entry=entry)
    with pytest.raises(PermissionDenied):
        services.self_study_update(actor=side_b.member_user, entry=entry, fields={"hours": Decimal("2")})
    services.self_study_delete(actor=side_a.member_user, entry=entry)
    assert not SelfStudy.objects.exists()


def test_update_checks_the_caps_without_its_own_old_hours(side_a, caps):
    entry = log(side_a.member_user, hours="2")
    services.self_study_update(actor=side_a.member_user, entry=entry, fields={"hours": Decimal("1.5")}, today=TODAY)
    with pytest.raises(ValidationError):
        services.self_study_update(actor=side_a.member_user, entry=entry, fields={"hours": Decimal("2.5")}, today=TODAY)
    entry.refresh_from_db()
    assert entry.hours == Decimal("1.5")


# --- pages -------------------------------------------------------------------------------------------------


def test_member_logs_on_the_phone_page_and_sees_what_is_left(client, side_a, caps):
    client.force_login(side_a.member_user)
    today = dt.date.today()
    form = client.get(reverse("study:self_study_new"))
    assert form.status_code == 200 and "今天还可登记" in form.content.decode()
    response = client.post(
        reverse("study:self_study_new"),
        {"studied_on": today.isoformat(), "title": "学习党章", "hours": "1.5", "link": "www.12371.cn"},
    )
    assert response.status_code == 302
    entry = SelfStudy.objects.get()
    assert entry.member == side_a.member and entry.link == "https://www.12371.cn"
    response = client.post(
        reverse("study:self_study_new"), {"studied_on": today.isoformat(), "title": "再学", "hours": "1"}
    )
    assert response.status_code == 200 and "当日还可登记 0.5 学时" in response.content.decode()
    listing = client.get(reverse("study:self_study_list")).content.decode()
    assert "学习党章" in listing and "data-confirm" in listing
    response = client.post(reverse("study:self_study_delete", args=[entry.pk]))
    assert response.status_code == 302 and not SelfStudy.objects.exists()


def test_nobody_else_deletes_an_entry(client, side_a, side_b, caps):
    entry = log(side_a.member_user)
    for user in (side_b.member_user, side_a.branch_secretary, side_a.unit_secretary):
        client.force_login(user)
        assert client.post(reverse("study:self_study_delete", args=[entry.pk])).status_code == 404
    assert SelfStudy.objects.filter(pk=entry.pk).exists()
    client.force_login(side_a.unit_secretary)
    page = client.get(reverse("study:self_study_list"))
    assert "没有关联党员名册" in page.content.decode()
    assert client.get(reverse("study:self_study_new")).status_code == 403


def test_secretaries_read_their_members_entries_and_export(client, side_a, side_b, committee_user, caps):
    a = log(side_a.member_user, title="甲一")
    b = log(side_b.member_user, title="乙一")
    seen = {
        side_a.unit_secretary: {a},
        side_a.branch_secretary: {a},
        side_b.branch_secretary: {b},
        committee_user: {a, b},
    }
    for user, expected in seen.items():
        client.force_login(user)
        page = client.get(reverse("study:self_study_records"))
        assert set(page.context["page"].object_list) == expected
        export = client.get(reverse("study:self_study_export"))
        rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(min_row=2, values_only=True))
        assert {row[4] for row in rows} == {e.title for e in expected}
    client.force_login(side_a.member_user)
    assert client.get(reverse("study:self_study_records")).status_code == 403
    client.force_login(side_a.branch_secretary)
    other_branch = client.get(reverse("study:self_study_records") + f"?branch={side_a.other_branch.pk}")
    assert other_branch.context["filter_messages"]


def test_self_study_list_query_count_does_not_grow(client, side_a, assert_constant_queries):
    client.force_login(side_a.unit_secretary)
    url = reverse("study:self_study_records")
    members = [side_a.member, side_a.other_branch_member, *side_a.members[1:]]

    def make(n):
        for i in range(n):
            SelfStudy.objects.create(
                member=members[i % len(members)],
                studied_on=dt.date(2026, 1, 1) + dt.timedelta(days=i),
                title=f"自学{i}",
                hours=Decimal("1"),
            )

    make(3)
    client.get(url)
    response = assert_constant_queries(lambda: client.get(url), grow=lambda: make(27), expected=10)
    assert response.context["page"].paginator.count == 30


def test_member_own_list_query_count_does_not_grow(client, side_a, assert_constant_queries):
    client.force_login(side_a.member_user)
    url = reverse("study:self_study_list") + "?year=2026"

    def make(n):
        start = SelfStudy.objects.count()
        for i in range(start, start + n):
            SelfStudy.objects.create(
                member=side_a.member,
                studied_on=dt.date(2026, 1, 1) + dt.timedelta(days=i),
                title=f"自学{i}",
                hours=Decimal("0.5"),
            )

    make(3)
    client.get(url)
    response = assert_constant_queries(lambda: client.get(url), grow=lambda: make(27), expected=9)
    assert len(response.context["entries"]) == 30


# --- API -----------------------------------------------------------------------------------------------------


def _post(client, data):
    return client.post(API, json.dumps(data), content_type="application/json")


def test_api_member_crud_and_caps(client, side_a, caps):
    client.force_login(side_a.member_user)
    today = dt.date.today().isoformat()
    response = _post(client, {"studied_on": today, "title": "接口自学", "hours": "2", "member": 999})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["member"] == side_a.member.pk  # always one's own
    response = _post(client, {"studied_on": today, "title": "超出", "hours": "0.5"})
    assert response.status_code == 400 and "当日还可登记 0 学时" in response.json()["hours"][0]
    pk = body["id"]
    response = client.patch(f"{API}{pk}/", json.dumps({"hours": "1"}), content_type="application/json")
    assert response.status_code == 200 and response.json()["hours"] == "1.0"
    assert client.delete(f"{API}{pk}/").status_code == 204


def test_api_scope(client, side_a, side_b, caps):
    a = log(side_a.member_user)
    b = log(side_b.member_user)
    client.force_login(side_b.unit_secretary)
    assert [row["id"] for row in client.get(API).json()["results"]] == [b.pk]
    assert client.get(f"{API}{a.pk}/").status_code == 404
    assert client.delete(f"{API}{a.pk}/").status_code == 404
    client.force_login(side_a.unit_secretary)
    assert [row["id"] for row in client.get(API).json()["results"]] == [a.pk]
    assert client.delete(f"{API}{a.pk}/").status_code == 403  # reads it, may not change it
    assert _post(client, {"studied_on": "2026-11-01", "title": "代登", "hours": "1"}).status_code == 403
    client.force_login(side_b.member_user)
    assert client.get(f"{API}{a.pk}/").status_code == 404
    assert client.get(API + f"?unit={side_a.unit.pk}").status_code == 400
    assert SelfStudy.objects.count() == 2
