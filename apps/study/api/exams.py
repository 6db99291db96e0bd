"""Study API · 学法用法考试: exams (and starting one), the member's own attempts (answering, submitting), the bank.

- `study/exams`: the exams the user sits (published, for their unit); the committee sees every exam.
  `POST …/{id}/start/` starts (201) or resumes (200) the user's attempt.
- `study/attempts`: the user's own attempts only (another member's answers 404). An open attempt shows
  the drawn questions WITHOUT the key; `POST …/{id}/answers/` saves one answer, `POST …/{id}/submit/`
  grades it on the server. A submitted one shows its grade, and the key and explanations once
  `selectors.key_released` allows.
- `study/questions`: the bank, the committee's alone (403 for everyone else); writes through the services.

The same services as the pages; their refusals are 400 (ValidationError) or 403, in Chinese.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.orgs.access import scope_for
from apps.orgs.api_scoping import ScopedRelatedFieldsMixin, ScopeFilterBackend

from .. import permissions as study_permissions
from ..filters.exams import ExamFilter, QuestionFilter
from ..models import Exam, ExamAttempt, KnowledgeItem, Question
from ..selectors import exams as selectors
from ..services import exams as services

# --- the bank ----------------------------------------------------------------------------------------------------


class IsCommittee(permissions.BasePermission):
    message = "题库仅供工委管理员维护。"

    def has_permission(self, request, view):
        return study_permissions.can_configure(scope_for(request.user))


class QuestionSerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    options = serializers.ListField(
        child=serializers.CharField(max_length=services.OPTION_MAX, allow_blank=True),
        max_length=services.MAX_OPTIONS,
        required=False,
        help_text="选项文字，依次为 A、B、C…（2–6 个）；判断题省略（固定为 正确、错误）",
    )
    answer = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=services.MAX_OPTIONS - 1),
        max_length=services.MAX_OPTIONS,
        help_text="正确选项的序号（从 0 开始），如 [1] 或 [0, 2, 3]；判断题 [0] 为正确、[1] 为错误",
    )

    class Meta:
        model = Question
        fields = ["id", *services.QUESTION_FIELDS, "kind_display", "items", "active", "created_at", "updated_at"]
        read_only_fields = ["active", "created_at", "updated_at"]
        extra_kwargs = {"items": {"queryset": KnowledgeItem.objects.filter(active=True), "required": False}}


class QuestionActiveSerializer(serializers.Serializer):
    active = serializers.BooleanField(label="启用")


class QuestionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """题库 (committee only). A question is never deleted: `POST …/{id}/active/` stops (or restarts) it."""

    queryset = Question.objects.prefetch_related("items").order_by("-id")
    serializer_class = QuestionSerializer
    permission_classes = [permissions.IsAuthenticated, IsCommittee]
    filterset_class = QuestionFilter

    def _fields(self, serializer) -> dict:
        return {
            name: serializer.validated_data[name]
            for name in services.QUESTION_FIELDS
            if name in serializer.validated_data
        }

    def perform_create(self, serializer):
        serializer.instance = services.question_create(
            actor=self.request.user, fields=self._fields(serializer), items=serializer.validated_data.get("items")
        )

    def perform_update(self, serializer):
        serializer.instance = services.question_update(
            actor=self.request.user,
            question=serializer.instance,
            fields=self._fields(serializer),
            items=serializer.validated_data.get("items"),
        )

    @extend_schema(request=QuestionActiveSerializer, responses=QuestionSerializer, summary="停用或启用试题")
    @action(detail=True, methods=["post"], filter_backends=[ScopeFilterBackend], pagination_class=None)
    def active(self, request, pk=None):
        question = self.get_object()
        payload = QuestionActiveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.question_set_active(actor=request.user, question=question, active=payload.validated_data["active"])
        question.refresh_from_db()
        return Response(QuestionSerializer(question, context=self.get_serializer_context()).data)


# --- attempts ---------------------------------------------------------------------------------------------------


class DrawnQuestionSerializer(serializers.Serializer):
    """A drawn question. `answer`, `explanation` and `items` appear only once the key is released."""

    id = serializers.IntegerField(source="question.pk")
    number = serializers.IntegerField(label="题号")
    kind = serializers.CharField(source="question.kind", label="题型", help_text="single / multiple / judge")
    stem = serializers.CharField(source="question.stem", label="题干")
    options = serializers.ListField(source="question.options", child=serializers.CharField(), label="选项")
    chosen = serializers.ListField(child=serializers.IntegerField(), label="已选（从 0 开始的序号）")
    correct = serializers.BooleanField(required=False, label="答对（交卷后）")
    points = serializers.DecimalField(max_digits=5, decimal_places=2, required=False, label="得分（交卷后）")
    answer = serializers.ListField(child=serializers.IntegerField(), required=False, label="正确答案（考试结束后）")
    explanation = serializers.CharField(required=False, label="解析（考试结束后）")
    items = serializers.ListField(child=serializers.CharField(), required=False, label="关联应知应会条目")


def drawn_payload(attempt: ExamAttempt, *, now) -> list[dict]:
    """The drawn questions as the API shows them: the key only after submission and once released."""
    submitted = attempt.submitted_at is not None
    released = submitted and selectors.key_released(attempt.exam, now)
    out = []
    for d in selectors.attempt_questions(attempt):
        row = {
            "id": d.question.pk,
            "number": d.number,
            "kind": d.question.kind,
            "stem": d.question.stem,
            "options": list(d.question.options),
            "chosen": d.chosen,
        }
        if submitted:
            row.update(correct=d.correct, points=str(d.points), items=[i.title for i in d.items])
        if released:
            row.update(answer=list(d.question.answer), explanation=d.question.explanation)
        out.append(row)
    return out


class AttemptSerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    exam_title = serializers.CharField(source="exam.title", read_only=True)
    seconds_left = serializers.SerializerMethodField(label="剩余秒数", help_text="未交卷时距交卷截止的秒数")

    class Meta:
        model = ExamAttempt
        fields = [
            "id",
            "exam",
            "exam_title",
            "number",
            "started_at",
            "deadline",
            "seconds_left",
            "submitted_at",
            "score",
            "passed",
        ]
        read_only_fields = fields

    def get_seconds_left(self, obj) -> int | None:
        if obj.submitted_at is not None:
            return None
        return max(int((obj.deadline - timezone.now()).total_seconds()), 0)


class AttemptDetailSerializer(AttemptSerializer):
    questions = serializers.SerializerMethodField(label="抽取的试题（按顺序）")

    class Meta(AttemptSerializer.Meta):
        fields = [*AttemptSerializer.Meta.fields, "questions"]
        read_only_fields = fields

    @extend_schema_field(DrawnQuestionSerializer(many=True))
    def get_questions(self, obj) -> list[dict]:
        return drawn_payload(obj, now=timezone.now())


class AnswerSerializer(serializers.Serializer):
    question = serializers.IntegerField(label="试题 id", min_value=1, max_value=2_147_483_647)
    chosen = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=99),
        max_length=services.MAX_OPTIONS,
        allow_empty=True,
        label="所选选项序号（从 0 开始）",
    )

    def to_input(self) -> services.AnswerInput:
        return services.AnswerInput(
            question_id=self.validated_data["question"], chosen=tuple(self.validated_data["chosen"])
        )


class SubmitSerializer(serializers.Serializer):
    answers = AnswerSerializer(many=True, required=False, label="答案（覆盖已保存的）")


class AttemptViewSet(viewsets.ReadOnlyModelViewSet):
    """The user's own attempts (答卷). Reading an attempt past its deadline closes it on its saved answers."""

    queryset = ExamAttempt.objects.all()  # narrowed to the user's own in get_queryset
    serializer_class = AttemptSerializer

    def get_queryset(self):
        return selectors.own_attempts(self.request.user).select_related("exam").order_by("-started_at", "-id")

    def get_serializer_class(self):
        return AttemptSerializer if self.action == "list" else AttemptDetailSerializer

    def _answer(self, attempt) -> Response:
        attempt = self.get_queryset().get(pk=attempt.pk)
        return Response(AttemptDetailSerializer(attempt, context=self.get_serializer_context()).data)

    def retrieve(self, request, *args, **kwargs):
        attempt = services.attempt_close_if_expired(attempt=self.get_object(), now=timezone.now())
        return self._answer(attempt)

    @extend_schema(request=AnswerSerializer, responses=AttemptDetailSerializer, summary="保存一题的答案")
    @action(detail=True, methods=["post"], filter_backends=[ScopeFilterBackend], pagination_class=None)
    def answers(self, request, pk=None):
        attempt = self.get_object()
        payload = AnswerSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.attempt_answer_save(actor=request.user, attempt=attempt, answer=payload.to_input(), now=timezone.now())
        return self._answer(attempt)

    @extend_schema(
        request=SubmitSerializer,
        responses=AttemptDetailSerializer,
        summary="交卷",
        description="提交答案（可省略，按已保存的答案）并由服务器评分。超过交卷截止时间的提交不被接受（400），"
        "答卷按截止前保存的答案自动交卷。",
    )
    @action(detail=True, methods=["post"], filter_backends=[ScopeFilterBackend], pagination_class=None)
    def submit(self, request, pk=None):
        attempt = self.get_object()
        payload = SubmitSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        answers = [
            services.AnswerInput(question_id=a["question"], chosen=tuple(a["chosen"]))
            for a in payload.validated_data.get("answers", [])
        ]
        services.attempt_submit(actor=request.user, attempt=attempt, answers=answers, now=timezone.now())
        return self._answer(attempt)


