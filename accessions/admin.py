"""Admin of market access, accessions, regimes and registrations (edits go through the
services, so events and history follow), and the read-only records of the background jobs.

Records with legal effect (accessions.services.proposals.LEGAL_MODELS) are edited here by
proposal: an inspector's save, addition or deletion, inline rows included, becomes a proposal a
senior inspector reviews; only administrators write directly, recorded in the history with their
name. The ports and regulations screens, registered by their own apps, get the same behaviour here
(this app may import theirs, not the other way round).
"""

from typing import Any

from django.contrib import admin, messages
from django.forms import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accessions import models
from accessions.services import expiry, proposals
from accounts import roles
from registry import models as registry_models
from registry.admin import PROVENANCE_FIELDSET, PROVENANCE_FILTERS, ProvenanceAdmin
from registry.errors import DomainError
from registry.history import history_context
from regulations import models as regulations_models


def _links(form: Any, model: type) -> dict[str, Any]:
    names = {f.name for f in proposals._link_fields(model)}
    return {name: list(value) for name, value in form.cleaned_data.items() if name in names}


class ProposalAdminMixin:
    """Saves, additions and deletions by inspectors become proposals; administrators write
    directly (recorded). The admin's own change log records only what was written."""

    def _direct(self, request) -> bool:
        return roles.may_write_directly(request.user)

    def get_actions(self, request):
        # The bulk delete reports "deleted"; for proposers a deletion is one record at a time.
        actions = super().get_actions(request)  # type: ignore[misc]
        if not self._direct(request):
            actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        # Whoever may propose may ask for a deletion: for them it is a proposal, not a delete.
        if roles.may_propose(request.user):
            return True
        return super().has_delete_permission(request, obj)  # type: ignore[misc]

    def _proposed(self, request, made: list | None = None, error: str = "") -> None:
        request._registry_proposals = [*getattr(request, "_registry_proposals", []), *(made or [])]
        if error:
            request._registry_proposal_errors = [
                *getattr(request, "_registry_proposal_errors", []),
                error,
            ]

    def save_model(self, request, obj, form, change):
        if self._direct(request):
            proposals.record_direct_write(obj=obj, by=request.user, links=_links(form, type(obj)))
            return
        original = type(obj)._default_manager.get(pk=obj.pk) if change else None
        try:
            made = proposals.proposal_from_edit(
                original=original, edited=obj, by=request.user, links=_links(form, type(obj))
            )
        except DomainError as exc:
            if exc.code != "no_change":
                self._proposed(request, error=exc.message)
            self._proposed(request)
            return
        self._proposed(request, [made])

    def save_related(self, request, form, formsets, change):
        if self._direct(request):
            with history_context(user=request.user.pk, direct=True):
                super().save_related(request, form, formsets, change)  # type: ignore[misc]
            return
        for formset in formsets:
            self._propose_formset(request, formset, parent_exists=change)

    def _propose_formset(self, request, formset: BaseInlineFormSet, *, parent_exists: bool):
        model: Any = formset.model
        if not proposals.is_legal_model(model):
            return
        edited = formset.save(commit=False)
        for obj in formset.deleted_objects:
            self._propose(request, model=model, action="delete", target=obj)
        for obj in edited:
            if obj.pk is None and not parent_exists:
                self._proposed(
                    request,
                    error=gettext_now(
                        "Rows of a new record are proposed once the record is published."
                    ),
                )
                continue
            original = model._default_manager.get(pk=obj.pk) if obj.pk else None
            try:
                made = proposals.proposal_from_edit(original=original, edited=obj, by=request.user)
            except DomainError as exc:
                if exc.code != "no_change":
                    self._proposed(request, error=exc.message)
                continue
            self._proposed(request, [made])

    def _propose(self, request, **kwargs) -> None:
        try:
            made = proposals.proposal_create(by=request.user, **kwargs)
        except DomainError as exc:
            self._proposed(request, error=exc.message)
            return
        self._proposed(request, [made])

    def delete_model(self, request, obj):
        if self._direct(request):
            proposals.record_direct_write(obj=obj, by=request.user, delete=True)
            return
        self._propose(request, model=type(obj), action="delete", target=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    def log_addition(self, request, obj, message):
        if self._direct(request):
            return super().log_addition(request, obj, message)  # type: ignore[misc]
        return None

    def log_change(self, request, obj, message):
        if self._direct(request):
            return super().log_change(request, obj, message)  # type: ignore[misc]
        return None

    def log_deletions(self, request, queryset):
        if self._direct(request):
            return super().log_deletions(request, queryset)  # type: ignore[misc]
        return None

    def _after_proposal(self, request):
        for error in getattr(request, "_registry_proposal_errors", []):
            self.message_user(request, error, messages.ERROR)  # type: ignore[attr-defined]
        made = getattr(request, "_registry_proposals", [])
        if made:
            count = len(made)
            self.message_user(  # type: ignore[attr-defined]
                request,
                ngettext(
                    "Your change was saved as a proposal; it takes effect when a senior "
                    "inspector publishes it.",
                    "Your changes were saved as %(count)s proposals; they take effect when a "
                    "senior inspector publishes them.",
                    count,
                )
                % {"count": count},
                messages.SUCCESS,
            )
        elif not getattr(request, "_registry_proposal_errors", []):
            self.message_user(  # type: ignore[attr-defined]
                request, gettext_now("Nothing was changed."), messages.INFO
            )
        opts = self.model._meta  # type: ignore[attr-defined]
        if len(made) == 1:
            return HttpResponseRedirect(reverse("proposal-detail", args=[made[0].pk]))
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))

    def response_add(self, request, obj, post_url_continue=None):
        if self._direct(request):
            return super().response_add(request, obj, post_url_continue)  # type: ignore[misc]
        return self._after_proposal(request)

    def response_change(self, request, obj):
        if self._direct(request):
            return super().response_change(request, obj)  # type: ignore[misc]
        return self._after_proposal(request)

    def response_delete(self, request, obj_display, obj_id):
        if self._direct(request):
            return super().response_delete(request, obj_display, obj_id)  # type: ignore[misc]
        return self._after_proposal(request)


