"""Market access, how it was gained (accessions), registration regimes and registrations."""

from __future__ import annotations

from urllib.parse import urlencode

import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from registry.constraints import choices_constraint, exactly_one_of, validity_constraint
from registry.history import history_meta, tracked
from registry.localize import localized
from registry.models import Country, Port, Product, SiteKind
from registry.provenance import DatePrecision, Provenance


class AccessStatus(models.TextChoices):
    """The entry's status on one day (today), derived from its series of dated states
    (accessions.validity.derived_status) for lists; never read for another date."""

    NEGOTIATING = "negotiating", _("negotiating")
    PROTOCOL_SIGNED = "protocol_signed", _("protocol signed")
    PENDING = "pending", _("not yet in force")
    IN_FORCE = "in_force", _("in force")
    SUSPENDED = "suspended", _("suspended")
    REVOKED = "revoked", _("revoked")
    EXPIRED = "expired", _("expired")


class InstrumentKind(models.TextChoices):
    ANNOUNCEMENT = "announcement", _("GACC announcement")
    JOINT_ANNOUNCEMENT = "joint_announcement", _("joint announcement")
    PROTOCOL = "protocol", _("bilateral protocol")
    REPORTED = "reported", _("reported (no instrument seen)")


def instrument_phrase(kind: str, ref: str) -> str:
    """An instrument as one phrase, in the reader's language: "GACC announcement 2023 No.66", not
    "GACC announcement GACC 2023 No.66" (the kind already names the issuer a reference may start
    with), and a reference that already says its kind in full is not prefixed again."""
    label = str(InstrumentKind(kind).label) if kind in InstrumentKind.values else ""
    ref = (ref or "").strip()
    if label and ref.lower().startswith(label.lower()):
        return ref
    if kind == InstrumentKind.ANNOUNCEMENT and ref.upper().startswith("GACC "):
        ref = ref[len("GACC ") :].strip()
    return f"{label} {ref}".strip()


class EstablishmentsBasis(models.TextChoices):
    """Why an access entry does (or does not) require GACC-registered establishments."""

    INSTRUMENT = "instrument", _("stated in the instrument")
    REGULATION = "regulation", _("a Decree 248 category (home-authority recommendation)")
    INFERENCE = "inference", _("the registry's inference, not stated in a source")


@tracked()
class MarketAccess(Provenance):
    """One product from one exporting country on China's access list.

    Access legally starts with the GACC announcement; a protocol alone is not yet access
    (docs/design.md, "Why it exists"). `valid_from` is the conservative start the sources
    support and its precision says how exact it is.
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
        _("registered establishments required"),
        null=True,
        blank=True,
        default=None,
        help_text=_(
            "Empty: the sources do not state it (the checker asks to confirm it, never reads it "
            "as 'not required')."
        ),
    )
    registered_establishments_basis = models.CharField(
        _("basis of 'registered establishments required'"),
        max_length=15,
        choices=EstablishmentsBasis.choices,
        blank=True,
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
    # The conditions and the public note in the other two languages (issue 22). The English text
    # is the registry's own wording; `translated_by_registry` names the languages ("zh ru") whose
    # text the registry translated (no official translation), and pages say so beside the text.
    conditions_zh = models.TextField(_("other conditions (Chinese)"), blank=True)
    conditions_ru = models.TextField(_("other conditions (Russian)"), blank=True)
    public_note_zh = models.TextField(_("public note (Chinese)"), blank=True)
    public_note_ru = models.TextField(_("public note (Russian)"), blank=True)
    translated_by_registry = models.CharField(
        _("translated by the registry"),
        max_length=20,
        blank=True,
        help_text=_("Languages (zh, ru) whose text is the registry's translation, not official."),
    )
    # Stamped by the services that write the public note (issue 21), never edited by hand: the
    # record's snapshots (proposals) leave it out. Null: the day is not recorded.
    public_note_written_on = models.DateField(
        _("public note written on"), null=True, blank=True, editable=False
    )
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
                condition=~models.Q(
                    status=AccessStatus.IN_FORCE, instrument_kind=InstrumentKind.PROTOCOL
                ),
                name="market_access_protocol_is_not_access",
                violation_error_message=_(
                    "A protocol alone is not access: access in force needs an announcement "
                    "(or a reported instrument)."
                ),
            ),
            validity_constraint("market_access"),
            choices_constraint("market_access", "status", AccessStatus),
            choices_constraint("market_access", "instrument_kind", InstrumentKind),
            choices_constraint("market_access", "required_site_kind", SiteKind, blank=True),
            choices_constraint("market_access", "valid_from_precision", DatePrecision, blank=True),
            choices_constraint(
                "market_access",
                "registered_establishments_basis",
                EstablishmentsBasis,
                blank=True,
            ),
            models.CheckConstraint(
                condition=models.Q(requires_registered_establishments__isnull=False)
                | models.Q(registered_establishments_basis=""),
                name="market_access_not_stated_has_no_basis",
                violation_error_message=_(
                    "Where the sources do not state whether registered establishments are "
                    "required, there is no basis to give."
                ),
            ),
            *Provenance.provenance_constraints("market_access"),
        ]
        indexes = [models.Index(fields=["status", "valid_until"], name="access_status_until")]

    @property
    def instrument_display(self) -> str:
        """The instrument as one phrase: "GACC announcement 2023 No.66", not "GACC announcement
        GACC 2023 No.66" (the kind already names the issuer the reference starts with)."""
        return instrument_phrase(self.instrument_kind, self.instrument_ref)

    def __str__(self) -> str:
        # Words in the reader's language, never "玉米粉 from KZ" (issue 11).
        return gettext("%(product)s from %(country)s") % {
            "product": self.product.name,
            "country": self.country.name,
        }

    @property
    def establishments_inferred(self) -> bool:
        return self.registered_establishments_basis == EstablishmentsBasis.INFERENCE