# --- exams --------------------------------------------------------------------------------------------------------


class ExamSerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    state = serializers.SerializerMethodField(
        label="状态", help_text="draft 未发布 / upcoming 未开始 / open 进行中 / closed 已结束"
    )
    my_attempts = serializers.SerializerMethodField(label="我的答卷")

    class Meta:
        model = Exam
        fields = ["id", *services.EXAM_FIELDS, "units", "items", "published", "state", "my_attempts"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=["draft", "upcoming", "open", "closed"]))
    def get_state(self, obj) -> str:
        return selectors.exam_state(obj, self.context["now"])

    @extend_schema_field(AttemptSerializer(many=True))
    def get_my_attempts(self, obj) -> list[dict]:
        attempts = self.context["attempts"].get(obj.pk, [])
        return AttemptSerializer(attempts, many=True, context=self.context).data


class ExamViewSet(viewsets.ReadOnlyModelViewSet):
    """The exams the user sits (the committee: every exam), each with the user's attempts."""

    queryset = Exam.objects.all()  # narrowed to the exams the user sits in get_queryset
    serializer_class = ExamSerializer
    filterset_class = ExamFilter

    def get_queryset(self):
        return (
            selectors.targeted_exams(self.request.user).prefetch_related("units", "items").order_by("-opens_at", "-id")
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        attempts: dict[int, list[ExamAttempt]] = {}
        for attempt in selectors.member_attempts(scope_for(self.request.user).member_id):
            attempts.setdefault(attempt.exam_id, []).append(attempt)
        context.update(now=timezone.now(), attempts=attempts)
        return context

    @extend_schema(
        request=None,
        responses={200: AttemptDetailSerializer, 201: AttemptDetailSerializer},
        summary="开始考试",
        description="开始作答（201），或继续未交卷且未超时的答卷（200）。未发布、未开始、已截止、不面向本单位、"
        "已及格或作答次数已用完时 400。",
    )
    @action(detail=True, methods=["post"], filter_backends=[ScopeFilterBackend], pagination_class=None)
    def start(self, request, pk=None):
        exam = self.get_object()
        attempt, created = services.attempt_start(actor=request.user, exam=exam, now=timezone.now())
        attempt = ExamAttempt.objects.select_related("exam").get(pk=attempt.pk)
        data = AttemptDetailSerializer(attempt, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def register(router) -> None:
    router.register("study/exams", ExamViewSet, basename="study-exam")
    router.register("study/attempts", AttemptViewSet, basename="study-attempt")
    router.register("study/questions", QuestionViewSet, basename="study-question")
