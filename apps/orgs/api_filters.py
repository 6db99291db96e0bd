"""DRF filter backend that applies the user's scope to every list (the default filter)."""

from rest_framework.filters import BaseFilterBackend

from .selectors import scope_for


class ScopeFilterBackend(BaseFilterBackend):
    """Narrow every API queryset to the request user's scope, lists and detail lookups alike.

    A viewset whose model has no `scope_paths` fails loudly (TypeError) rather than leak.
    """

    def filter_queryset(self, request, queryset, view):
        return scope_for(request.user).filter(queryset)
