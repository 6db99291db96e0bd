"""Notification centre URLs (通知中心)."""

from django.urls import path

from . import views_notifications

app_name = "core"

urlpatterns = [
    path("", views_notifications.notification_list, name="notification_list"),
    path("read/", views_notifications.notification_read, name="notification_read"),
]
