"""Admin for administrators: user accounts, their profiles and their roles (accounts.roles)."""

from typing import TYPE_CHECKING

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import roles
from accounts.models import AccountProfile
from accounts.services import account_email_vouch

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

User = get_user_model()


class AccountProfileInline(admin.StackedInline):
    model = AccountProfile
    can_delete = False
    fields = ("language", "is_illustrative")
    readonly_fields = ("is_illustrative",)


def _role_action(role: str, label: "StrOrPromise"):
    @admin.action(description=label)
    def assign(modeladmin, request, queryset):
        for user in queryset:
            roles.role_assign(user=user, role=role, by=request.user)
        count = len(queryset)
        modeladmin.message_user(
            request,
            ngettext("Role given to %(n)d account.", "Role given to %(n)d accounts.", count)
            % {"n": count},
        )

    assign.__name__ = f"make_{role}"
    return assign


class RoleFilter(admin.SimpleListFilter):
    title = _("role")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return [
            (role, roles.ROLE_LABELS[role]) for role in (*roles.GROUP_ROLES, roles.ADMINISTRATOR)
        ]

    def queryset(self, request, queryset):
        role = self.value()
        if role in (*roles.GROUP_ROLES, roles.ADMINISTRATOR):
            return queryset.filter(roles.holders_q(role))
        return queryset


admin.site.unregister(User)


@admin.register(User)
class RegistryUserAdmin(UserAdmin):
    """Django's user admin, for administrators only; roles are given with the actions below, which
    also set staff status as accounts.roles decides (never tick "staff" by hand)."""

    inlines = (AccountProfileInline,)
    list_display = ("username", "email", "role", "is_active", "last_login")
    list_filter = (RoleFilter, "is_active")
    actions = [
        _role_action(roles.TRADER, _("Make trader")),
        _role_action(roles.INSPECTOR, _("Make inspector")),
        _role_action(roles.SENIOR_INSPECTOR, _("Make senior inspector")),
    ]

    @admin.display(description=_("role"))
    def role(self, obj):
        return roles.ROLE_LABELS[roles.main_role(obj)]

    def has_module_permission(self, request):
        return roles.may_manage_users(request.user)

    def has_view_permission(self, request, obj=None):
        return roles.may_manage_users(request.user)

    def has_add_permission(self, request):
        return roles.may_manage_users(request.user)

    def has_change_permission(self, request, obj=None):
        return roles.may_manage_users(request.user)

    def has_delete_permission(self, request, obj=None):
        return roles.may_manage_users(request.user)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        account_email_vouch(obj)  # an administrator vouches for the address they typed
