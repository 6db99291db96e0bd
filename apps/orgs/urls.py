from django.urls import path

from . import views, views_import

app_name = "orgs"

urlpatterns = [
    path("units/", views.unit_list, name="unit_list"),
    path("units/export/", views.unit_export, name="unit_export"),
    path("units/new/", views.unit_create, name="unit_create"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("branches/", views.branch_list, name="branch_list"),
    path("branches/export/", views.branch_export, name="branch_export"),
    path("branches/new/", views.branch_create, name="branch_create"),
    path("branches/<int:pk>/", views.branch_detail, name="branch_detail"),
    path("branches/<int:pk>/edit/", views.branch_edit, name="branch_edit"),
    path("branches/<int:pk>/groups/new/", views.party_group_create, name="party_group_create"),
    path("groups/<int:pk>/edit/", views.party_group_edit, name="party_group_edit"),
    path("members/", views.member_list, name="member_list"),
    path("members/export/", views.member_export, name="member_export"),
    path("members/new/", views.member_create, name="member_create"),
    path("members/<int:pk>/", views.member_detail, name="member_detail"),
    path("members/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("members/<int:pk>/deactivate/", views.member_deactivate, name="member_deactivate"),
    path("members/<int:pk>/reactivate/", views.member_reactivate, name="member_reactivate"),
    path("import/", views_import.roster_import, name="roster_import"),
    path("import/template.xlsx", views_import.roster_template, name="roster_template"),
    path("accounts/", views.account_list, name="account_list"),
    path("accounts/new/", views.account_create, name="account_create"),
    path("accounts/<int:pk>/", views.account_detail, name="account_detail"),
    path("accounts/<int:pk>/roles/grant/", views.role_grant, name="role_grant"),
    path("accounts/<int:pk>/roles/revoke/", views.role_revoke, name="role_revoke"),
    path("accounts/<int:pk>/active/", views.account_active, name="account_active"),
    path("accounts/<int:pk>/password/", views.account_password, name="account_password"),
]
