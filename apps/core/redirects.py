"""Where a page may send the user back to: a `next` URL is followed only if it stays on this site."""

from django.utils.http import url_has_allowed_host_and_scheme


def same_site(request, url: str | None) -> str | None:
    """The URL if it stays on this site (and holds no NUL), else None."""
    if not url or "\x00" in url:
        return None
    safe = url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return url if safe else None
