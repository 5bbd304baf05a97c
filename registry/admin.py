"""Admin for inspectors: every catalogue record, with provenance and read-only history; and for
administrators: user accounts and their roles."""

from typing import TYPE_CHECKING

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import models as db_models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from registry import models, roles
from registry.accounts import account_email_vouch
from registry.common import PROVENANCE_FIELDS
from registry.services import product_search_keys_refresh

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldOpts
    from django_stubs_ext import StrOrPromise

PROVENANCE_FIELDSET: "tuple[StrOrPromise, _FieldOpts]" = (
    _("Provenance"),
    {"fields": PROVENANCE_FIELDS},
)
PROVENANCE_FILTERS = ("confidence", "is_illustrative")


class ProvenanceAdmin(admin.ModelAdmin):
    """Shared behaviour: provenance fields in their own fieldset, filterable everywhere."""

    save_on_top = True
    list_per_page = 50
    formfield_overrides = {db_models.URLField: {"assume_scheme": "https"}}


class UnionMembershipInline(admin.TabularInline):
    model = models.UnionMembership
    extra = 0
    fields = (
        "union",
        "role",
        "binding",
        "valid_from",
        "valid_from_precision",
        "valid_until",
        "source",
        "confidence",
    )


@admin.register(models.Country)
class CountryAdmin(ProvenanceAdmin):
    list_display = ("iso2", "iso3", "name_en", "name_zh", "name_ru", "region", "confidence")
    list_filter = ("region", *PROVENANCE_FILTERS)
    search_fields = ("iso2", "iso3", "name_en", "name_zh", "name_ru")
    inlines = [UnionMembershipInline]
    fieldsets = (
        (None, {"fields": ("iso2", "iso3", "name_en", "name_zh", "name_ru", "region")}),
        PROVENANCE_FIELDSET,
    )


@admin.register(models.Union)
class UnionAdmin(ProvenanceAdmin):
    list_display = ("code", "name_en", "kind", "confidence")
    list_filter = ("kind",)
    search_fields = ("code", "name_en", "name_zh", "name_ru")
    fieldsets = (
        (None, {"fields": ("code", "name_en", "name_zh", "name_ru", "kind")}),
        PROVENANCE_FIELDSET,
    )


class ProductAliasInline(admin.TabularInline):
    model = models.ProductAlias
    extra = 1


@admin.register(models.Product)
class ProductAdmin(ProvenanceAdmin):
    list_display = (
        "slug",
        "name_en",
        "name_zh",
        "name_ru",
        "hs_code",
        "hs_basis",
        "category",
        "origin_type",
        "confidence",
    )
    list_filter = ("category", "origin_type", "hs_basis", *PROVENANCE_FILTERS)
    search_fields = ("slug", "name_en", "name_zh", "name_ru", "hs_code", "aliases__alias")
    prepopulated_fields = {"slug": ("name_en",)}
    inlines = [ProductAliasInline]
    fieldsets = (
        (None, {"fields": ("slug", "name_en", "name_zh", "name_ru", "category", "origin_type")}),
        (_("HS code"), {"fields": ("hs_code", "hs_basis")}),
        PROVENANCE_FIELDSET,
    )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The names and aliases just saved are what the resolver finds the product by.
        product_search_keys_refresh(products=[form.instance])


class PortRegimeInline(admin.TabularInline):
    model = models.PortRegime
    extra = 0
    fields = (
        "regime",
        "is_pilot",
        "valid_from",
        "valid_from_precision",
        "valid_until",
        "source",
        "confidence",
    )


class SupervisionSiteInline(admin.TabularInline):
    model = models.SupervisionSite
    extra = 0
    fields = ("kind", "valid_from", "valid_from_precision", "valid_until", "source", "confidence")


@admin.register(models.Port)
class PortAdmin(ProvenanceAdmin):
    list_display = (
        "code",
        "name_en",
        "name_zh",
        "facing_country",
        "counterpart_port",
        "road",
        "rail",
        "green_channel_since",
        "confidence",
    )
    list_filter = ("facing_country", "road", "rail", *PROVENANCE_FILTERS)
    search_fields = ("code", "name_en", "name_pinyin", "name_zh", "name_ru", "counterpart_port")
    list_select_related = ("facing_country",)
    inlines = [PortRegimeInline, SupervisionSiteInline]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "code",
                    "name_en",
                    "name_pinyin",
                    "name_zh",
                    "name_ru",
                    "facing_country",
                    "counterpart_port",
                    ("road", "rail", "air"),
                    "location",
                )
            },
        ),
        (
            _("Green channel"),
            {
                "fields": (
                    "green_channel_since",
                    "green_channel_precision",
                    "green_channel_source",
                    "green_channel_confidence",
                )
            },
        ),
        PROVENANCE_FIELDSET,
    )


@admin.register(models.ReportedFigure)
class ReportedFigureAdmin(ProvenanceAdmin):
    list_display = ("key", "metric", "country", "qualifier", "value", "as_of", "confidence")
    list_filter = ("metric", "country", *PROVENANCE_FILTERS)
    search_fields = ("key", "label_en", "label_zh", "label_ru", "source")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "key",
                    "metric",
                    "country",
                    "qualifier",
                    "value",
                    "as_of",
                    "as_of_precision",
                    "label_en",
                    "label_zh",
                    "label_ru",
                )
            },
        ),
        PROVENANCE_FIELDSET,
    )


@admin.register(models.ReportedSiteCount)
class ReportedSiteCountAdmin(ProvenanceAdmin):
    list_display = ("kind", "area", "ports_reported", "as_of", "confidence")
    list_filter = ("kind", *PROVENANCE_FILTERS)
    search_fields = ("area", "source")
    fieldsets = (
        (None, {"fields": ("kind", "area", "ports_reported", "as_of", "as_of_precision")}),
        PROVENANCE_FIELDSET,
    )


# --- Accounts: administrators manage users and their roles (registry.roles) ---------------------

User = get_user_model()


class AccountProfileInline(admin.StackedInline):
    model = models.AccountProfile
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
        if self.value() == roles.ADMINISTRATOR:
            return queryset.filter(is_superuser=True)
        if self.value() in roles.GROUP_ROLES:
            return queryset.filter(groups__name=self.value())
        return queryset


admin.site.unregister(User)


@admin.register(User)
class RegistryUserAdmin(UserAdmin):
    """Django's user admin, for administrators only; roles are given with the actions below, which
    also set staff status as registry.roles decides (never tick "staff" by hand)."""

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
