"""Template context shared by every page."""

from functools import cache

from .notifications import unread_count


def notifications(request):
    """`unread_count` for the navbar bell: one query, run only when a template shows it, for signed-in users."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def count() -> int:  # templates call callables: the query runs once, and only if rendered
        return unread_count(user)

    return {"unread_count": count}
