"""The access entry's requirements as a checklist (accessions.eligibility.answer.REQUIREMENT_KINDS):
what the registry records of each, with its source, and `not_recorded` where it records nothing
(never a default of "not required")."""

from __future__ import annotations

import datetime as dt
from typing import Any

from accessions.eligibility.answer import Requirement
from accessions.eligibility.conditions import conditions_in_force
from accessions.eligibility.ports import required_site_kind, site_kind_label, sites_not_recorded
from accessions.models import ConditionKind, MarketAccess
from registry.localize import Translated, names_list, translated_text
from registry.localize import gettext as _
from registry.models import Port

# The checklist's kinds that the entry's dated conditions of a kind add to.
REQUIREMENT_CONDITION_KINDS = {
    "treatment": ConditionKind.TREATMENT,
    "pest_free_area": ConditionKind.ORIGIN_AREA,
    "certificate": ConditionKind.CERTIFICATE,
    "packaging_labelling": ConditionKind.PACKAGING_LABELLING,
}


def requirements_checklist(
    access: MarketAccess, on: dt.date, ports: list[Port]
) -> list[Requirement]:
    """The access entry's conditions as a checklist (REQUIREMENT_KINDS, in that order): each
    `required` with its words and source where the registry records it, `not_recorded` where it
    does not (never a default of "not required"). Certificates, packaging and labelling come from
    the entry's dated conditions of those kinds, each with its own source."""
    dated = conditions_in_force(access, on)
    return [
        _establishment_requirement(access),
        _port_requirement(access, ports),
        *_from_conditions("treatment", dated, access, "treatment"),
        *_from_conditions("pest_free_area", dated, access, "pest_free_areas"),
        *_from_conditions("certificate", dated, access),
        *_from_conditions("packaging_labelling", dated, access),
    ]


def _source_of(access: MarketAccess) -> dict[str, Any]:
    """The entry's source as a requirement cites it, in the answer's language."""
    source = translated_text(access, "source")
    return {
        "source": source.text,
        "source_language": source.language,
        "source_translated_by_registry": source.translated_by_registry,
    }


def _cited(record: Any) -> Translated:
    """The citation of a record (its instrument, else its source) in the answer's language."""
    instrument = translated_text(record, "instrument_ref")
    return instrument if instrument.text else translated_text(record, "source")


def _required(kind: str, words: Translated, cited: Translated) -> Requirement:
    return Requirement(
        kind,
        "required",
        words.text,
        cited.text,
        words.language,
        words.translated_by_registry,
        cited.language,
        cited.translated_by_registry,
    )


def _from_conditions(
    kind: str, dated: list[dict], access: MarketAccess, own: str = ""
) -> list[Requirement]:
    """The requirements of one kind: the entry's own words (its field `own`), then its dated
    conditions of the kind in force, each with its instrument (else its source, else the
    entry's), all in the answer's language where the registry holds a translation (issue 22);
    `not_recorded` when there are none."""
    source = translated_text(access, "source")
    items = []
    if own and getattr(access, own):
        items.append(_required(kind, translated_text(access, own), source))
    for item in dated:
        if item["kind"] != REQUIREMENT_CONDITION_KINDS[kind]:
            continue
        cited = _cited(item)
        items.append(
            _required(kind, translated_text(item, "text"), cited if cited.text else source)
        )
    return items or [Requirement(kind, "not_recorded", _("Not recorded in the registry."), "")]


def _establishment_requirement(access: MarketAccess) -> Requirement:
    """Whether the producer must be registered with GACC: not recorded where the sources are
    silent, required (stated, or the registry's inference), or not required."""
    required = access.requires_registered_establishments
    if required is None:
        return Requirement(
            "registered_establishment",
            "not_recorded",
            _("The sources do not state whether the producer must be registered with GACC."),
        )
    if required:
        return Requirement(
            "registered_establishment",
            "required",
            _("The producer must be registered with GACC (the registry's inference).")
            if access.establishments_inferred
            else _("The producer must be registered with GACC."),
            **_source_of(access),
        )
    return Requirement(
        "registered_establishment",
        "not_required",
        _("The sources state no registration requirement."),
        **_source_of(access),
    )


def _port_requirement(access: MarketAccess, ports: list[Port]) -> Requirement:
    """The ports the product may enter through: the entry's own list, else the ports with a
    designated site of the kind it needs (not recorded where the registry records none), else
    no requirement."""
    kind = required_site_kind(access)
    listed = [p.name for p in ports if p.is_listed]  # type: ignore[attr-defined]
    if listed:
        return Requirement(
            "designated_port",
            "required",
            _("Only through: %(ports)s.") % {"ports": names_list(listed)},
            **_source_of(access),
        )
    if kind and sites_not_recorded(access, ports):
        return Requirement(
            "designated_port",
            "not_recorded",
            _(
                "A port with a designated supervision site for %(kind)s; the registry does not "
                "record which ports hold one."
            )
            % {"kind": site_kind_label(access)},
        )
    if kind:
        names = [p.name for p in ports if p.has_site]  # type: ignore[attr-defined]
        if any(p.sites_incomplete for p in ports):  # type: ignore[attr-defined]
            text = _(
                "A port with a designated supervision site for %(kind)s: %(ports)s. A source "
                "reports more such ports than the registry records: for another port, the "
                "registry does not record whether it holds one."
            )
        else:
            text = _("A port with a designated supervision site for %(kind)s: %(ports)s.")
        return Requirement(
            "designated_port",
            "required",
            text % {"kind": site_kind_label(access), "ports": names_list(names)},
            _("Designated supervision sites as recorded in the registry."),
        )
    return Requirement(
        "designated_port",
        "not_required",
        _("No designated supervision site is required for this category."),
    )
