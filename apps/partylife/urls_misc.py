"""补学 (make-up) URLs."""

from django.urls import path

from . import views_misc

urlpatterns = [
    path("makeup/", views_misc.makeup_list, name="makeup_list"),
    path("makeup/export/", views_misc.makeup_export, name="makeup_export"),
    path("makeup/<int:pk>/complete/", views_misc.makeup_complete, name="makeup_complete"),
]
