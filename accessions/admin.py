"""Admin of market access, accessions, regimes and registrations (edits go through the
services, so events and history follow), and the read-only records of the background jobs.

Records with legal or public effect, as each app declares them (registry.review), are edited
by proposal on every app's screens alike: the admin site applies accessions.review_admin to the
screens of every declared model when they are registered (accounts.admin_site), so no app patches
another's. An inspector's save, addition or deletion, inline rows included, becomes a proposal a
senior inspector reviews; only administrators write directly, recorded in the history with their
name.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from accessions import models
from accessions.lists import ACCESS
from accessions.services import expiry
from accessions.services.import_specs import STATES_COLUMN
from registry.admin import (
    NOTE_TRANSLATIONS_FIELDSET,
    PROVENANCE_FIELDSET,
    PROVENANCE_FILTERS,
    ProvenanceAdmin,
)
from registry.errors import DomainError
from registry.provenance import PROVENANCE_FIELDS


def _access_condition_fields() -> tuple[str, ...]:
    """The entry's conditions in its admin form: every column an access list imports
    (accessions.lists.ACCESS, in its order) that the form's other groups and provenance do not
    hold, so a column declared for the list is editable here too."""
    placed = {
        "product",
        "country",
        "status",
        "instrument_kind",
        "instrument_ref",
        "instrument_ref_zh",
        "instrument_ref_ru",
        "instrument_date",
        "instrument_date_precision",
        "protocol_signed_on",
        "protocol_signed_precision",
        "valid_from",
        "valid_from_precision",
        "valid_until",
        STATES_COLUMN,
        *PROVENANCE_FIELDS,
    }
    return tuple(c.name for c in ACCESS.columns if not c.kept and c.name not in placed)


_ACCESS_CONDITION_FIELDS = _access_condition_fields()


@admin.register(models.MarketAccess)
class MarketAccessAdmin(ProvenanceAdmin):
    list_display = (
        "product",
        "country",
        "status",
        "instrument_kind",
        "instrument_ref",
        "valid_from",
        "valid_from_precision",
        "valid_until",
        "confidence",
        "is_illustrative",
    )
    list_filter = (
        "status",
        "country",
        "instrument_kind",
        "product__category",
        "required_site_kind",
        *PROVENANCE_FILTERS,
    )
    search_fields = (
        "product__name_en",
        "product__name_zh",
        "product__name_ru",
        "product__slug",
        "product__hs_code",
        "instrument_ref",
        "country__iso2",
        "country__name_en",
    )
    list_select_related = ("product", "country")
    autocomplete_fields = ("product", "country")
    filter_horizontal = ("allowed_ports",)
    date_hierarchy = "valid_from"
    fieldsets = (
        (None, {"fields": ("product", "country", "status")}),
        (
            _("Instrument"),
            {
                "fields": (
                    "instrument_kind",
                    ("instrument_ref", "instrument_ref_zh", "instrument_ref_ru"),
                    ("instrument_date", "instrument_date_precision"),
                    ("protocol_signed_on", "protocol_signed_precision"),
                )
            },
        ),
        (_("Validity"), {"fields": (("valid_from", "valid_from_precision"), "valid_until")}),
        (_("Conditions"), {"fields": _ACCESS_CONDITION_FIELDS}),
        PROVENANCE_FIELDSET,
    )


class AccessionStageInline(admin.TabularInline):
    model = models.AccessionStage
    extra = 0
    fields = ("stage", "occurred_on", "occurred_on_precision", "source", "confidence")


@admin.register(models.AccessState)
class AccessStateAdmin(ProvenanceAdmin):
    """The legal states recorded on their own: suspensions (whole, or of all but the zones in
    "only for"), restorations, revocations and ends. The protocol, start and end of an entry
    are edited on the entry (its own dates, written into the series on save)."""

    list_display = ("market_access", "kind", "starts_on", "starts_on_precision", "confidence")
    list_filter = ("kind", "market_access__country", *PROVENANCE_FILTERS)
    search_fields = (
        "market_access__product__name_en",
        "market_access__product__slug",
        "market_access__country__iso2",
        "instrument_ref",
    )
    list_select_related = ("market_access__product", "market_access__country")
    autocomplete_fields = ("market_access",)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "market_access",
                    "kind",
                    ("starts_on", "starts_on_precision"),
                    "limited_to",
                    ("instrument_kind", "instrument_ref"),
                    ("instrument_ref_zh", "instrument_ref_ru"),
                    "note_written_on",
                )
            },
        ),
        PROVENANCE_FIELDSET,
        NOTE_TRANSLATIONS_FIELDSET,
    )

    def get_queryset(self, request):
        return super().get_queryset(request).filter(origin=models.StateOrigin.RECORDED)


@admin.register(models.Accession)
class AccessionAdmin(ProvenanceAdmin):
    list_display = ("market_access", "year", "event", "basis", "confidence")
    list_filter = ("year", "basis", "event", *PROVENANCE_FILTERS)
    search_fields = ("market_access__product__name_en", "market_access__country__iso2")
    list_select_related = ("market_access__product", "market_access__country", "event")
    autocomplete_fields = ("market_access",)
    inlines = [AccessionStageInline]
    fieldsets = (
        (None, {"fields": ("market_access", "year", "event", "basis")}),
        PROVENANCE_FIELDSET,
        NOTE_TRANSLATIONS_FIELDSET,
    )


@admin.register(models.DiplomaticEvent)
class DiplomaticEventAdmin(admin.ModelAdmin):
    list_display = ("slug", "name_en", "starts_on", "ends_on", "place", "confidence")
    search_fields = ("slug", "name_en", "name_zh", "name_ru", "place")


@admin.register(models.RegistrationRegime)
class RegistrationRegimeAdmin(ProvenanceAdmin):
    list_display = (
        "code",
        "name_en",
        "valid_from",
        "valid_until",
        "validity_years",
        "window_min_months",
        "window_max_months",
        "auto_extend",
        "confidence",
    )
    search_fields = ("code", "name_en", "name_zh", "name_ru")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "code",
                    "name_en",
                    "name_zh",
                    "name_ru",
                    "issued_on",
                    ("valid_from", "valid_until"),
                )
            },
        ),
        (
            _("Rules"),
            {
                "fields": (
                    "validity_years",
                    ("window_max_months", "window_min_months"),
                    ("auto_extend", "auto_extend_years"),
                    "exclusions",
                )
            },
        ),
        PROVENANCE_FIELDSET,
    )


@admin.register(models.EstablishmentRegistration)
class EstablishmentRegistrationAdmin(ProvenanceAdmin):
    list_display = (
        "registration_number",
        "name",
        "country",
        "status",
        "registered_on",
        "valid_until",
        "extended_until",
        "regime",
        "is_illustrative",
    )
    list_filter = ("status", "country", "regime", *PROVENANCE_FILTERS)
    search_fields = ("registration_number", "name")
    list_select_related = ("country", "regime")
    autocomplete_fields = ("products", "country")
    date_hierarchy = "valid_until"
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "registration_number",
                    "name",
                    "country",
                    "products",
                    ("status", "stopped_on"),
                    "regime",
                )
            },
        ),
        (
            _("Validity"),
            {"fields": (("registered_on", "valid_until"), ("extended_until", "extension_basis"))},
        ),
        PROVENANCE_FIELDSET,
    )


# Alerts, subscriptions, the outbox and deliveries.


# --- The background jobs' records: alerts and the outbox (read-only) ----------------------


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(models.Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = (
        "kind",
        "threshold_days",
        "due_on",
        "registration",
        "market_access",
        "raised_on",
        "acknowledged_at",
        "acknowledged_by",
    )
    list_filter = ("kind", "threshold_days", ("acknowledged_at", admin.EmptyFieldListFilter))
    list_select_related = (
        "registration",
        "market_access__product",
        "market_access__country",
        "acknowledged_by",
    )
    search_fields = ("registration__registration_number", "market_access__product__slug")
    date_hierarchy = "due_on"
    actions = ["acknowledge"]

    @admin.action(description=_("Acknowledge the selected alerts"))
    def acknowledge(self, request, queryset):
        try:
            for alert_id in queryset.filter(acknowledged_at__isnull=True).values_list(
                "pk", flat=True
            ):
                expiry.alert_acknowledge(alert_id=alert_id, by=request.user)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)


@admin.register(models.OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "kind",
        "occurred_on",
        "registration",
        "market_access",
        "status_from",
        "status_to",
        "fanned_out_at",
    )
    list_filter = ("kind", ("fanned_out_at", admin.EmptyFieldListFilter))
    list_select_related = ("registration", "market_access__product", "market_access__country")


# --- Proposals and imports: read-only here; they are reviewed on the site's proposal pages -------


@admin.register(models.Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    list_display = ("id", "action", "content_type", "object_repr", "state", "author", "reviewer")
    list_filter = ("state", "action", "content_type")
    list_select_related = ("content_type", "author", "reviewer")
    search_fields = ("object_repr", "comment", "review_comment")
    date_hierarchy = "created_at"

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.ProposalBatch)
class ProposalBatchAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "file_name", "state", "author", "reviewer", "created_at")
    list_filter = ("state", "kind")
    list_select_related = ("author", "reviewer")

    def has_delete_permission(self, request, obj=None):
        return False
