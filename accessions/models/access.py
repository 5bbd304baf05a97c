"""Market access: the access entries (one product from one country), their dated legal states
and their dated conditions; the instrument kinds and the fields a public note is reviewed on."""

from __future__ import annotations

import pghistory
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.constraints import choices_constraint, validity_constraint
from registry.history import history_meta, tracked
from registry.localize import gettext
from registry.models import Country, Port, Product, SiteKind
from registry.provenance import DatePrecision, NoteTranslations, Provenance


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
    with), and a reference that already says its kind in full ("GACC & MARA joint announcement
    2024 No.20", "海关总署公告2023年第66号") is not prefixed again."""
    label = str(InstrumentKind(kind).label) if kind in InstrumentKind.values else ""
    ref = (ref or "").strip()
    if label and label.lower() in ref.lower():
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
    # The reference in the other two languages: the registry's translation (CITATION_FIELDS).
    instrument_ref_zh = models.CharField(
        _("instrument reference (Chinese)"), max_length=200, blank=True
    )
    instrument_ref_ru = models.CharField(
        _("instrument reference (Russian)"), max_length=200, blank=True
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
    # The treatment, the areas, the conditions and the public note in the other two languages
    # (issue 22). The English text
    # is the registry's own wording; `translated_by_registry` names the languages ("zh ru") whose
    # text the registry translated (no official translation), and pages say so beside the text.
    treatment_zh = models.TextField(_("treatment required (Chinese)"), blank=True)
    treatment_ru = models.TextField(_("treatment required (Russian)"), blank=True)
    pest_free_areas_zh = models.TextField(_("pest- or disease-free areas (Chinese)"), blank=True)
    pest_free_areas_ru = models.TextField(_("pest- or disease-free areas (Russian)"), blank=True)
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


# The ports an access entry allows are a link with legal effect, with its own history: an added
# or removed port is recorded like any other change.
pghistory.track(
    pghistory.InsertEvent("link.add"),
    pghistory.DeleteEvent("link.remove"),
    obj_field=None,
    meta=history_meta(),
    model_name="MarketAccessAllowedPortEvent",
    app_label="accessions",
)(MarketAccess.allowed_ports.through)


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
class AccessState(Provenance, NoteTranslations):
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
    instrument_ref_zh = models.CharField(
        _("instrument reference (Chinese)"), max_length=200, blank=True
    )
    instrument_ref_ru = models.CharField(
        _("instrument reference (Russian)"), max_length=200, blank=True
    )
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
class AccessCondition(Provenance, NoteTranslations):
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
    # The public note in zh/ru and `translated_by_registry` (which names the languages of both the
    # condition and the note the registry translated): NoteTranslations.
    instrument_ref = models.CharField(
        _("instrument"),
        max_length=150,
        blank=True,
        help_text=_("E.g. 'GACC & MARA joint announcement 2024 No.20'."),
    )
    instrument_ref_zh = models.CharField(_("instrument (Chinese)"), max_length=200, blank=True)
    instrument_ref_ru = models.CharField(_("instrument (Russian)"), max_length=200, blank=True)
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