class StateKind(models.TextChoices):
    """The legal states of an access entry, each valid from its start until the next one takes
    over (docs/design.md, "Time"; uktrade/tamato's ValidityStartMixin)."""

    NEGOTIATING = "negotiating", _("negotiating")
    PROTOCOL_SIGNED = "protocol_signed", _("protocol signed")
    IN_FORCE = "in_force", _("in force")
    SUSPENDED = "suspended", _("suspended")
    RESTORED = "restored", _("restored")
    ENDED = "ended", _("ended")
    REVOKED = "revoked", _("revoked")


class StateOrigin(models.TextChoices):
    # The protocol, the start and the end recorded on the entry itself are written into the series
    # by accessions.validity.access_states_sync; suspensions, restorations and revocations are
    # recorded as states of their own.
    ENTRY = "entry", _("the entry's own dates")
    RECORDED = "recorded", _("recorded as a state")


@tracked()
class AccessState(Provenance):
    """One dated legal state of an access entry (valid time). The state on a date is the latest
    state starting on or before it; a state with no start date known comes before every dated
    one. `limited_to` narrows a state to listed zones, regions or establishments (a partial
    suspension or restoration: access holds only for them)."""

    market_access = models.ForeignKey(MarketAccess, on_delete=models.CASCADE, related_name="states")
    kind = models.CharField(_("state"), max_length=20, choices=StateKind.choices)
    starts_on = models.DateField(_("from"), null=True, blank=True)
    starts_on_precision = models.CharField(
        _("precision"), max_length=10, choices=DatePrecision.choices, blank=True
    )
    limited_to = models.TextField(
        _("only for"),
        blank=True,
        help_text=_(
            "Empty: the whole entry. Otherwise the zones, regions or establishments for which "
            "access holds in this state (e.g. a suspension of all but listed zones)."
        ),
    )
    instrument_kind = models.CharField(
        _("instrument"), max_length=20, choices=InstrumentKind.choices, blank=True
    )
    instrument_ref = models.CharField(_("instrument reference"), max_length=150, blank=True)
    origin = models.CharField(
        _("origin"), max_length=10, choices=StateOrigin.choices, default=StateOrigin.RECORDED
    )
    note_written_on = models.DateField(_("public note written on"), null=True, blank=True)

    class Meta:
        ordering = ["market_access", models.F("starts_on").asc(nulls_first=True), "id"]
        verbose_name = _("legal state")
        verbose_name_plural = _("legal states")
        constraints = [
            models.UniqueConstraint(
                fields=["market_access", "kind", "starts_on"],
                name="access_state_once_per_kind_start",
                violation_error_message=_("This entry already has this state from this date."),
            ),
            choices_constraint("access_state", "kind", StateKind),
            choices_constraint("access_state", "origin", StateOrigin),
            choices_constraint("access_state", "starts_on_precision", DatePrecision, blank=True),
            choices_constraint("access_state", "instrument_kind", InstrumentKind, blank=True),
            *Provenance.provenance_constraints("access_state"),
        ]
        indexes = [
            models.Index(fields=["market_access", "starts_on"], name="access_state_on"),
        ]

    def __str__(self) -> str:
        start = self.starts_on.isoformat() if self.starts_on else gettext("date not known")
        return f"{self.get_kind_display()} {start}"


