"""Admin for inspectors: every catalogue record, with provenance and read-only history (the
accounts' admin is accounts.admin)."""

from typing import TYPE_CHECKING

from django.contrib import admin
from django.db import models as db_models
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from pghistory.admin import EventsAdmin

from registry import models
from registry.history import history_supported
from registry.provenance import NOTE_TRANSLATION_FIELDS, PROVENANCE_FIELDS
from registry.services import product_search_keys_refresh

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldOpts
    from django_stubs_ext import StrOrPromise

PROVENANCE_FIELDSET: "tuple[StrOrPromise, _FieldOpts]" = (
    _("Provenance"),
    {"fields": PROVENANCE_FIELDS},
)
# The public note in Chinese and Russian, and which of them the registry translated (issue 22).
NOTE_TRANSLATIONS_FIELDSET: "tuple[StrOrPromise, _FieldOpts]" = (
    _("Public note in Chinese and Russian"),
    {"fields": NOTE_TRANSLATION_FIELDS},
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


class CountryAliasInline(admin.TabularInline):
    model = models.CountryAlias
    extra = 0
    fields = ("alias", "language", "source", "source_url", "confidence")


@admin.register(models.Country)
class CountryAdmin(ProvenanceAdmin):
    list_display = ("iso2", "iso3", "name_en", "name_zh", "name_ru", "region", "confidence")
    list_filter = ("region", *PROVENANCE_FILTERS)
    search_fields = ("iso2", "iso3", "name_en", "name_zh", "name_ru")
    inlines = [UnionMembershipInline, CountryAliasInline]
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


class ProductKindInline(admin.StackedInline):
    """The named kinds a product covers (issue 24); their aliases are edited on the kind."""

    model = models.ProductKind
    extra = 0
    fields = ("slug", "position", "name_en", "name_zh", "name_ru", "hs_code", *PROVENANCE_FIELDS)


class ProductKindAliasInline(admin.TabularInline):
    model = models.ProductKindAlias
    extra = 1


@admin.register(models.ProductKind)
class ProductKindAdmin(ProvenanceAdmin):
    list_display = ("product", "slug", "name_en", "name_zh", "name_ru", "hs_code", "confidence")
    list_filter = ("product", *PROVENANCE_FILTERS)
    search_fields = ("slug", "name_en", "name_zh", "name_ru", "aliases__alias")
    inlines = [ProductKindAliasInline]
    fieldsets = (
        (None, {"fields": ("product", "slug", "position", "name_en", "name_zh", "name_ru")}),
        (_("HS code"), {"fields": ("hs_code",)}),
        PROVENANCE_FIELDSET,
    )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # A kind's names and aliases find its covering product.
        product_search_keys_refresh(products=[form.instance.product])


@admin.register(models.HsHeading)
class HsHeadingAdmin(ProvenanceAdmin):
    list_display = ("code", "name_en", "name_zh", "name_ru", "confidence")
    search_fields = ("code", "name_en", "name_zh", "name_ru")
    fieldsets = ((None, {"fields": ("code", "name_en", "name_zh", "name_ru")}), PROVENANCE_FIELDSET)


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
    inlines = [ProductAliasInline, ProductKindInline]
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
                    "green_channel_source_zh",
                    "green_channel_source_ru",
                    "green_channel_confidence",
                )
            },
        ),
        PROVENANCE_FIELDSET,
        NOTE_TRANSLATIONS_FIELDSET,
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
        NOTE_TRANSLATIONS_FIELDSET,
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


@admin.register(models.CoverageGap)
class CoverageGapAdmin(ProvenanceAdmin):
    list_display = ("country", "category", "name_en", "reported_on", "confidence")
    list_filter = ("country", "category", *PROVENANCE_FILTERS)
    search_fields = ("name_en", "name_zh", "name_ru", "source")
    fieldsets = (
        (None, {"fields": ("country", "category", "name_en", "name_zh", "name_ru")}),
        (None, {"fields": ("reported_on", "reported_on_precision", "reason", "reason_zh")}),
        (None, {"fields": ("reason_ru", "translated_by_registry")}),
        PROVENANCE_FIELDSET,
    )


class HistoryEventsAdmin(EventsAdmin):
    """pghistory's events page (settings.PGHISTORY_ADMIN_CLASS). History is recorded by
    PostgreSQL triggers; on the embedded SQLite database the page says so instead of failing."""

    def changelist_view(self, request, extra_context=None):
        if not history_supported():
            context = {**self.admin_site.each_context(request), "title": _("History")}
            return TemplateResponse(request, "admin/history_unavailable.html", context)
        return super().changelist_view(request, extra_context)
