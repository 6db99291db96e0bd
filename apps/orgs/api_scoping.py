"""The API side of the access layer: scoped querysets, scoped FilterSets, safe search, scoped related fields."""

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions
from rest_framework.filters import BaseFilterBackend, SearchFilter
from rest_framework.relations import ManyRelatedField, RelatedField

from .access import scope_for


class ScopeFilterBackend(BaseFilterBackend):
    """Narrow every API queryset to the request user's scope, lists and detail lookups alike.

    A viewset whose model declares no `scope_paths` fails loudly (TypeError) rather than leak.
    """

    def filter_queryset(self, request, queryset, view):
        return scope_for(request.user).filter(queryset)


class ScopedFilterSetBackend(DjangoFilterBackend):
    """The view's FilterSet (apps.core.filters), its choice filters narrowed to the user's scope; bad input → 400."""

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        if getattr(view, "filterset_class", None) is not None:
            kwargs["scope"] = scope_for(request.user)
        return kwargs


class SafeSearchFilter(SearchFilter):
    """DRF's ?search=, refusing text a database cannot compare (NUL characters) with a 400."""

    def get_search_terms(self, request):
        terms = super().get_search_terms(request)
        if any("\x00" in term for term in terms):
            raise exceptions.ValidationError({"search": ["搜索内容包含无效字符。"]})
        return [term[:100] for term in terms]


class ScopedRelatedFieldsMixin:
    """Serializer mixin: every writable related field only accepts what the request's user sees.

    One place for every serializer of every app: a branch, member or record id from
    another unit is "object does not exist" (400), never a way to probe or to write there.
    Configuration declared GLOBAL (activity types, rules) keeps the serializer's own queryset.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:
            return
        scope = scope_for(request.user)
        for field in self.fields.values():
            relation = field.child_relation if isinstance(field, ManyRelatedField) else field
            if isinstance(relation, RelatedField) and not relation.read_only and relation.queryset is not None:
                relation.queryset = scope.filter(relation.queryset)
