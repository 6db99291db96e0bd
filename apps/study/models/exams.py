"""学法用法考试: the question bank, exams, and each member's attempts with their answers.

The bank (answers included) is the committee's alone (`COMMITTEE_ONLY`): a member reaches a
question only through an attempt's drawn list, which pages and the API show without the key
until the attempt is submitted.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from apps.core.fields import BoundedTextField
from apps.core.models import TimeStampedModel
from apps.core.scoping import COMMITTEE_ONLY, GLOBAL, ScopePaths
from apps.orgs.models import Member, Unit

from .knowledge import KnowledgeItem


class QuestionKind(models.TextChoices):
    SINGLE = "single", "单选题"
    MULTIPLE = "multiple", "多选题"
    JUDGE = "judge", "判断题"


class Question(TimeStampedModel):
    """A question of the bank. `options` is the list of choice texts (判断题: 正确, 错误);
    `answer` the sorted list of the correct options' indexes (0-based)."""

    kind = models.CharField("题型", max_length=10, choices=QuestionKind.choices)
    stem = BoundedTextField("题干", max_length=2000)
    options = models.JSONField("选项", default=list)
    answer = models.JSONField("答案", default=list)
    explanation = models.CharField("解析", max_length=500, blank=True)
    items = models.ManyToManyField(KnowledgeItem, verbose_name="关联应知应会条目", blank=True, related_name="questions")
    active = models.BooleanField("启用", default=True)

    history = HistoricalRecords(m2m_fields=[items])
    scope_paths = COMMITTEE_ONLY

    class Meta:
        verbose_name = "试题"
        verbose_name_plural = "题库"
        ordering = ["id"]

    def __str__(self):
        return self.stem[:40]


class Exam(TimeStampedModel):
    """An exam: a window, a duration the server enforces, a pass mark and a random draw per member."""

    title = models.CharField("考试名称", max_length=100)
    description = models.CharField("考试说明", max_length=500, blank=True)
    opens_at = models.DateTimeField("开始时间")
    closes_at = models.DateTimeField("截止时间")
    duration_minutes = models.PositiveSmallIntegerField(
        "答题时长（分钟）", default=30, validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    question_count = models.PositiveSmallIntegerField(
        "抽题数量", default=10, validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    pass_score = models.DecimalField(
        "及格分（百分制）",
        max_digits=5,
        decimal_places=1,
        default=Decimal("60"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    partial_credit = models.BooleanField("多选题少选得部分分", default=False, help_text="不勾选则多选题全对才得分")
    allow_retake = models.BooleanField("允许补考（重考）", default=False)
    max_attempts = models.PositiveSmallIntegerField(
        "最多作答次数", default=2, validators=[MinValueValidator(1), MaxValueValidator(10)], help_text="允许重考时有效"
    )
    items = models.ManyToManyField(
        KnowledgeItem,
        verbose_name="考查范围（应知应会条目）",
        blank=True,
        related_name="exams",
        help_text="只从关联这些条目的试题中抽题；不选则从整个题库抽题",
    )
    units = models.ManyToManyField(
        Unit, verbose_name="参考单位", blank=True, related_name="exams", help_text="不选则全市党员参考"
    )
    published = models.BooleanField("已发布", default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    history = HistoricalRecords(m2m_fields=[items, units])
    scope_paths = GLOBAL

    class Meta:
        verbose_name = "学法用法考试"
        verbose_name_plural = "学法用法考试"
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="exam_closes_after_opening",
                violation_error_message="截止时间须晚于开始时间。",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("study:exam_detail", args=[self.pk])


class ExamAttempt(models.Model):
    """One member's attempt: the questions drawn for them in their order, the server's deadline, the grade."""

    exam = models.ForeignKey(Exam, verbose_name="考试", on_delete=models.PROTECT, related_name="attempts")
    member = models.ForeignKey(Member, verbose_name="党员", on_delete=models.PROTECT, related_name="exam_attempts")
    number = models.PositiveSmallIntegerField("第几次作答", default=1)
    question_ids = models.JSONField("抽取的试题（按顺序）", default=list)
    started_at = models.DateTimeField("开始作答")
    deadline = models.DateTimeField("交卷截止")
    submitted_at = models.DateTimeField("交卷时间", null=True, blank=True)
    score = models.DecimalField("得分", max_digits=5, decimal_places=1, null=True, blank=True)
    passed = models.BooleanField("及格", default=False)

    scope_paths = ScopePaths(unit="member__branch__unit", branch="member__branch", member="member")

    class Meta:
        verbose_name = "答卷"
        verbose_name_plural = "答卷"
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["exam", "member", "number"], name="examattempt_number_once"),
        ]
        indexes = [models.Index(fields=["member", "exam"])]

    def __str__(self):
        return f"{self.member} · {self.exam}（第{self.number}次）"

    def get_absolute_url(self):
        return reverse("study:attempt_detail", args=[self.pk])


class AttemptAnswer(models.Model):
    """The member's answer to one drawn question, graded on submission."""

    attempt = models.ForeignKey(ExamAttempt, verbose_name="答卷", on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, verbose_name="试题", on_delete=models.PROTECT, related_name="+")
    chosen = models.JSONField("所选", default=list)
    correct = models.BooleanField("正确", default=False)
    points = models.DecimalField("得分", max_digits=5, decimal_places=2, default=Decimal("0"))

    scope_paths = ScopePaths(
        unit="attempt__member__branch__unit", branch="attempt__member__branch", member="attempt__member"
    )

    class Meta:
        verbose_name = "作答"
        verbose_name_plural = "作答"
        constraints = [models.UniqueConstraint(fields=["attempt", "question"], name="attemptanswer_once")]

    def __str__(self):
        return f"{self.attempt} · {self.question_id}"
