"""Login with the 等保 baseline: lockout after repeated failures (django-axes), every attempt audited.

Every door — the login page, the API token endpoint, the Django admin login — authenticates
through `authenticate_with_lockout`, so AxesStandaloneBackend (first in AUTHENTICATION_BACKENDS)
refuses a locked account or address before any password is checked, and `PortalAxesHandler`
(AXES_HANDLER) counts each failure and writes the LoginEvent of every attempt, in one place.
"""

import ipaddress
from functools import lru_cache

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_lockout_parameters
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.http import HttpResponse

from . import lockout, services
from .models import User

INVALID_LOGIN = "用户名或密码错误。"


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(proxy.strip(), strict=False) for proxy in proxies if proxy.strip())


def _address(value: str | None):
    try:
        return ipaddress.ip_address((value or "").strip())
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client address of the lockout and the login audit (AXES_CLIENT_IP_CALLABLE).

    REMOTE_ADDR, unless it is one of PORTAL_TRUSTED_PROXIES and PORTAL_TRUSTED_PROXY_HEADER is set:
    then the header's addresses are read from the right (the one our proxy appended last) and the
    first that is not itself a trusted proxy is the client. A header from anywhere else, or one
    that is not an address, is ignored.
    """
    remote = _address(request.META.get("REMOTE_ADDR"))
    header = settings.PORTAL_TRUSTED_PROXY_HEADER
    trusted = _networks(tuple(settings.PORTAL_TRUSTED_PROXIES))
    if remote is None:
        return None

    def is_trusted(address) -> bool:
        return any(address.version == net.version and address in net for net in trusted)

    if not header or not is_trusted(remote):
        return str(remote)
    client = remote
    for value in reversed(request.META.get(header, "").split(",")):
        address = _address(value)
        if address is None:
            break  # a forged or garbled entry: stop at the last address a trusted proxy vouched for
        client = address
        if not is_trusted(address):
            break
    return str(client)


class PortalAxesHandler(AxesDatabaseHandler):
    """Axes' database handler, with a client address judged against its own limit, and the login audit."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        """The failures that count toward a lock, on the account's scale.

        Axes compares the largest count of its lockout parameters with one limit
        (AXES_FAILURE_LIMIT); an address's count is scaled so that it reaches that limit at
        PORTAL_LOGIN_MAX_FAILURES_PER_ADDRESS failures (settings.py says why it is higher).
        """
        parameters = get_lockout_parameters(request, credentials)
        worst = 0
        for parameter, attempts in zip(parameters, self.get_user_attempts(request, credentials), strict=True):
            failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            if parameter == "ip_address":
                per_address = lockout.limit(lockout.ADDRESS)
                failures = failures * lockout.limit() // per_address if per_address else 0
            worst = max(worst, failures)
        return worst

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """On a login, forget that account's failures only.

        Axes would also forget every failure from the client's address: behind an office's NAT,
        one good login would wipe what someone there ran up against other accounts.
        """
        return lockout.unlock(username=get_client_username(request, credentials))

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        refused = getattr(request, "axes_locked_out", False)  # the backend refused before any password check
        super().user_login_failed(sender, credentials, request, **kwargs)
        username = get_client_username(request, credentials) or ""
        ip = getattr(request, "axes_ip_address", None)
        reason = ""
        if getattr(request, "axes_locked_out", False):
            request.portal_lockout = lockout.lock_of(username=username, ip=ip)
            what = "地址" if request.portal_lockout and request.portal_lockout[0] == lockout.ADDRESS else "账号"
            reason = f"{what}锁定中" if refused else f"连续失败，{what}锁定"
        if not reason and User.objects.filter(username=username, is_active=False).exists():
            reason = "账号已停用"  # for the audit only: the person is told what a wrong password is told
        services.login_failed(username=username, ip=ip, reason=reason)

    def user_logged_in(self, sender, request, user, **kwargs):
        super().user_logged_in(sender, request, user, **kwargs)
        services.login_succeeded(user=user, ip=request.axes_ip_address)


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """Axes' answer to a refused login (AXES_LOCKOUT_CALLABLE): the door's own, which already says why.

    Only a door that produced no response (axes' decorators) gets a plain 429 in Chinese.
    """
    if original_response is not None:
        return original_response
    return HttpResponse(settings.AXES_COOLOFF_MESSAGE, status=429, content_type="text/plain; charset=utf-8")


def authenticate_with_lockout(request, *, username: str, password: str) -> User:
    """Authenticate, or raise ValidationError with a Chinese message; every attempt is logged.

    A locked account is refused before the password is even checked, so guessing
    during the lockout gains nothing. A username is matched case-insensitively, so
    every spelling of one account counts toward the same lock.
    """
    request = getattr(request, "_request", request)  # a DRF Request: axes marks the HttpRequest beneath
    username = (username or "").strip()
    existing = User.objects.filter(username__iexact=username).first()
    user = authenticate(request, username=existing.username if existing else username, password=password)
    if user is not None:
        return user
    if getattr(request, "axes_locked_out", False):
        lock = getattr(request, "portal_lockout", None)
        message = lockout.locked_message(lock[1], kind=lock[0]) if lock else settings.AXES_COOLOFF_MESSAGE
        raise ValidationError(message, code="locked")
    # A deactivated account answers like a wrong password: the answer never tells whether a name exists.
    raise ValidationError(INVALID_LOGIN, code="invalid_login")
