from .access import scope_for


def scope(request):
    """Put the user's scope in every template, so navigation follows the role."""
    user = getattr(request, "user", None)
    return {"scope": scope_for(user)} if user is not None else {}
