"""Market access, how it was gained (accessions), registration regimes and registrations."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.common import (
    DatePrecision,
    Provenance,
    choices_constraint,
    localized,
    tracked,
    validity_constraint,
)
from registry.models import Country, Port, Product, SiteKind


class AccessStatus(models.TextChoices):
    NEGOTIATING = "negotiating", _("negotiating")
    PROTOCOL_SIGNED = "protocol_signed", _("protocol signed")
    IN_FORCE = "in_force", _("in force")
    SUSPENDED = "suspended", _("suspended")
    REVOKED = "revoked", _("revoked")
    EXPIRED = "expired", _("expired")


class InstrumentKind(models.TextChoices):
    ANNOUNCEMENT = "announcement", _("GACC announcement")
    JOINT_ANNOUNCEMENT = "joint_announcement", _("joint announcement")
    PROTOCOL = "protocol", _("bilateral protocol")
    REPORTED = "reported", _("reported (no instrument seen)")


@tracked()
class MarketAccess(Provenance):
    """One product from one exporting country on China's access list.

    Access legally starts with the GACC announcement; a protocol alone is not yet access
    (domain-facts §1). `valid_from` is the conservative start the sources support and its
    precision says how exact it is.
    """

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="accesses")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="accesses")
    status = models.CharField(_("status"), max_length=20, choices=AccessStatus.choices)
    instrument_kind = models.CharField(
        _("instrument"), max_length=20, choices=InstrumentKind.choices
    )
    instrument_ref = models.CharField(
        _("instrument reference"),
        max_length=100,
        blank=True,
        help_text=_("E.g. 'GACC 2023 No.65'. Empty when the number was not seen."),
    )
    instrument_date = models.DateField(_("instrument date"), null=True, blank=True)
    instrument_date_precision = models.CharField(
        _("precision"), max_length=10, choices=DatePrecision.choices, blank=True
    )
    protocol_signed_on = models.DateField(_("protocol signed on"), null=True, blank=True)
    protocol_signed_precision = models.CharField(
        _("precision"), max_length=10, choices=DatePrecision.choices, blank=True
    )
    valid_from = models.DateField(_("in force from"), null=True, blank=True)
    valid_from_precision = models.CharField(
        _("precision"), max_length=10, choices=DatePrecision.choices, blank=True
    )
    valid_until = models.DateField(_("in force until"), null=True, blank=True)
    requires_registered_establishments = models.BooleanField(
        _("registered establishments required"), default=False
    )
    required_site_kind = models.CharField(
        _("designated port site required"), max_length=20, choices=SiteKind.choices, blank=True
    )
    allowed_ports = models.ManyToManyField(
        Port,
        blank=True,
        related_name="allowed_accesses",
        help_text=_("Empty: any port (with the required designated site, if any)."),
    )
    treatment = models.TextField(_("treatment required"), blank=True)
    pest_free_areas = models.TextField(_("pest- or disease-free areas"), blank=True)
    conditions = models.TextField(_("other conditions"), blank=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["country__iso2", "product__name_en"]
        verbose_name = _("market access")
        verbose_name_plural = _("market access entries")
        constraints = [
            models.UniqueConstraint(
                fields=["product", "country"],
                name="market_access_one_per_product_country",
                violation_error_message=_(
                    "This product from this country already has a market-access entry."
                ),
            ),
            models.CheckConstraint(
                condition=~models.Q(status="in_force") | models.Q(valid_from__isnull=False),
                name="market_access_in_force_has_start",
                violation_error_message=_("Access in force needs the date it started."),
            ),
            validity_constraint("market_access"),
            choices_constraint("market_access", "status", AccessStatus),
            choices_constraint("market_access", "instrument_kind", InstrumentKind),
            choices_constraint("market_access", "required_site_kind", SiteKind, blank=True),
            choices_constraint("market_access", "valid_from_precision", DatePrecision, blank=True),
            *Provenance.provenance_constraints("market_access"),
        ]
        indexes = [models.Index(fields=["status", "valid_until"], name="access_status_until")]

    def __str__(self) -> str:
        return f"{self.product} from {self.country.iso2}"


class DiplomaticEvent(models.Model):
    """An event during which accessions were promoted (e.g. the China–Central Asia Summit)."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=200, blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    source = models.TextField(_("source"))
    confidence = models.CharField(
        _("confidence"), max_length=8, choices=Provenance._meta.get_field("confidence").choices
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["starts_on", "slug"]
        verbose_name = _("diplomatic event")
        constraints = [validity_constraint("event", "starts_on", "ends_on")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")


class AccessionBasis(models.TextChoices):
    FOUND = "found", _("found in independent sources")
    ARTICLE_ONLY = "article_only", _("named only in the Urumqi Customs report")


@tracked()
class Accession(Provenance):
    """How a product/country pair gained access: the GACC procedure's stages and the event."""

    market_access = models.ForeignKey(
        MarketAccess, on_delete=models.CASCADE, related_name="accessions"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    event = models.ForeignKey(
        DiplomaticEvent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accessions",
    )
    basis = models.CharField(_("basis"), max_length=15, choices=AccessionBasis.choices)

    class Meta:
        ordering = ["-year", "market_access"]
        verbose_name = _("accession")
        constraints = [
            models.UniqueConstraint(
                fields=["market_access", "year"], name="accession_one_per_access_year"
            ),
            models.CheckConstraint(
                condition=models.Q(year__gte=1990, year__lte=2100),
                name="accession_year_plausible",
                violation_error_message=_("The year must be between 1990 and 2100."),
            ),
            choices_constraint("accession", "basis", AccessionBasis),
            *Provenance.provenance_constraints("accession"),
        ]

    def __str__(self) -> str:
        return f"{self.market_access} ({self.year})"


class Stage(models.TextChoices):
    APPLICATION = "application", _("application")
    QUESTIONNAIRE = "questionnaire", _("questionnaire")
    RISK_ASSESSMENT = "risk_assessment", _("risk assessment")
    INSPECTION = "inspection", _("inspection")
    PROTOCOL = "protocol", _("protocol")
    ANNOUNCEMENT = "announcement", _("announcement")
    ESTABLISHMENT_REGISTRATION = "establishment_registration", _("establishment registration")


STAGE_ORDER = {value: index for index, value in enumerate(Stage.values)}


@tracked()
class AccessionStage(Provenance):
    accession = models.ForeignKey(Accession, on_delete=models.CASCADE, related_name="stages")
    stage = models.CharField(_("stage"), max_length=30, choices=Stage.choices)
    occurred_on = models.DateField(_("date"), null=True, blank=True)
    occurred_on_precision = models.CharField(
        _("precision"), max_length=10, choices=DatePrecision.choices, blank=True
    )

    class Meta:
        ordering = ["accession", "occurred_on"]
        verbose_name = _("accession stage")
        constraints = [
            models.UniqueConstraint(fields=["accession", "stage"], name="stage_once_per_accession"),
            choices_constraint("stage", "stage", Stage),
            *Provenance.provenance_constraints("stage"),
        ]

    def __str__(self) -> str:
        return f"{self.stage} {self.occurred_on or ''}"


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
                condition=models.Q(auto_extend=False) | models.Q(auto_extend_years__gte=1),
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


REGISTRATION_NUMBER_REGEX = r"^C[A-Z]{3}[0-9]{14}$"


@tracked()
class EstablishmentRegistration(Provenance):
    """An overseas producer registered with GACC for some products.

    Number format (Decree 248, medium confidence): 'C' + 3-letter country code + 4-digit
    product-category code + 6-digit date + 4-digit serial = 18 characters. No real list is public,
    so every registration in this registry is illustrative unless an inspector enters a real one.
    """

    registration_number = models.CharField(_("registration number"), max_length=18, unique=True)
    name = models.CharField(_("establishment name"), max_length=300)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="establishments")
    products = models.ManyToManyField(Product, related_name="establishments")
    registered_on = models.DateField(_("registered on"))
    valid_until = models.DateField(_("valid until"))
    extended_until = models.DateField(_("extended until"), null=True, blank=True)
    extension_basis = models.TextField(_("extension basis"), blank=True)
    status = models.CharField(_("status"), max_length=15, choices=RegistrationStatus.choices)
    regime = models.ForeignKey(
        RegistrationRegime, on_delete=models.PROTECT, related_name="registrations"
    )
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["valid_until", "registration_number"]
        verbose_name = _("establishment registration")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(registration_number__regex=REGISTRATION_NUMBER_REGEX),
                name="registration_number_format",
                violation_error_message=_(
                    "A GACC registration number is 'C', a 3-letter country code and 14 digits."
                ),
            ),
            validity_constraint("registration", "registered_on", "valid_until"),
            validity_constraint("registration", "valid_until", "extended_until"),
            choices_constraint("registration", "status", RegistrationStatus),
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
