"""Response headers every answer of the portal carries (等级保护: 入侵防范, 剩余信息保护).

- `Content-Security-Policy` on every response (settings.CONTENT_SECURITY_POLICY): scripts and
  styles only from the portal itself (the vendored assets under static/), no plugins, no framing,
  forms post only to the portal. Templates therefore hold no inline `<script>`, `on…=` handler,
  `style=` attribute or `<style>` block: behaviour lives in static/js, looks in static/css, and a
  width or colour computed on the server travels as a `data-` attribute that static/js/portal.js
  applies through the CSSOM (which the policy allows).
- `Cache-Control: no-store` on what must not stay in a browser's or proxy's cache: every API
  answer, every download (an Excel export, an evidence file: any response with a
  Content-Disposition, or a file/streaming response).
- No `Server` header from the application (gunicorn sends only its name, never its version).

A view that cannot live under the policy (a third-party page that injects `<style>` elements, such
as ReDoc) is wrapped with `relaxed_styles`, which allows inline styles for that response only.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse

CSP_HEADER = "Content-Security-Policy"
SPREADSHEET = "application/vnd.openxmlformats"
NO_STORE = "no-store, private"  # private: no shared cache either, whatever it makes of no-store


def policy(overrides: dict[str, str] | None = None) -> str:
    """The policy text: settings.CONTENT_SECURITY_POLICY with `overrides` (directive → sources)."""
    directives = dict(settings.CONTENT_SECURITY_POLICY)
    directives.update(overrides or {})
    return "; ".join(f"{name} {sources}".strip() for name, sources in directives.items())


def relaxed_styles(view: Callable) -> Callable:
    """Allow inline styles on this view's responses only (third-party pages that inject <style>)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.csp_overrides = {"style-src": "'self' 'unsafe-inline'"}
        return response

    return wrapped


def _is_download(response: HttpResponse) -> bool:
    if isinstance(response, FileResponse | StreamingHttpResponse):
        return True
    return "Content-Disposition" in response or response.get("Content-Type", "").startswith(SPREADSHEET)


def _is_api(request: HttpRequest) -> bool:
    return any(request.path.startswith(prefix) for prefix in settings.SECURITY_NO_STORE_PATHS)


class SecurityHeadersMiddleware:
    """Adds the CSP, `Cache-Control: no-store` where it belongs, and drops any `Server` header.

    Placed after WhiteNoise, so static files keep their long-lived caching.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if CSP_HEADER not in response:
            response[CSP_HEADER] = policy(getattr(response, "csp_overrides", None))
        if _is_api(request) or _is_download(response):
            response["Cache-Control"] = NO_STORE
            response["Pragma"] = "no-cache"  # HTTP/1.0 proxies
            if "Expires" in response:
                del response["Expires"]
        if "Server" in response:
            del response["Server"]
        return response
