"""Headers and exposure (issue 11, 等级保护): a Content-Security-Policy on every response, no `Server`
header, `Cache-Control: no-store` on exports, API answers and files, the API schema and docs only for
signed-in users — and no template left with inline code or styles the policy would refuse.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from apps.core.security import SecurityHeadersMiddleware
from apps.partylife import services
from apps.partylife.models import EvidenceKind
from apps.partylife.services import AttendanceInput, EvidenceInput
from tests.partylife.factories import activity_type, png_upload

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
}


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part}


def cache_directives(response) -> set[str]:
    return {d.strip() for d in response.get("Cache-Control", "").split(",")}


def assert_no_store(response):
    assert "no-store" in cache_directives(response), response.get("Cache-Control")


# --- the policy on every response ---------------------------------------------------------------------


def test_login_page_carries_the_policy_and_no_server_header(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert directives(response) == POLICY
    assert "Server" not in response


def test_signed_in_pages_and_errors_carry_the_policy(client, side_a):
    client.force_login(side_a.unit_secretary)
    for url in [reverse("home"), reverse("partylife:makeup_list"), "/no-such-page/"]:
        assert directives(client.get(url)) == POLICY, url


def test_a_server_header_never_leaves_the_portal():
    def view(request):
        response = HttpResponse("ok")
        response["Server"] = "WSGIServer/0.2 CPython/3.11"
        return response

    response = SecurityHeadersMiddleware(view)(RequestFactory().get("/"))
    assert "Server" not in response and "Content-Security-Policy" in response


# --- no-store on exports, API answers and files ------------------------------------------------------------


def test_excel_export_is_no_store(client, side_a):
    client.force_login(side_a.unit_secretary)
    response = client.get(reverse("partylife:makeup_export"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert_no_store(response)


def test_api_answers_are_no_store_even_refusals(client, side_a):
    client.force_login(side_a.unit_secretary)
    ok = client.get("/api/units/")
    assert ok.status_code == 200
    assert_no_store(ok)
    assert directives(ok) == POLICY
    client.logout()
    refused = client.get("/api/units/")
    assert refused.status_code in (401, 403)
    assert_no_store(refused)


def test_evidence_file_is_no_store(client, side_a):
    record = services.activity_record(
        actor=side_a.branch_secretary,
        activity_type=activity_type("branch_committee_meeting"),
        branch=side_a.branch,
        fields={"topic": "研究发展党员", "held_at": timezone.now(), "minutes": "议定事项"},
        attendance=[AttendanceInput(m.pk) for m in side_a.members],
        evidence=[EvidenceInput(EvidenceKind.PHOTO, png_upload())],
    )
    client.force_login(side_a.branch_secretary)
    response = client.get(reverse("partylife:evidence_file", args=[record.evidence.get().pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert_no_store(response)
    assert "max-age=3600" not in response["Cache-Control"]


# --- schema and docs only for signed-in users ----------------------------------------------------------------


def test_schema_refuses_anonymous_with_401(client):
    response = client.get("/api/schema/")
    assert response.status_code == 401
    assert "openapi" not in response.content.decode()
    assert client.get("/api/schema/?format=json").status_code == 401


def test_docs_send_anonymous_to_login(client):
    response = client.get("/api/docs/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.get("/api/docs/?script=").status_code == 302
    assert client.get("/api/redoc/").status_code == 404  # ReDoc (internet fonts, inline styles) is gone


def test_docs_for_a_signed_in_user_have_no_inline_code(client, side_a):
    client.force_login(side_a.unit_secretary)
    assert client.get("/api/schema/?format=json").status_code == 200
    page = client.get("/api/docs/")
    html = page.content.decode()
    assert page.status_code == 200 and "swagger-ui" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) and "<style" not in html and "style=" not in html
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


# --- templates hold nothing the policy refuses ------------------------------------------------------------


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>"), "inline <script>"),
    (re.compile(r"<style\b"), "<style> block"),
    (re.compile(r"\sstyle=\""), "style= attribute"),
    (re.compile(r"\son[a-z]+=\""), "on…= handler"),
    (re.compile(r"javascript:"), "javascript: URL"),
]


def test_no_template_has_inline_script_or_style():
    found = []
    for path in sorted(Path(settings.BASE_DIR, "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern, what in INLINE:
            found += [f"{path.relative_to(settings.BASE_DIR)}: {what}" for _ in pattern.finditer(text)]
    assert found == []
