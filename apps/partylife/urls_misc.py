"""补学 (make-up) URLs."""

from django.urls import path

from .views import makeup as views

urlpatterns = [
    path("makeup/", views.makeup_list, name="makeup_list"),
    path("makeup/export/", views.makeup_export, name="makeup_export"),
    path("makeup/<int:pk>/complete/", views.makeup_complete, name="makeup_complete"),
]
