"""Core URLs: the notification centre (通知中心) and the audit trail (审计日志)."""

from django.urls import path

from . import views_audit, views_notifications

app_name = "core"

urlpatterns = [
    path("notifications/", views_notifications.notification_list, name="notification_list"),
    path("notifications/read/", views_notifications.notification_read, name="notification_read"),
    path("audit/", views_audit.audit_list, name="audit_list"),
    path("audit/export/", views_audit.audit_export, name="audit_export"),
]
