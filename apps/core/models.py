"""Shared model pieces: timestamps, notifications, the audit trail (审计日志)."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models

from .fields import BoundedTextField
from .scoping import COMMITTEE_ONLY, ScopePaths


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        abstract = True


class Notification(models.Model):
    """An in-app message (通知) to one user; `dedupe_key` makes a reminder go out only once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField("标题", max_length=200)
    body = BoundedTextField("内容", blank=True, max_length=2000)
    url = models.CharField("链接", max_length=500, blank=True)
    category = models.CharField("类别", max_length=30, blank=True)
    dedupe_key = models.CharField("去重键", max_length=200, null=True, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    emailed_at = models.DateTimeField("邮件发送时间", null=True, blank=True)

    scope_paths = ScopePaths(owner="user")  # nobody reads anyone else's notifications

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "dedupe_key"], name="notification_once_per_key"),
        ]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.title


class AuditQuerySet(models.QuerySet):
    """Entries are never changed or deleted in bulk either; only `audit.purge_expired` removes old ones."""

    def update(self, **kwargs):
        raise PermissionDenied("审计日志不可修改。")

    def delete(self):
        raise PermissionDenied("审计日志不可删除。")

    update.queryset_only = True
    delete.queryset_only = True


class AuditEntry(models.Model):
    """One change of one object (留痕): who, when, from where, what, its unit, before and after. Append-only.

    Written by `apps.core.audit` (signals on the project's models, role grants, bulk paths); `save()` refuses
    to change a written entry, `delete()` refuses always; no page, API or admin writes them. Actor and unit are
    kept as ids and labels at the time (no foreign key), so deleting an account or a unit changes no entry.
    """

    CREATE, UPDATE, DELETE = "create", "update", "delete"
    GRANT, REVOKE = "grant", "revoke"
    ACTIONS = [(CREATE, "新增"), (UPDATE, "修改"), (DELETE, "删除"), (GRANT, "授权"), (REVOKE, "撤销授权")]

    at = models.DateTimeField("时间", db_index=True)
    actor_id = models.BigIntegerField("操作人ID", null=True, blank=True, db_index=True)
    actor_label = models.CharField("操作人", max_length=200, blank=True)
    address = models.GenericIPAddressField("来源地址", null=True, blank=True)
    action = models.CharField("操作", max_length=10, choices=ACTIONS)
    object_type = models.CharField("对象类型", max_length=100, db_index=True)  # app_label.model
    object_type_label = models.CharField("对象类型名称", max_length=100)
    object_id = models.CharField("对象ID", max_length=64, blank=True)
    object_label = models.CharField("对象", max_length=300, blank=True)
    unit_id = models.BigIntegerField("单位ID", null=True, blank=True, db_index=True)
    unit_label = models.CharField("单位", max_length=200, blank=True)
    before = models.JSONField("修改前", null=True, blank=True)
    after = models.JSONField("修改后", null=True, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)

    objects = AuditQuerySet.as_manager()

    scope_paths = COMMITTEE_ONLY  # the committee reads the trail; nobody writes it by hand

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-at", "-id"]
        default_permissions = ("view",)
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.actor_label or '系统'} {self.get_action_display()} {self.object_type_label} {self.object_label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionDenied("审计日志不可修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("审计日志不可删除。")


class JobState(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "进行中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class Job(models.Model):
    """A long import or export run by a Celery worker for one user (我的任务), with its progress and result.

    Written by `apps.core.jobs` only: created by `jobs.start`, then changed with `update()` (progress every few
    hundred rows is nobody's doing and is not audited; the creation is). The file lives in private storage and
    is served by `views_jobs.job_file` to its owner alone; it is removed after `PORTAL_JOB_FILE_DAYS`.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发起人", on_delete=models.CASCADE, related_name="jobs"
    )
    kind = models.CharField("类型", max_length=60)
    title = models.CharField("名称", max_length=200)
    params = models.JSONField("参数", default=dict, blank=True)
    state = models.CharField("状态", max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    done = models.PositiveIntegerField("已处理", default=0)
    total = models.PositiveIntegerField("总数", null=True, blank=True)
    message = models.CharField("说明", max_length=500, blank=True)
    result = models.JSONField("结果", null=True, blank=True)
    file = models.FileField("文件", upload_to="jobs/", max_length=300, blank=True)
    file_name = models.CharField("文件名", max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField("执行次数", default=0)
    created_at = models.DateTimeField("创建时间", auto_now_add=True, db_index=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    scope_paths = ScopePaths(owner="owner")  # a job, its progress and its file are its owner's alone

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("core:job_detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.state in (JobState.QUEUED, JobState.RUNNING)

    @property
    def percent(self) -> int | None:
        """Progress in whole percent, or None while the total is unknown."""
        if self.state == JobState.DONE:
            return 100
        if not self.total:
            return None
        return min(100, self.done * 100 // self.total)


class TrashEntry(models.Model):
    """回收站: one deleted record with every row that cascaded from it, stored so the committee can restore it.

    Written by `apps.core.trash.trash_delete` (the delete services call it), changed only by `trash.restore`
    (which marks it restored and keeps it for the record) and removed only by `trash.purge_expired` after
    PORTAL_TRASH_RETENTION_DAYS. `payload` is Django's JSON serialization of the rows, parents first; `files`
    the stored files they reference (kept on disk until the entry is purged); `relinks` the rows that pointed
    at a deleted row through a SET_NULL key (set back on restore). Like the audit trail, the unit is kept as
    an id and a label (core does not point at orgs).
    """

    kind = models.CharField("记录类型", max_length=100, db_index=True)  # app_label.model of the deleted record
    kind_label = models.CharField("记录类型名称", max_length=100)
    object_id = models.CharField("记录ID", max_length=64)
    object_label = models.CharField("记录", max_length=300)
    unit_id = models.BigIntegerField("单位ID", null=True, blank=True, db_index=True)
    unit_label = models.CharField("单位", max_length=200, blank=True)
    branch_id = models.BigIntegerField("支部ID", null=True, blank=True)
    branch_label = models.CharField("支部", max_length=200, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="删除人", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    deleted_by_label = models.CharField("删除人", max_length=200, blank=True)
    deleted_at = models.DateTimeField("删除时间", db_index=True)
    address = models.GenericIPAddressField("来源地址", null=True, blank=True)
    row_count = models.PositiveIntegerField("行数", default=0)
    payload = BoundedTextField("数据", max_length=50_000_000)  # written by trash_delete (JSON of the rows), never typed
    files = models.JSONField("文件", default=list, blank=True)
    relinks = models.JSONField("关联", default=list, blank=True)
    restored_at = models.DateTimeField("恢复时间", null=True, blank=True)
    restored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="恢复人", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    restored_by_label = models.CharField("恢复人", max_length=200, blank=True)

    scope_paths = COMMITTEE_ONLY  # the committee reads and restores; nobody else sees the trash

    class Meta:
        verbose_name = "回收站记录"
        verbose_name_plural = "回收站"
        ordering = ["-deleted_at", "-id"]
        default_permissions = ("view",)
        indexes = [models.Index(fields=["kind", "object_id"])]

    def __str__(self):
        return f"{self.kind_label} {self.object_label}"

    @property
    def restored(self) -> bool:
        return self.restored_at is not None
