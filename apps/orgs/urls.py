from django.urls import path

from .views import accounts, imports, members, platform, tree

app_name = "orgs"

urlpatterns = [
    path("units/", tree.unit_list, name="unit_list"),
    path("units/export/", tree.unit_export, name="unit_export"),
    path("units/new/", tree.unit_create, name="unit_create"),
    path("units/<int:pk>/", tree.unit_detail, name="unit_detail"),
    path("units/<int:pk>/edit/", tree.unit_edit, name="unit_edit"),
    path("branches/", tree.branch_list, name="branch_list"),
    path("branches/export/", tree.branch_export, name="branch_export"),
    path("branches/new/", tree.branch_create, name="branch_create"),
    path("branches/<int:pk>/", tree.branch_detail, name="branch_detail"),
    path("branches/<int:pk>/edit/", tree.branch_edit, name="branch_edit"),
    path("branches/<int:pk>/dissolve/", tree.branch_dissolve, name="branch_dissolve"),
    path("branches/<int:pk>/groups/new/", tree.party_group_create, name="party_group_create"),
    path("groups/<int:pk>/edit/", tree.party_group_edit, name="party_group_edit"),
    path("groups/<int:pk>/dissolve/", tree.party_group_dissolve, name="party_group_dissolve"),
    path("members/", members.member_list, name="member_list"),
    path("members/export/", members.member_export, name="member_export"),
    path("members/new/", members.member_create, name="member_create"),
    path("members/<int:pk>/", members.member_detail, name="member_detail"),
    path("members/<int:pk>/edit/", members.member_edit, name="member_edit"),
    path("members/<int:pk>/transfer/", members.member_transfer, name="member_transfer"),
    path("members/<int:pk>/deactivate/", members.member_deactivate, name="member_deactivate"),
    path("members/<int:pk>/reactivate/", members.member_reactivate, name="member_reactivate"),
    path("import/", imports.roster_import, name="roster_import"),
    path("import/template.xlsx", imports.roster_template, name="roster_template"),
    path("platform/", platform.platform_settings, name="platform"),
    path("accounts/", accounts.account_list, name="account_list"),
    path("accounts/new/", accounts.account_create, name="account_create"),
    path("accounts/<int:pk>/", accounts.account_detail, name="account_detail"),
    path("accounts/<int:pk>/roles/grant/", accounts.role_grant, name="role_grant"),
    path("accounts/<int:pk>/roles/revoke/", accounts.role_revoke, name="role_revoke"),
    path("accounts/<int:pk>/active/", accounts.account_active, name="account_active"),
    path("accounts/<int:pk>/password/", accounts.account_password, name="account_password"),
]
