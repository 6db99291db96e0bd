"""List filters of 学法用法考试 (筛选): the bank, the exams, an exam's results; shared by pages, exports and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone

from apps.core.filters import FilterSet, SearchFilter
from apps.orgs.models import Branch, Unit

from ..models import Exam, KnowledgeItem, Question, QuestionKind

ACTIVE_CHOICES = [("1", "启用"), ("0", "已停用")]
EXAM_STATE_CHOICES = [("draft", "未发布"), ("upcoming", "未开始"), ("open", "进行中"), ("closed", "已结束")]
RESULT_CHOICES = [("passed", "及格"), ("failed", "不及格"), ("absent", "未参考")]


class QuestionFilter(FilterSet):
    q = SearchFilter("stem", "explanation", label="搜索题干")
    kind = django_filters.ChoiceFilter(label="题型", choices=QuestionKind.choices)
    item = django_filters.ModelChoiceFilter(
        label="应知应会条目",
        field_name="items",
        queryset=KnowledgeItem.objects.order_by("category", "order", "id"),
        distinct=True,  # a to-many relation: each question once
    )
    active = django_filters.TypedChoiceFilter(
        label="状态", choices=ACTIVE_CHOICES, coerce=lambda v: v == "1", empty_value=None
    )

    class Meta:
        model = Question
        fields = ["q", "kind", "item", "active"]


class ExamFilter(FilterSet):
    q = SearchFilter("title", "description", label="搜索考试")
    state = django_filters.ChoiceFilter(label="状态", choices=EXAM_STATE_CHOICES, method="filter_state")

    class Meta:
        model = Exam
        fields = ["q", "state"]

    def filter_state(self, queryset, name, value):
        now = timezone.now()
        conditions = {
            "draft": Q(published=False),
            "upcoming": Q(published=True, opens_at__gt=now),
            "open": Q(published=True, opens_at__lte=now, closes_at__gt=now),
            "closed": Q(published=True, closes_at__lte=now),
        }
        return queryset.filter(conditions[value])


class ResultFilter(FilterSet):
    """Filters of an exam's results: rows are the targeted members' memberships on the exam's reference day."""

    q = SearchFilter("member__name", label="搜索姓名")
    unit = django_filters.ModelChoiceFilter(label="单位", field_name="branch__unit", queryset=Unit.objects.all())
    branch = django_filters.ModelChoiceFilter(label="支部", field_name="branch", queryset=Branch.objects.all())
    result = django_filters.ChoiceFilter(label="结果", choices=RESULT_CHOICES, method="filter_result")

    def filter_result(self, queryset, name, value):
        if value == "passed":
            return queryset.filter(passed=True)
        if value == "failed":
            return queryset.filter(taken=True, passed=False)
        return queryset.filter(taken=False)
