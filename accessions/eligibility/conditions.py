"""The conditions of an answer: what the access entry asks of a shipment that the question did not
settle (a producer's registration, a designated port, treatment, origin areas, its dated
conditions in force on the date), each a reason of the `eligible_with_conditions` verdict."""

from __future__ import annotations

import datetime as dt

from accessions.eligibility.answer import Reason
from accessions.eligibility.ports import required_site_kind, site_kind_label
from accessions.eligibility.state import iso_date
from accessions.models import ConditionKind, MarketAccess
from registry.dates import format_dated
from registry.localize import gettext as _
from registry.localize import translated_text


def conditions_in_force(access: MarketAccess, on: dt.date) -> list[dict]:
    """The access entry's dated conditions in force on the date asked (chosen in SQL by
    DATED_CONDITIONS), oldest first. A condition from a later instrument is not shown for an
    earlier day."""
    items = getattr(access, "dated_conditions_data", None) or []
    found = [
        {
            **item,
            "valid_from": iso_date(item.get("valid_from")),
            "valid_until": iso_date(item.get("valid_until")),
        }
        for item in items
    ]
    return sorted(found, key=lambda item: (item["valid_from"], item["kind"], item["text"]))


CONDITION_KIND_CODES = {
    ConditionKind.TREATMENT: "treatment_required",
    ConditionKind.ORIGIN_AREA: "origin_area_restricted",
    ConditionKind.CERTIFICATE: "certificate_required",
    ConditionKind.PACKAGING_LABELLING: "packaging_labelling_required",
    ConditionKind.OTHER: "other_conditions",
}


def access_conditions(
    access: MarketAccess,
    on: dt.date,
    port_given: bool,
    establishment_given: bool,
    ports_unknown: bool = False,
) -> list[Reason]:
    """The conditions the access entry sets on the date that the question leaves open (a port or
    a registration not asked about); its dated conditions last, oldest first. A condition's own
    words are in the answer's language where the registry holds them (Reason.language)."""
    conditions = []
    required = access.requires_registered_establishments
    if required is None:
        # The sources are silent: a condition to confirm, never "not required" (docs/design.md).
        conditions.append(
            Reason(
                "registered_establishment_not_stated",
                _(
                    "The sources do not state whether the producer must be registered with GACC "
                    "for this product: confirm before shipping."
                ),
            )
        )
    elif required and not establishment_given:
        if access.establishments_inferred:
            message = _(
                "The producer must probably be registered with GACC for this product (the "
                "registry's inference, not stated in a source: confirm before shipping)."
            )
        else:
            message = _("The producer must be registered with GACC for this product.")
        conditions.append(Reason("registered_establishment_required", message))
    if not port_given and ports_unknown:
        conditions.append(
            Reason(
                "designated_sites_not_recorded",
                _(
                    "Entry only through a port with a designated supervision site for "
                    "%(kind)s; the registry does not record which ports hold one: confirm "
                    "before shipping."
                )
                % {"kind": site_kind_label(access)},
            )
        )
    elif not port_given and (required_site_kind(access) or access.has_listed_ports):  # type: ignore[attr-defined]
        conditions.append(
            Reason(
                "designated_port_required",
                _("Entry only through the ports listed as allowed."),
            )
        )
    # The entry's treatment, areas and other conditions, and its dated conditions with their
    # instruments, in three languages (issue 22): each in the answer's language where the
    # registry holds it, marked as the record pages mark it.
    for code, field in OWN_CONDITIONS:
        if getattr(access, field):
            own = translated_text(access, field)
            conditions.append(Reason(code, own.text, own.language, own.translated_by_registry))
    for item in conditions_in_force(access, on):
        words = translated_text(item, "text")
        instrument = translated_text(item, "instrument_ref")
        conditions.append(
            Reason(
                CONDITION_KIND_CODES.get(item["kind"], "other_conditions"),
                _("%(condition)s (%(instrument)s; in force since %(date)s)")
                % {
                    "condition": words.text,
                    "instrument": instrument.text or _("instrument not recorded"),
                    "date": format_dated(item["valid_from"], item["valid_from_precision"]),
                },
                words.language,
                words.translated_by_registry or instrument.translated_by_registry,
            )
        )
    return conditions


# The conditions the entry keeps in its own fields, with the code of each.
OWN_CONDITIONS = (
    ("treatment_required", "treatment"),
    ("origin_area_restricted", "pest_free_areas"),
    ("other_conditions", "conditions"),
)
