"""Admin of API keys: administrators issue (the raw key is shown once) and revoke them."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from accounts import roles
from api import models, services


@admin.register(models.ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "owner", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "owner__username")
    readonly_fields = ("prefix", "created_at", "last_used_at", "revoked_at")
    fields = ("name", "owner", "prefix", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    # Keys are the administrators' (accounts.roles), whatever model permissions a group holds.
    def has_module_permission(self, request):
        return roles.may_manage_api_keys(request.user)

    def has_view_permission(self, request, obj=None):
        return roles.may_manage_api_keys(request.user)

    has_add_permission = has_module_permission

    def has_change_permission(self, request, obj=None):
        return roles.may_manage_api_keys(request.user)

    has_delete_permission = has_change_permission

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        key, raw = services.api_key_issue(name=obj.name, owner=obj.owner, by=request.user)
        obj.pk = key.pk
        obj.refresh_from_db()
        messages.warning(request, _("The key is shown once; store it now: %(key)s") % {"key": raw})

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request, queryset):
        for key in queryset:
            services.api_key_revoke(key=key, by=request.user)
