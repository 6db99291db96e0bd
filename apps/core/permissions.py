"""The one way a service refuses an actor: a PermissionDenied with a Chinese message (403 on a page, in the API)."""

from django.core.exceptions import PermissionDenied

DENIED = "您没有执行该操作的权限。"


def require(allowed: bool, message: str = DENIED) -> None:
    """Raise PermissionDenied(message) unless `allowed`."""
    if not allowed:
        raise PermissionDenied(message)