@admin.register(models.MarketAccess)
class MarketAccessAdmin(ProposalAdminMixin, ProvenanceAdmin):
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
                    "instrument_ref",
                    ("instrument_date", "instrument_date_precision"),
                    ("protocol_signed_on", "protocol_signed_precision"),
                )
            },
        ),
        (_("Validity"), {"fields": (("valid_from", "valid_from_precision"), "valid_until")}),
        (
            _("Conditions"),
            {
                "fields": (
                    "requires_registered_establishments",
                    "required_site_kind",
                    "allowed_ports",
                    "treatment",
                    "pest_free_areas",
                    "conditions",
                )
            },
        ),
        PROVENANCE_FIELDSET,
    )


class AccessionStageInline(admin.TabularInline):
    model = models.AccessionStage
    extra = 0
    fields = ("stage", "occurred_on", "occurred_on_precision", "source", "confidence")


@admin.register(models.AccessState)
class AccessStateAdmin(ProposalAdminMixin, ProvenanceAdmin):
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
                    "note_written_on",
                )
            },
        ),
        PROVENANCE_FIELDSET,
    )

    def get_queryset(self, request):
        return super().get_queryset(request).filter(origin=models.StateOrigin.RECORDED)


@admin.register(models.Accession)
class AccessionAdmin(ProposalAdminMixin, ProvenanceAdmin):
    list_display = ("market_access", "year", "event", "basis", "confidence")
    list_filter = ("year", "basis", "event", *PROVENANCE_FILTERS)
    search_fields = ("market_access__product__name_en", "market_access__country__iso2")
    list_select_related = ("market_access__product", "market_access__country", "event")
    autocomplete_fields = ("market_access",)
    inlines = [AccessionStageInline]
    fieldsets = (
        (None, {"fields": ("market_access", "year", "event", "basis")}),
        PROVENANCE_FIELDSET,
    )


@admin.register(models.DiplomaticEvent)
class DiplomaticEventAdmin(admin.ModelAdmin):
    list_display = ("slug", "name_en", "starts_on", "ends_on", "place", "confidence")
    search_fields = ("slug", "name_en", "name_zh", "name_ru", "place")


@admin.register(models.RegistrationRegime)
class RegistrationRegimeAdmin(ProposalAdminMixin, ProvenanceAdmin):
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
class EstablishmentRegistrationAdmin(ProposalAdminMixin, ProvenanceAdmin):
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


# The ports and regulations screens (registered by their apps) edit records with legal effect too.
for _model in (registry_models.Port, regulations_models.Regulation):
    _registered = type(admin.site._registry[_model])
    admin.site.unregister(_model)
    admin.site.register(_model, type(_registered.__name__, (ProposalAdminMixin, _registered), {}))


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
