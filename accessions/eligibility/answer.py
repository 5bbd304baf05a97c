"""The eligibility question in its normal form, and the answer: verdict, reasons, conditions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus

from django.db import models
from django.utils.translation import gettext_lazy

from accessions.models import (
    EstablishmentRegistration,
    MarketAccess,
    StateKind,
)
from registry.localize import content_language
from registry.models import Country, Port, Product
from registry.selectors.resolution import normalise_identifier
from regulations.models import Regulation


class Verdict(models.TextChoices):
    ELIGIBLE = "eligible", gettext_lazy("eligible")
    ELIGIBLE_WITH_CONDITIONS = "eligible_with_conditions", gettext_lazy("eligible with conditions")
    NOT_ELIGIBLE = "not_eligible", gettext_lazy("not eligible")
    # The registry holds no record that decides the question (no entry for the pair, or a
    # protocol with no announcement recorded): not a refusal (docs/design.md, "The eligibility
    # question").
    NOT_RECORDED = "not_recorded", gettext_lazy("not recorded")
    UNKNOWN = "unknown", gettext_lazy("cannot be decided")


REASON_CODES = (
    "access_in_force",
    "start_date_unknown",
    "no_access",
    "not_recorded",
    "registry_coverage",
    "no_state_recorded",
    "port_not_recorded",
    "state_date_uncertain",
    "protocol_only",
    "access_negotiating",
    "access_suspended",
    "access_revoked",
    "access_expired",
    "not_yet_in_force",
    "port_not_designated",
    "port_allowed",
    "establishment_not_registered",
    "establishment_wrong_country",
    "establishment_not_for_product",
    "establishment_registration_expired",
    "establishment_not_yet_registered",
    "establishment_suspended",
    "establishment_registered",
    "unknown_product",
    "unknown_country",
    "unknown_port",
    "designated_sites_not_recorded",
    "illustrative_data",
)

CONDITION_CODES = (
    "access_limited",
    "registered_establishment_required",
    "registered_establishment_not_stated",
    "designated_port_required",
    "designated_sites_not_recorded",
    "treatment_required",
    "origin_area_restricted",
    "certificate_required",
    "packaging_labelling_required",
    "other_conditions",
)


@dataclass(frozen=True)
class EligibilityQuestion:
    """One question, in the one normal form every surface (the checker page, the API, bulk,
    permalinks) passes on: the product as typed (spaces collapsed), the country's ISO code in
    upper case, the port code in lower case, the registration number in upper case."""

    product: str
    country: str
    on: dt.date
    port: str = ""
    establishment: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "product", normalise_identifier(self.product))
        object.__setattr__(self, "country", normalise_country(self.country))
        object.__setattr__(self, "port", normalise_port(self.port))
        object.__setattr__(self, "establishment", normalise_registration(self.establishment))

    @property
    def query(self) -> dict[str, str]:
        """The question as query parameters (a permalink pins the date)."""
        return {
            "product": self.product,
            "country": self.country,
            "port": self.port,
            "date": self.on.isoformat(),
            "establishment": self.establishment,
        }


def normalise_country(value: str) -> str:
    return value.strip().upper()


def normalise_port(value: str) -> str:
    return value.strip().lower()


def normalise_registration(value: str) -> str:
    return value.strip().upper()


@dataclass(frozen=True)
class Reason:
    """A reason or a condition of the answer, in the answer's language. Where its words are a
    record's (a condition's text), `language` is the language they are in and
    `translated_by_registry` says whether the registry translated them (issue 22), so a page or
    the API marks them as the record pages do (registry.localize.translated_text)."""

    code: str
    message: str
    language: str = field(default_factory=content_language)
    translated_by_registry: bool = False


@dataclass(frozen=True)
class Requirement:
    """One line of the checklist a trader works through: what (`kind`), whether the registry
    records it as `required`, `not_required` or `not_recorded`, the words, and the source. The
    words are in the answer's language; where they are a record's, `language` and
    `translated_by_registry` say which text they are, as on Reason."""

    kind: str
    status: str
    text: str
    source: str = ""
    language: str = field(default_factory=content_language)
    translated_by_registry: bool = False
    # The source's (or instrument's) language and whether it is the registry's translation.
    source_language: str = field(default_factory=content_language)
    source_translated_by_registry: bool = False


REQUIREMENT_KINDS = (
    "registered_establishment",
    "designated_port",
    "treatment",
    "pest_free_area",
    "certificate",
    "packaging_labelling",
)


@dataclass
class EligibilityAnswer:
    verdict: str
    as_of: dt.date
    query: dict[str, str]
    reasons: list[Reason] = field(default_factory=list)
    conditions: list[Reason] = field(default_factory=list)
    product: Product | None = None
    country: Country | None = None
    port: Port | None = None
    establishment: EstablishmentRegistration | None = None
    access: MarketAccess | None = None
    regulations: list[Regulation] = field(default_factory=list)
    allowed_ports: list[Port] = field(default_factory=list)
    checklist: list[Requirement] = field(default_factory=list)
    # What the registry covers for the country (accessions.selectors.counts.
    # CountryRecordCoverage), on `not_recorded` answers.
    coverage: Any = None
    # The access entry's legal state on the date asked (accessions.validity), as read with it.
    state: dict[str, Any] | None = None
    # The window of dates over which the same records give this answer (accessions.windows):
    # from `holds_from` to `holds_until`, both included; None is open.
    holds_from: dt.date | None = None
    holds_until: dt.date | None = None
    # The change days the window was drawn from (every dated record the answer read).
    change_days: list[dt.date] = field(default_factory=list)
    # The kind asked about when a broader entry covers it (accessions.eligibility.kinds).
    covered_kind: Any = None

    @property
    def state_display(self) -> str:
        """The state on the date asked in words ("suspended"), '' when none has started."""
        if not self.state:
            return ""
        return str(StateKind(self.state["kind"]).label)

    @property
    def state_starts_on(self) -> dt.date | None:
        value = (self.state or {}).get("starts_on")
        return dt.date.fromisoformat(str(value)[:10]) if value else None

    @property
    def is_illustrative(self) -> bool:
        return any(
            getattr(record, "is_illustrative", False)
            for record in (self.access, self.establishment, self.product, self.port)
        )

    @property
    def permalink_query(self) -> str:
        """The query string that reproduces this answer (with the date pinned): urlencode's, with
        the fixed names of the parameters (plain ASCII words) not quoted again for every answer
        of a batch."""
        return "&".join(f"{k}={quote_plus(v)}" for k, v in self.query.items() if v)

    @property
    def sources(self) -> list[dict[str, Any]]:
        records = [self.access, self.establishment, *self.regulations]
        return [
            {
                "record": str(record),
                "kind": record._meta.model_name,
                "source": record.source,
                "source_zh": record.source_zh,
                "source_ru": record.source_ru,
                "source_url": record.source_url,
                "confidence": record.confidence,
                "is_illustrative": record.is_illustrative,
            }
            for record in records
            if record is not None
        ]
