"""List filters (筛选) written once: django-filter FilterSets shared by the HTML pages and the API.

Every list's parameters are parsed here and nowhere else: ids, choices, dates and
search text go through Django form fields, so `?branch=²`, `?q=%00` or a date with a
bad UTC offset is a clear Chinese message, never a 500: the API answers 400 with it;
a page shows it beside the list and applies the parameters that were valid.

A FilterSet is used inside a selector (HackSoft's `user_list(*, filters)`):

    def member_filter(*, user, filters=None) -> MemberFilter:
        scope = scope_for(user)
        return MemberFilter(filters, scope.members(), scope=scope)

    def member_list(*, user, filters=None) -> QuerySet[Member]:
        return member_filter(user=user, filters=filters).qs

(a page takes the FilterSet, for its rows and its `messages()`; an export takes the
list), and by the API through the scoped filter backend (`filterset_class = MemberFilter`).
Choice filters over org nodes or records are narrowed to what the user sees
(`scope.filter`), so an id from another unit is "not a valid choice", not a probe.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

__all__ = ["FilterSet", "SearchFilter"]


class FilterSet(django_filters.FilterSet):
    """A FilterSet whose model-choice filters show only what `scope` may see.

    `.qs` applies the valid parameters (django-filter drops invalid ones); `messages()`
    names each invalid one in Chinese, for the page to show ("…（已忽略该条件）").
    """

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, scope=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.scope = scope
        if scope is not None:
            for filter_ in self.filters.values():
                queryset = getattr(filter_, "queryset", None)
                if isinstance(queryset, QuerySet):
                    filter_.queryset = scope.filter(queryset)

    def messages(self) -> list[str]:
        """One line per bad parameter: “单位：选择一个有效的选项…”; empty when all were valid."""
        if not self.is_bound or self.is_valid():
            return []
        lines = []
        for name, errors in self.form.errors.items():
            field = self.form.fields.get(name)
            label = str(field.label) if field is not None and field.label else name
            lines.extend(f"{label}：{error}" for error in errors)
        return lines


class SearchFilter(django_filters.CharFilter):
    """Free-text search over several fields (icontains, OR'ed); NUL characters are refused by the form field."""

    def __init__(self, *fields: str, max_length: int = 100, **kwargs):
        kwargs.setdefault("label", "搜索")
        super().__init__(max_length=max_length, **kwargs)
        self.search_fields = fields

    def filter(self, qs, value):
        value = (value or "").strip()
        if not value:
            return qs
        condition = Q()
        for name in self.search_fields:
            condition |= Q(**{f"{name}__icontains": value})
        return qs.filter(condition)
