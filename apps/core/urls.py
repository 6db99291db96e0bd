"""Core URLs: the notification centre (通知中心), the audit trail (审计日志) and the trash (回收站)."""

from django.urls import path

from . import views_audit, views_notifications, views_trash

app_name = "core"

urlpatterns = [
    path("notifications/", views_notifications.notification_list, name="notification_list"),
    path("notifications/read/", views_notifications.notification_read, name="notification_read"),
    path("audit/", views_audit.audit_list, name="audit_list"),
    path("audit/export/", views_audit.audit_export, name="audit_export"),
    path("trash/", views_trash.trash_list, name="trash_list"),
    path("trash/<int:pk>/", views_trash.trash_detail, name="trash_detail"),
    path("trash/<int:pk>/restore/", views_trash.trash_restore, name="trash_restore"),
]
