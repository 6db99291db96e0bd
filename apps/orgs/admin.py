from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from guardian.admin import GuardedModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from . import lockout
from .models import Branch, HeadcountSnapshot, LoginEvent, Member, PartyGroup, Unit, User
from .views.auth import AdminLoginForm

# The admin login goes through the same lockout and audit as the login page and the API token.
admin.site.login_form = AdminLoginForm


@admin.register(User)
class PortalUserAdmin(UserAdmin, SimpleHistoryAdmin):
    list_display = ("username", "display_name", "is_active", "is_superuser", "last_login", "login_locked")
    fieldsets = (
        *UserAdmin.fieldsets,
        ("安全", {"fields": ("display_name", "phone", "must_change_password", "password_changed_at")}),
    )

    def get_queryset(self, request):
        return lockout.with_lock_status(super().get_queryset(request))

    @admin.display(description="锁定", boolean=True)
    def login_locked(self, obj):
        return obj.login_locked


@admin.register(Unit)
class UnitAdmin(GuardedModelAdmin, SimpleHistoryAdmin):
    list_display = ("name", "short_name", "category", "order", "active")
    list_filter = ("category", "active")
    search_fields = ("name", "short_name")


@admin.register(Branch)
class BranchAdmin(GuardedModelAdmin, SimpleHistoryAdmin):
    list_display = ("name", "unit", "kind", "founded_on", "dissolved_on", "end_reason")
    list_filter = ("kind", "end_reason", "unit__category")
    search_fields = ("name", "unit__name")
    list_select_related = ("unit",)


@admin.register(PartyGroup)
class PartyGroupAdmin(SimpleHistoryAdmin):
    list_display = ("name", "branch", "founded_on", "dissolved_on")
    search_fields = ("name", "branch__name")
    list_select_related = ("branch",)


@admin.register(Member)
class MemberAdmin(SimpleHistoryAdmin):
    list_display = ("name", "branch", "gender", "status", "is_leading_cadre", "is_branch_committee", "active")
    list_filter = ("status", "active", "is_leading_cadre", "is_branch_committee")
    search_fields = ("name", "branch__name", "branch__unit__name")
    list_select_related = ("branch",)
    raw_id_fields = ("branch", "party_group", "user")


@admin.register(HeadcountSnapshot)
class HeadcountSnapshotAdmin(admin.ModelAdmin):
    list_display = ("unit", "date", "members", "probationary", "youth", "leading_cadres", "branches")
    list_filter = ("date",)


@admin.register(LoginEvent)
class LoginEventAdmin(admin.ModelAdmin):
    """Read-only: audit rows cannot be changed or deleted through the admin."""

    list_display = ("at", "username", "success", "reason", "ip")
    list_filter = ("success",)
    search_fields = ("username",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
