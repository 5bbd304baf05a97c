"""Registration regimes (the rules that make registrations expire, chosen by date) and the
establishment registrations of overseas producers, with their statuses and number format."""

from __future__ import annotations

import pghistory
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.constraints import choices_constraint, validity_constraint
from registry.history import history_meta, tracked
from registry.localize import localized
from registry.models import Country, Product
from registry.provenance import Provenance


@tracked()
class RegistrationRegime(Provenance):
    """The rules that make registrations expire, chosen by date (never hard-coded).

    Decree 145: 4 years; Decree 248 (2022-01-01): 5 years, renew 3–6 months before expiry;
    Decree 280 (2026-06-01): 5 years, automatic 5-year extension except listed cases, 3–12 months.
    """

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=300)
    name_zh = models.CharField(_("name (Chinese)"), max_length=300, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=300, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    valid_from = models.DateField(_("in force from"))
    valid_until = models.DateField(_("in force until"), null=True, blank=True)
    validity_years = models.PositiveSmallIntegerField(_("validity (years)"))
    window_min_months = models.PositiveSmallIntegerField(_("renewal window closes (months before)"))
    window_max_months = models.PositiveSmallIntegerField(_("renewal window opens (months before)"))
    auto_extend = models.BooleanField(_("automatic extension"), default=False)
    auto_extend_years = models.PositiveSmallIntegerField(
        _("extension (years)"), null=True, blank=True
    )
    exclusions = models.TextField(_("cases excluded from automatic extension"), blank=True)

    class Meta:
        ordering = ["valid_from"]
        verbose_name = _("registration regime")
        verbose_name_plural = _("registration regimes")
        constraints = [
            validity_constraint("regime"),
            models.CheckConstraint(
                condition=models.Q(window_min_months__lte=models.F("window_max_months")),
                name="regime_window_ordered",
                violation_error_message=_("The renewal window must open before it closes."),
            ),
            models.CheckConstraint(
                condition=models.Q(validity_years__gte=1),
                name="regime_validity_positive",
                violation_error_message=_("Validity must be at least one year."),
            ),
            models.CheckConstraint(
                condition=models.Q(auto_extend=False)
                | models.Q(auto_extend_years__isnull=False, auto_extend_years__gte=1),
                name="regime_extension_has_length",
                violation_error_message=_("An automatic extension needs its length in years."),
            ),
            *Provenance.provenance_constraints("regime"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", _("registered")
    RENEWAL_DUE = "renewal_due", _("in renewal window")
    EXTENDED = "extended", _("automatically extended")
    EXPIRED = "expired", _("expired")
    SUSPENDED = "suspended", _("suspended")
    CANCELLED = "cancelled", _("cancelled")


# A registration in one of these states lets its producer export (until its effective expiry).
ACTIVE_REGISTRATION_STATUSES = (
    RegistrationStatus.REGISTERED,
    RegistrationStatus.RENEWAL_DUE,
    RegistrationStatus.EXTENDED,
)
# Stopped by GACC whatever the dates say.
STOPPED_REGISTRATION_STATUSES = (RegistrationStatus.SUSPENDED, RegistrationStatus.CANCELLED)


# The GACC format (Decree 248, medium confidence): 'C' + 3-letter country code + 14 digits. The
# illustrative demo set prefixes its made-up numbers with DEMO_PREFIX, so a number copied out of
# the demo alone still says it is not real (the database refuses the prefix on a real record).
DEMO_PREFIX = "DEMO-"
REGISTRATION_NUMBER_REGEX = r"^(DEMO-)?C[A-Z]{3}[0-9]{14}$"


class ExtensionExclusion(models.TextChoices):
    """Decree 280's cases excluded from automatic extension (seeds/README.md, medium confidence).

    Stored as data on the registration so the expiry sweep can decide set-based.
    """

    EXCLUSION_LIST = "exclusion_list", _("product on the exclusion list")
    RECTIFYING = "rectifying", _("enterprise rectifying non-compliance")
    IMPORTS_SUSPENDED = "imports_suspended", _("imports suspended")


@tracked()
class EstablishmentRegistration(Provenance):
    """An overseas producer registered with GACC for some products.

    Number format (Decree 248, medium confidence): 'C' + 3-letter country code + 4-digit
    product-category code + 6-digit date + 4-digit serial = 18 characters (demo numbers carry a
    'DEMO-' prefix on top). No real list is public,
    so every registration in this registry is illustrative unless an inspector enters a real one.
    """

    registration_number = models.CharField(_("registration number"), max_length=23, unique=True)
    name = models.CharField(_("establishment name"), max_length=300)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="establishments")
    products = models.ManyToManyField(Product, related_name="establishments")
    registered_on = models.DateField(_("registered on"))
    valid_until = models.DateField(_("valid until"))
    extended_until = models.DateField(_("extended until"), null=True, blank=True)
    extension_basis = models.TextField(_("extension basis"), blank=True)
    extension_exclusion = models.CharField(
        _("excluded from automatic extension"),
        max_length=20,
        choices=ExtensionExclusion.choices,
        blank=True,
        help_text=_("Empty: an automatic extension (Decree 280) applies when the regime has one."),
    )
    status = models.CharField(_("status"), max_length=15, choices=RegistrationStatus.choices)
    # A suspension or cancellation is a legal fact with a date: it stops the registration from
    # that day, not for every date asked (issue 21). Required with those statuses.
    stopped_on = models.DateField(
        _("suspended or cancelled from"),
        null=True,
        blank=True,
        help_text=_("The day a suspension or cancellation takes effect."),
    )
    regime = models.ForeignKey(
        RegistrationRegime, on_delete=models.PROTECT, related_name="registrations"
    )
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["valid_until", "registration_number"]
        verbose_name = _("establishment registration")
        verbose_name_plural = _("establishment registrations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(registration_number__regex=REGISTRATION_NUMBER_REGEX),
                name="registration_number_format",
                violation_error_message=_(
                    "A GACC registration number is 'C', a 3-letter country code and 14 digits."
                ),
            ),
            models.CheckConstraint(
                condition=~models.Q(registration_number__startswith=DEMO_PREFIX)
                | models.Q(is_illustrative=True),
                name="registration_demo_number_is_illustrative",
                violation_error_message=_(
                    "A registration number starting with DEMO- belongs to the illustrative demo "
                    "set only."
                ),
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["suspended", "cancelled"])
                | models.Q(stopped_on__isnull=False),
                name="registration_stop_is_dated",
                violation_error_message=_(
                    "A suspended or cancelled registration needs the day it takes effect."
                ),
            ),
            validity_constraint("registration", "registered_on", "valid_until"),
            validity_constraint("registration", "valid_until", "extended_until"),
            choices_constraint("registration", "status", RegistrationStatus),
            choices_constraint(
                "registration", "extension_exclusion", ExtensionExclusion, blank=True
            ),
            *Provenance.provenance_constraints("registration"),
        ]
        indexes = [
            models.Index(fields=["status", "valid_until"], name="registration_status_until"),
        ]

    def __str__(self) -> str:
        return f"{self.registration_number} {self.name}"

    @property
    def effective_until(self):
        return self.extended_until or self.valid_until


# The products a registration covers are a link with legal effect, with its own history: an added
# or removed product is recorded like any other change.
pghistory.track(
    pghistory.InsertEvent("link.add"),
    pghistory.DeleteEvent("link.remove"),
    obj_field=None,
    meta=history_meta(),
    model_name="EstablishmentProductEvent",
    app_label="accessions",
)(EstablishmentRegistration.products.through)
