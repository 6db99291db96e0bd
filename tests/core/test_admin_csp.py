"""The Django admin under the portal's Content-Security-Policy: its login, index, change list, change form,
history and object-permission pages carry the policy and hold nothing it refuses (Django 5.2's admin keeps its
scripts in static files; its few `<script>` tags have a `src` and pass data in `data-` attributes).

Two known exceptions in third-party templates, both cosmetic: django-simple-history's history list has
`<p class="paginator" style="border-top: 0">` (the browser ignores the attribute: a border line shows above the
paginator) and django-guardian's object-permissions page an empty `<style>` block (nothing to lose)."""

import pytest
from django.urls import reverse

from tests.core.test_security_headers import INLINE, POLICY, directives
from tests.orgs.factories import UserFactory

pytestmark = pytest.mark.django_db


KNOWN = (
    '<p class="paginator" style="border-top: 0">',  # django-simple-history's history list
    '<style type="text/css">\n</style>',  # django-guardian's object permissions (empty)
)


def inline_code(html: str) -> list[str]:
    for known in KNOWN:
        html = html.replace(known, "")
    return [f"{what}: {m.group(0)}" for pattern, what in INLINE for m in pattern.finditer(html)]


def test_the_admin_pages_carry_the_policy_and_no_inline_code(client, side_a):
    login = client.get(reverse("admin:login"))
    assert login.status_code == 200 and directives(login) == POLICY
    assert inline_code(login.content.decode()) == []

    admin = UserFactory(username="tech_admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    unit = side_a.unit
    pages = [
        reverse("admin:index"),
        reverse("admin:orgs_unit_changelist"),
        reverse("admin:orgs_unit_changelist") + "?q=A&category__exact=party",
        reverse("admin:orgs_unit_add"),
        reverse("admin:orgs_unit_change", args=[unit.pk]),
        reverse("admin:orgs_unit_history", args=[unit.pk]),
        reverse("admin:orgs_unit_permissions", args=[unit.pk]),
        reverse("admin:orgs_member_changelist"),
        reverse("admin:orgs_user_change", args=[admin.pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert directives(response) == POLICY, url
        html = response.content.decode()
        assert "<script" in html, url  # the admin's own scripts are there, all from files
        assert inline_code(html) == [], url
