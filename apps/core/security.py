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
- No `Server` header from the application (gunicorn, docker/gunicorn.conf.py, sends only its name,
  never its version; runserver's `WSGIServer/… CPython/…` is development only).

Third-party pages live under the same policy: /api/docs/ is Swagger UI's split view with its inline
style block moved to static/css/swagger_ui.css (organ_portal/api_urls.py); ECharts tooltips render in
the canvas (`renderMode: "richText"`), as its HTML tooltips carry style= attributes.
"""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse

CSP_HEADER = "Content-Security-Policy"
SPREADSHEET = "application/vnd.openxmlformats"
NO_STORE = "no-store, private"  # private: no shared cache either, whatever it makes of no-store


def policy() -> str:
    """The policy text of settings.CONTENT_SECURITY_POLICY (directive → sources)."""
    return "; ".join(f"{name} {sources}".strip() for name, sources in settings.CONTENT_SECURITY_POLICY.items())


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
            response[CSP_HEADER] = policy()
        if _is_api(request) or _is_download(response):
            response["Cache-Control"] = NO_STORE
            response["Pragma"] = "no-cache"  # HTTP/1.0 proxies
            if "Expires" in response:
                del response["Expires"]
        if "Server" in response:
            del response["Server"]
        return response
