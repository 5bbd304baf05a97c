"""The columns of the lists the accessions app owns, declared once (registry.lists): the access
list (with its series of dated states) and establishment registrations. The import
(accessions.services.imports), the API's serializers and exports (api.serializers,
api.export_serializers, api.exports), the access list's plain rows (accessions.selectors.access)
and the import page read them from here."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accessions.models import (
    AccessStatus,
    EstablishmentsBasis,
    InstrumentKind,
    RegistrationStatus,
)
from registry.lists import CHOICE, CODES, DATE, URL, YES_NO, Column, ListFormat
from registry.models import SiteKind
from registry.provenance import Confidence, DatePrecision
from regulations.lists import REGULATIONS

PRECISIONS = tuple(DatePrecision.values)

# Provenance: every row carries it, or takes the source and confidence the importer gives.
PROVENANCE = (
    Column(
        "source",
        _("The source of the row (else the source given on the import page)."),
        example="GACC announcement 2023 No. 65",
    ),
    Column("source_zh", _("The source, in Chinese (the registry's translation).")),
    Column("source_ru", _("The source, in Russian (the registry's translation).")),
    Column("source_url", _("The source's address."), URL, "https://www.customs.gov.cn/"),
    Column(
        "confidence",
        _("How sure the source is (else the confidence given on the import page)."),
        CHOICE,
        "high",
        choices=tuple(Confidence.values),
    ),
)

ACCESS = ListFormat(
    kind="access",
    title=_("access entries"),
    key=("product", "country"),
    columns=(
        Column("id", _("The registry's number of the entry."), _("number"), "", kept=True),
        Column(
            "product",
            _("The product, by its registry code (slug)."),
            example="maize",
            required=True,
        ),
        Column(
            "country",
            _("The exporting country, by its ISO code."),
            _("two letters"),
            "KZ",
            required=True,
        ),
        Column(
            "status",
            _("The entry's status today."),
            CHOICE,
            "in_force",
            required=True,
            choices=tuple(AccessStatus.values),
        ),
        Column(
            "instrument_kind",
            _("What grants the access."),
            CHOICE,
            "announcement",
            required=True,
            choices=tuple(InstrumentKind.values),
        ),
        Column("instrument_ref", _("The instrument's number or name."), example="2023 No. 65"),
        Column(
            "instrument_ref_zh",
            _("The instrument's number or name, in Chinese (the registry's translation)."),
        ),
        Column(
            "instrument_ref_ru",
            _("The instrument's number or name, in Russian (the registry's translation)."),
        ),
        Column("instrument_date", _("The instrument's date."), DATE, "2023-06-13"),
        Column(
            "instrument_date_precision",
            _("How exact the instrument's date is."),
            CHOICE,
            "exact",
            choices=PRECISIONS,
        ),
        Column("protocol_signed_on", _("The day the protocol was signed."), DATE, "2023-05-19"),
        Column(
            "protocol_signed_precision",
            _("How exact the protocol's day is."),
            CHOICE,
            "exact",
            public=False,
            choices=PRECISIONS,
        ),
        Column("valid_from", _("The first day of access."), DATE, "2023-06-13"),
        Column(
            "valid_from_precision",
            _("How exact the first day is."),
            CHOICE,
            "exact",
            choices=PRECISIONS,
        ),
        Column("valid_until", _("The last day of access, if it ends."), DATE, ""),
        Column(
            "requires_registered_establishments",
            _("Whether producers must be registered with GACC (empty: the sources do not say)."),
            YES_NO,
            "true",
        ),
        Column(
            "registered_establishments_basis",
            _("What says whether producers must be registered."),
            CHOICE,
            "regulation",
            public=False,
            choices=tuple(EstablishmentsBasis.values),
        ),
        Column(
            "required_site_kind",
            _("The designated supervision site a port must have (empty: none)."),
            CHOICE,
            "",
            choices=tuple(SiteKind.values),
        ),
        Column(
            "allowed_ports",
            _("The ports the entry is limited to (empty: any port)."),
            CODES,
            "",
        ),
        Column("treatment", _("The treatment required."), example="fumigation"),
        Column("treatment_zh", _("The treatment required, in Chinese.")),
        Column("treatment_ru", _("The treatment required, in Russian.")),
        Column("pest_free_areas", _("The pest- or disease-free areas required.")),
        Column("pest_free_areas_zh", _("The pest- or disease-free areas, in Chinese.")),
        Column("pest_free_areas_ru", _("The pest- or disease-free areas, in Russian.")),
        Column("conditions", _("Other conditions.")),
        Column("conditions_zh", _("Other conditions, in Chinese.")),
        Column("conditions_ru", _("Other conditions, in Russian.")),
        Column(
            "translated_by_registry",
            _("The languages whose text the registry translated itself (no official text)."),
            _("language codes separated by spaces"),
            "zh ru",
        ),
        *PROVENANCE,
        Column("is_illustrative", _("Demo data, not a legal fact."), YES_NO, "false", kept=True),
        Column(
            "notes",
            _("Internal notes on the sources (inspectors and the admin only)."),
            public=False,
        ),
        Column("public_note", _("The reviewed note shown to the public."), kept=True),
        Column("public_note_zh", _("The public note, in Chinese."), kept=True),
        Column("public_note_ru", _("The public note, in Russian."), kept=True),
        Column(
            "public_note_written_on", _("The day the public note was written."), DATE, "", kept=True
        ),
        Column(
            "updated_at", _("When the registry last changed the entry."), _("time"), "", kept=True
        ),
        Column(
            "states",
            _(
                "The entry's dated legal states, oldest first; an import proposes the "
                "suspensions, restorations, revocations and ends the entry lacks."
            ),
            _("“kind YYYY-MM-DD (zones)” separated by “; ”"),
            "in_force 2023-06-13; suspended 2024-01-01 (zone A)",
        ),
    ),
)

REGISTRATIONS = ListFormat(
    kind="registrations",
    title=_("establishment registrations"),
    key=("registration_number",),
    columns=(
        Column(
            "registration_number",
            _("The GACC registration number."),
            example="CKAZ01012201010001",
            required=True,
        ),
        Column("name", _("The establishment's name."), example="Astana Grain LLP", required=True),
        Column(
            "country",
            _("The establishment's country, by its ISO code."),
            _("two letters"),
            "KZ",
            required=True,
        ),
        Column("products", _("The products registered, by registry code."), CODES, "maize"),
        Column("registered_on", _("The day of registration."), DATE, "2022-01-01", required=True),
        Column("valid_until", _("The last day of validity."), DATE, "2026-12-31", required=True),
        Column(
            "extended_until",
            _("The last day of validity as extended, when an extension was granted."),
            DATE,
            "",
        ),
        Column(
            "status",
            _("The registration's status."),
            CHOICE,
            "registered",
            required=True,
            choices=tuple(RegistrationStatus.values),
        ),
        Column(
            "stopped_on",
            _("The day a suspension or cancellation takes effect."),
            DATE,
            "",
        ),
        Column(
            "regime",
            _("The registration regime, by code."),
            example="decree-248",
            required=True,
        ),
        *PROVENANCE,
        Column("is_illustrative", _("Demo data, not a legal fact."), YES_NO, "false", kept=True),
    ),
)


def lists() -> dict[str, ListFormat]:
    """Every list an import reads, by its kind (ImportKind)."""
    return {ACCESS.kind: ACCESS, REGULATIONS.kind: REGULATIONS, REGISTRATIONS.kind: REGISTRATIONS}
