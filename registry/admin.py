"""Admin for inspectors: every catalogue record, with provenance and read-only history."""

from typing import TYPE_CHECKING

from django.contrib import admin
from django.db import models as db_models
from django.utils.translation import gettext_lazy as _

from registry import models
from registry.common import PROVENANCE_FIELDS

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
