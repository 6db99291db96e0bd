"""Core URLs: the notification centre (通知中心), my jobs (我的任务), the audit trail (审计日志) and the trash
(回收站)."""

from django.urls import path

from . import views_audit, views_jobs, views_notifications, views_trash

app_name = "core"

urlpatterns = [
    path("notifications/", views_notifications.notification_list, name="notification_list"),
    path("notifications/read/", views_notifications.notification_read, name="notification_read"),
    path("jobs/", views_jobs.job_list, name="job_list"),
    path("jobs/<int:pk>/", views_jobs.job_detail, name="job_detail"),
    path("jobs/<int:pk>/progress/", views_jobs.job_progress, name="job_progress"),
    path("jobs/<int:pk>/file/", views_jobs.job_file, name="job_file"),
    path("audit/", views_audit.audit_list, name="audit_list"),
    path("audit/export/", views_audit.audit_export, name="audit_export"),
    path("trash/", views_trash.trash_list, name="trash_list"),
    path("trash/<int:pk>/", views_trash.trash_detail, name="trash_detail"),
    path("trash/<int:pk>/restore/", views_trash.trash_restore, name="trash_restore"),
]
