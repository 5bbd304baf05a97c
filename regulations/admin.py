from django.contrib import admin

from registry.admin import (
    NOTE_TRANSLATIONS_FIELDSET,
    PROVENANCE_FIELDSET,
    PROVENANCE_FILTERS,
    ProvenanceAdmin,
)
from regulations import models


class RegulationProductInline(admin.TabularInline):
    model = models.RegulationProduct
    extra = 0
    autocomplete_fields = ("product",)
    fields = ("product", "clause", "note", "source", "confidence")


@admin.register(models.Regulation)
class RegulationAdmin(ProvenanceAdmin):
    list_display = (
        "code",
        "title_en",
        "kind",
        "country",
        "union",
        "status",
        "in_force_from",
        "in_force_until",
        "confidence",
    )
    list_filter = ("kind", "status", "union", "country", "topics", *PROVENANCE_FILTERS)
    search_fields = ("slug", "code", "title_en", "title_ru", "title_zh", "adopted_by")
    list_select_related = ("country", "union")
    autocomplete_fields = ("superseded_by",)
    filter_horizontal = ("topics",)
    inlines = [RegulationProductInline]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "slug",
                    "code",
                    "title_en",
                    "title_ru",
                    "title_zh",
                    "title_original_language",
                    "kind",
                    ("country", "union"),
                    "topics",
                    "scope",
                )
            },
        ),
        (
            "Dates and status",
            {
                "fields": (
                    ("adopted_by", "adopted_on", "adopted_on_precision"),
                    ("in_force_from", "in_force_from_precision"),
                    "in_force_until",
                    "status",
                    "superseded_by",
                )
            },
        ),
        PROVENANCE_FIELDSET,
        NOTE_TRANSLATIONS_FIELDSET,
    )


@admin.register(models.Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("slug", "name_en", "name_zh", "name_ru")
    search_fields = ("slug", "name_en", "name_zh", "name_ru")
