from apps.core import navigation

from .access import scope_for


def scope(request):
    """Put the user's scope in every template, and `nav`: the navbar of their role (apps.core.navigation).

    `nav` is a callable: templates call it, so pages that draw no navbar never build it.
    """
    user = getattr(request, "user", None)
    if user is None:
        return {}
    user_scope = scope_for(user)
    return {"scope": user_scope, "nav": lambda: navigation.menu_for(user_scope.role)}