# A public note can go stale when the legal state or a date of its record changes (issue 21):
# the fields whose change makes a reviewer confirm or rewrite the note, and the field that keeps
# the day each model's note was written.
NOTE_REVIEW_FIELDS: dict[type[models.Model], tuple[str, ...]] = {
    MarketAccess: (
        "status",
        "valid_from",
        "valid_until",
        "protocol_signed_on",
        "instrument_kind",
        "instrument_ref",
        "instrument_date",
    ),
    AccessState: ("kind", "starts_on", "limited_to"),
}
NOTE_WRITTEN_ON: dict[type[models.Model], str] = {
    MarketAccess: "public_note_written_on",
    AccessState: "note_written_on",
}


class ConditionKind(models.TextChoices):
    TREATMENT = "treatment", _("treatment required")
    ORIGIN_AREA = "origin_area", _("pest- or disease-free areas")
    OTHER = "other", _("other condition")
    CERTIFICATE = "certificate", _("certificate")
    PACKAGING_LABELLING = "packaging_labelling", _("packaging and labelling")


@tracked()
class AccessCondition(Provenance):
    """A condition of an access entry with its own validity and instrument.

    A condition that a later instrument added (e.g. the FMD-free zones of GACC & MARA 2024 No.20
    on Kazakh beef, in force since 2019) holds only from that instrument's date: a question about
    an earlier day must not show it. Conditions that hold for the whole validity of the entry stay
    in the entry's own fields (treatment, pest_free_areas, conditions).
    """

    market_access = models.ForeignKey(
        MarketAccess, on_delete=models.CASCADE, related_name="dated_conditions"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ConditionKind.choices)
    text = models.TextField(_("condition"))
    text_zh = models.TextField(_("condition (Chinese)"), blank=True)
    text_ru = models.TextField(_("condition (Russian)"), blank=True)
    translated_by_registry = models.CharField(
        _("translated by the registry"),
        max_length=20,
        blank=True,
        help_text=_("Languages (zh, ru) whose text is the registry's translation, not official."),
    )
    instrument_ref = models.CharField(
        _("instrument"),
        max_length=150,
        blank=True,
        help_text=_("E.g. 'GACC & MARA joint announcement 2024 No.20'."),
    )
    valid_from = models.DateField(_("in force from"))
    valid_from_precision = models.CharField(
        _("precision"), max_length=10, choices=DatePrecision.choices
    )
    valid_until = models.DateField(_("in force until"), null=True, blank=True)

    class Meta:
        ordering = ["market_access", "valid_from", "kind"]
        verbose_name = _("dated condition")
        verbose_name_plural = _("dated conditions")
        constraints = [
            models.UniqueConstraint(
                fields=["market_access", "kind", "valid_from"],
                name="condition_once_per_access_kind_start",
            ),
            validity_constraint("condition"),
            choices_constraint("condition", "kind", ConditionKind),
            choices_constraint("condition", "valid_from_precision", DatePrecision),
            *Provenance.provenance_constraints("condition"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.valid_from} ({self.instrument_ref})"


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
    public_note = Provenance._meta.get_field("public_note").clone()
    notes = Provenance._meta.get_field("notes").clone()

    class Meta:
        ordering = ["starts_on", "slug"]
        verbose_name = _("diplomatic event")
        verbose_name_plural = _("diplomatic events")
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
    event_inferred = models.BooleanField(
        _("event link inferred"),
        default=False,
        help_text=_("The link to the event is the registry's reading; no source states it."),
    )

    class Meta:
        ordering = ["-year", "market_access"]
        verbose_name = _("accession")
        verbose_name_plural = _("accessions")
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
            models.CheckConstraint(
                condition=models.Q(event_inferred=False) | models.Q(event__isnull=False),
                name="accession_inferred_event_is_set",
                violation_error_message=_("Only a linked event can be marked as inferred."),
            ),
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
        verbose_name_plural = _("accession stages")
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


# --- Expiry alerts and the outbox --------------------------------------------------------------


class AlertKind(models.TextChoices):
    WINDOW_OPENED = "window_opened", _("renewal window opened")
    EXPIRING = "expiring", _("expires soon")
    EXPIRED = "expired", _("registration expired")
    EXTENDED = "extended", _("registration automatically extended")
    ACCESS_EXPIRING = "access_expiring", _("market access ends soon")
    ACCESS_EXPIRED = "access_expired", _("market access expired")


class Alert(models.Model):
    """What the expiry sweep raised for inspectors: one per subject, kind, threshold, expiry date.

    `due_on` is the expiry date the alert is about, so a registration extended for five more years
    gets fresh alerts for its next expiry while a rerun of the sweep gets none (the partial unique
    constraints refuse the duplicate, also between two concurrent sweeps).
    """

    kind = models.CharField(_("kind"), max_length=20, choices=AlertKind.choices)
    threshold_days = models.PositiveSmallIntegerField(
        _("days before expiry"), default=0, help_text=_("0 for alerts without a threshold.")
    )
    due_on = models.DateField(_("expiry date"))
    raised_on = models.DateField(_("raised on"))
    # No separate FK indexes: the partial unique indexes below lead with these columns. Fewer
    # indexes keep the sweep's bulk inserts cheap (bench/sweep.py).
    registration = models.ForeignKey(
        EstablishmentRegistration,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
        db_index=False,
    )
    market_access = models.ForeignKey(
        MarketAccess,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
        db_index=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
        db_index=False,
    )

    class Meta:
        ordering = ["acknowledged_at", "due_on", "id"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.CheckConstraint(
                condition=exactly_one_of("registration", "market_access"),
                name="alert_one_subject",
                violation_error_message=_("An alert is about one registration or one access."),
            ),
            models.UniqueConstraint(
                fields=["registration", "kind", "threshold_days", "due_on"],
                condition=models.Q(registration__isnull=False),
                name="alert_once_per_registration",
            ),
            models.UniqueConstraint(
                fields=["market_access", "kind", "threshold_days", "due_on"],
                condition=models.Q(market_access__isnull=False),
                name="alert_once_per_access",
            ),
            choices_constraint("alert", "kind", AlertKind),
        ]
        indexes = [models.Index(fields=["acknowledged_at", "due_on"], name="alert_open_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.registration or self.market_access} {self.due_on}"


class EventKind(models.TextChoices):
    NEW_ACCESS = "new_access", _("new market access")
    STATUS_CHANGED = "status_changed", _("status changed")
    WINDOW_ENTERED = "window_entered", _("renewal window entered")
    EXPIRED = "expired", _("expired")
    EXTENDED = "extended", _("automatically extended")


class OutboxEvent(models.Model):
    """A change subscribers hear about, written in the same transaction as the change itself.

    The dispatcher fans each event out to the matching subscriptions (`fanned_out_at`), so an event
    survives a broker outage: it waits here until the next dispatcher run.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    occurred_on = models.DateField(_("occurred on"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    registration = models.ForeignKey(
        EstablishmentRegistration,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbox_events",
    )
    market_access = models.ForeignKey(
        MarketAccess,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbox_events",
    )
    # Denormalised for matching subscriptions; catalogue rows are rarely deleted, so no index.
    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="+", db_index=False)
    product = models.ForeignKey(
        Product,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        help_text=_("The access's product; registrations list theirs in their products."),
    )
    status_from = models.CharField(_("status before"), max_length=20, blank=True)
    status_to = models.CharField(_("status after"), max_length=20, blank=True)
    alert = models.OneToOneField(
        Alert, on_delete=models.SET_NULL, null=True, blank=True, related_name="event"
    )
    data = models.JSONField(_("data"), default=dict, blank=True)
    fanned_out_at = models.DateTimeField(_("fanned out at"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        constraints = [
            models.CheckConstraint(
                condition=exactly_one_of("registration", "market_access"),
                name="event_one_subject",
                violation_error_message=_("An event is about one registration or one access."),
            ),
            choices_constraint("event", "kind", EventKind),
        ]
        indexes = [
            models.Index(
                fields=["id"],
                condition=models.Q(fanned_out_at__isnull=True),
                name="event_not_fanned_out",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.registration or self.market_access}"


# Links with legal effect (the ports an access entry allows, the products a registration covers)
# have their own history: an added or removed link is recorded like any other change.
pghistory.track(
    pghistory.InsertEvent("link.add"),
    pghistory.DeleteEvent("link.remove"),
    obj_field=None,
    meta=history_meta(),
    model_name="MarketAccessAllowedPortEvent",
    app_label="accessions",
)(MarketAccess.allowed_ports.through)
pghistory.track(
    pghistory.InsertEvent("link.add"),
    pghistory.DeleteEvent("link.remove"),
    obj_field=None,
    meta=history_meta(),
    model_name="EstablishmentProductEvent",
    app_label="accessions",
)(EstablishmentRegistration.products.through)


# --- Proposals (maker-checker): a change to a record with legal effect, reviewed first ---------


class ProposalAction(models.TextChoices):
    CREATE = "create", _("create")
    UPDATE = "update", _("update")
    DELETE = "delete", _("delete")


class ProposalState(models.TextChoices):
    PENDING = "pending", _("pending")
    PUBLISHED = "published", _("published")
    REJECTED = "rejected", _("rejected")  # by a reviewer, with a reason
    WITHDRAWN = "withdrawn", _("withdrawn")  # by its author: it has no reviewer
    REBASED = "rebased", _("rebased")  # replaced by a proposal made against the newer record


class ImportKind(models.TextChoices):
    ACCESS = "access", _("access entries")
    REGULATIONS = "regulations", _("regulations")
    REGISTRATIONS = "registrations", _("establishment registrations")


class ProposalBatch(models.Model):
    """The proposals of one import, published or rejected as a whole."""

    kind = models.CharField(_("list"), max_length=15, choices=ImportKind.choices)
    file_name = models.CharField(_("file"), max_length=300)
    file_sha256 = models.CharField(_("file digest"), max_length=64)
    source = models.TextField(_("source"))
    confidence = models.CharField(_("confidence"), max_length=8)
    comment = models.TextField(_("comment"), blank=True)
    report = models.JSONField(_("dry-run report"), default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ProposalState.choices, default=ProposalState.PENDING
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposal_batches"
    )
    created_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_proposal_batches",
    )
    review_comment = models.TextField(_("review comment"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        constraints = [choices_constraint("proposal_batch", "state", ProposalState)]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_kind_display()})"


class Proposal(models.Model):
    """A proposed create, update or delete of one record with legal effect. It changes nothing
    until a senior inspector other than its author publishes it."""

    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.CharField(_("record"), max_length=64, blank=True)  # blank: a creation
    object_repr = models.CharField(_("record"), max_length=300, blank=True)
    action = models.CharField(_("action"), max_length=6, choices=ProposalAction.choices)
    # {field: [old, new]} in JSON values (foreign keys and many-to-many links by primary key).
    changes = models.JSONField(_("changes"), default=dict)
    # The record as it was when proposed (JSON values): a record that differs now is stale.
    base = models.JSONField(_("base version"), default=dict, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposals"
    )
    created_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ProposalState.choices, default=ProposalState.PENDING
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_proposals",
    )
    review_comment = models.TextField(_("review comment"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    batch = models.ForeignKey(
        ProposalBatch,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="proposals",
    )
    rebased_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Who made this proposal again against a changed record (the author stays the author, and
    # neither publishes it).
    rebased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rebased_proposals",
    )
    # A delete: the other records it deletes with the record ([model label, key, text]), as the
    # reviewer sees them; a delete that would now take anything else is stale.
    cascade = models.JSONField(_("deleted with it"), default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        constraints = [
            choices_constraint("proposal", "state", ProposalState),
            choices_constraint("proposal", "action", ProposalAction),
            models.CheckConstraint(
                condition=models.Q(action="create") | ~models.Q(object_id=""),
                name="proposal_names_its_record",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "created_at"], name="proposal_state_created"),
            models.Index(fields=["content_type", "object_id"], name="proposal_target"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"


class ImportRunState(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class ImportRun(models.Model):
    """One upload on the import page, worked through by a Celery task (in-process in the embedded
    mode) so a large file shows its progress. Every run ends `done` or `failed` with its reason
    (`error`), even when it cannot be queued or its worker dies; its file is dropped when it
    ends."""

    kind = models.CharField(_("list"), max_length=15, choices=ImportKind.choices)
    file_name = models.CharField(_("file"), max_length=300)
    content = models.BinaryField(_("file content"), blank=True)
    source = models.TextField(_("source"))
    confidence = models.CharField(_("confidence"), max_length=8)
    comment = models.TextField(_("comment"), blank=True)
    propose = models.BooleanField(_("propose (not a dry run)"), default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_runs"
    )
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    state = models.CharField(
        _("state"), max_length=8, choices=ImportRunState.choices, default=ImportRunState.QUEUED
    )
    # When a worker claimed it and when it ended: the reaper fails a run no task can still be
    # working on (accessions.services.import_runs.import_runs_reap).
    claimed_at = models.DateTimeField(_("read from"), null=True, blank=True)
    finished_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    report = models.JSONField(_("report"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    batch = models.ForeignKey(
        ProposalBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")
        constraints = [choices_constraint("import_run", "state", ImportRunState)]

    def __str__(self) -> str:
        return self.file_name

    @property
    def percent(self) -> int:
        return round(100 * self.rows_done / self.rows_total) if self.rows_total else 0


# --- Answers as given ------------------------------------------------------------------------


class AnswerRecord(models.Model):
    """An eligibility answer as it was given, kept so it can be cited: the question in its
    normal form (accessions.eligibility.answer.EligibilityQuestion.query), the verdict, the
    reasons and conditions in the language they were given, and the access entry with its legal
    state on the date asked. Written once by accessions.services.answers.answer_record and never
    changed (a database trigger refuses an UPDATE); today's answer to the same question is
    computed beside it, never written into it."""

    public_id = models.CharField(
        _("id"),
        max_length=32,
        unique=True,
        help_text=_("The public, unguessable id of the answer (in its URL)."),
    )
    product = models.CharField(_("product"), max_length=200)
    country = models.CharField(_("country"), max_length=100)
    port = models.CharField(_("port"), max_length=40, blank=True)
    on = models.DateField(_("date asked about"))
    establishment = models.CharField(_("establishment"), max_length=40, blank=True)
    verdict = models.CharField(_("verdict"), max_length=30)
    # Lists of {"code", "message"}, in `language`.
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=10)
    # The entry's id is kept as given: no database constraint, and no cascade that would rewrite
    # the answer if the entry were ever deleted.
    access = models.ForeignKey(
        MarketAccess,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("access entry"),
    )
    # The entry's legal state on the date asked, as the engine read it (accessions.validity).
    state = models.JSONField(_("state on the date asked"), null=True, blank=True)
    created_at = models.DateTimeField(_("given at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("answer as given")
        verbose_name_plural = _("answers as given")
        triggers = [
            pgtrigger.Protect(name="answer_record_immutable", operation=pgtrigger.Update),
        ]

    def __str__(self) -> str:
        return f"{self.public_id}: {self.product} {self.country} {self.on} {self.verdict}"

    @property
    def query(self) -> dict[str, str]:
        """The question as the checker's query parameters (the permalink, date pinned)."""
        return {
            "product": self.product,
            "country": self.country,
            "port": self.port,
            "date": self.on.isoformat(),
            "establishment": self.establishment,
        }

    @property
    def permalink_query(self) -> str:
        """The checker's query string that asks this question again (the date pinned)."""
        return urlencode({name: value for name, value in self.query.items() if value})
