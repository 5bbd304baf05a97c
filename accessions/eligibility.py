"""The eligibility question, answered by one service for the web form, the API, bulk and the CLI.

"May this product, from this country, enter through this port on this date, from this producer,
and why?" (DESIGN.md, "The eligibility question"). China admits only what is on its access list,
so a pair with no access in force on the date is `not_eligible`. Requirements the question did not
ask about become conditions (`eligible_with_conditions`). `unknown` is for what the registry cannot
decide from what it holds.

Query budget: at most 4 queries on the path that finds access (access with product and country,
applicable regulations, ports, establishment), whatever the size of the data.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlencode

from django.db import models
from django.db.models import Exists, F, Func, OuterRef, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accessions.models import (
    STOPPED_REGISTRATION_STATUSES,
    AccessStatus,
    EstablishmentRegistration,
    MarketAccess,
    RegistrationStatus,
)
from registry.common import DomainError, covers, format_dated, in_force_q
from registry.models import Country, Port, Product, SupervisionSite, UnionMembership
from registry.selectors import (
    ambiguous_product,
    membership_binds,
    normalise_identifier,
    product_ids_matching,
    product_resolve,
    product_resolve_many,
)
from regulations.models import Regulation, RegulationProduct
from regulations.selectors import applicable_regulations, applicable_regulations_among


class Verdict(models.TextChoices):
    ELIGIBLE = "eligible", gettext_lazy("eligible")
    ELIGIBLE_WITH_CONDITIONS = "eligible_with_conditions", gettext_lazy("eligible with conditions")
    NOT_ELIGIBLE = "not_eligible", gettext_lazy("not eligible")
    UNKNOWN = "unknown", gettext_lazy("cannot be decided")


REASON_CODES = (
    "access_in_force",
    "start_date_unknown",
    "no_access",
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
    "illustrative_data",
)

CONDITION_CODES = (
    "registered_establishment_required",
    "designated_port_required",
    "treatment_required",
    "origin_area_restricted",
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
    code: str
    message: str


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

    @property
    def is_illustrative(self) -> bool:
        return any(
            getattr(record, "is_illustrative", False)
            for record in (self.access, self.establishment, self.product, self.port)
        )

    @property
    def permalink_query(self) -> str:
        """The query string that reproduces this answer (with the date pinned)."""
        return urlencode({k: v for k, v in self.query.items() if v})

    @property
    def sources(self) -> list[dict[str, Any]]:
        records = [self.access, self.establishment, *self.regulations]
        return [
            {
                "record": str(record),
                "kind": record._meta.model_name,
                "source": record.source,
                "source_url": record.source_url,
                "confidence": record.confidence,
                "is_illustrative": record.is_illustrative,
            }
            for record in records
            if record is not None
        ]


# Whether an access entry restricts entry to listed ports (annotated on every access it reads).
LISTED_PORTS = MarketAccess.allowed_ports.through.objects.filter(marketaccess_id=OuterRef("pk"))


def _access_message(access: MarketAccess, on: dt.date) -> Reason | None:
    """The blocking reason for an access record on a date, or None when it is in force."""
    status = access.status
    if status == AccessStatus.PROTOCOL_SIGNED:
        return Reason(
            "protocol_only",
            _(
                "A protocol was signed (%(date)s), but the registry holds no GACC announcement; "
                "access starts only with the announcement."
            )
            % {"date": format_dated(access.protocol_signed_on, access.protocol_signed_precision)},
        )
    if status == AccessStatus.NEGOTIATING:
        return Reason("access_negotiating", _("Access is still being negotiated."))
    if status == AccessStatus.SUSPENDED:
        return Reason("access_suspended", _("Access is suspended."))
    if status == AccessStatus.REVOKED:
        return Reason("access_revoked", _("Access has been revoked."))
    if status == AccessStatus.EXPIRED or (access.valid_until and on > access.valid_until):
        return Reason(
            "access_expired",
            _("Access ended on %(date)s.") % {"date": access.valid_until or _("an earlier date")},
        )
    if access.valid_from and on < access.valid_from:
        return Reason(
            "not_yet_in_force",
            _("Access starts on %(date)s, after the date asked about.")
            % {"date": format_dated(access.valid_from, access.valid_from_precision)},
        )
    return None


def _ports_with_flags(access: MarketAccess, on: dt.date) -> list[Port]:
    listed = access.allowed_ports.through.objects.filter(
        marketaccess_id=access.pk, port_id=OuterRef("pk")
    )
    site = SupervisionSite.objects.filter(
        port=OuterRef("pk"), kind=access.required_site_kind or "-"
    )
    site = site.filter(in_force_q(on))  # the validity rule (registry.common)
    return list(
        Port.objects.annotate(is_listed=Exists(listed), has_site=Exists(site))
        .select_related("facing_country")
        .order_by("name_en")
    )


def _allowed(access: MarketAccess, ports: list[Port]) -> list[Port]:
    listed = [p for p in ports if p.is_listed]  # type: ignore[attr-defined]
    candidates = listed or ports
    if access.required_site_kind:
        candidates = [p for p in candidates if p.has_site]  # type: ignore[attr-defined]
    return candidates


def _find_establishment(access: MarketAccess, number: str) -> EstablishmentRegistration | None:
    """The registration by number, annotated with whether it covers the access's product."""
    product_link = EstablishmentRegistration.products.through.objects.filter(
        establishmentregistration_id=OuterRef("pk"), product_id=access.product_id
    )
    return (
        EstablishmentRegistration.objects.filter(registration_number=number.strip().upper())
        .annotate(covers_product=Exists(product_link))
        .select_related("country", "regime")
        .first()
    )


class _Fetch:
    """Where the answer's records come from: one query each for a single check; the bulk check
    (check_eligibility_batch) serves the same records from a few batch queries, and both run the
    same rules below, so their answers are identical."""

    ports = staticmethod(_ports_with_flags)
    establishment = staticmethod(_find_establishment)

    @staticmethod
    def regulations(product: Product, country: Country, on: dt.date) -> list[Regulation]:
        return applicable_regulations(product=product, country=country, on=on)

    @staticmethod
    def candidates(identifier: str) -> list[Product]:
        return product_resolve(identifier).candidates

    @staticmethod
    def country(iso2: str) -> Country | None:
        return Country.objects.filter(iso2=iso2).first()


def _establishment_reasons(
    access: MarketAccess,
    number: str,
    on: dt.date,
    answer: EligibilityAnswer,
    fetch: type[_Fetch] | _BatchFetch = _Fetch,
) -> list[Reason]:
    establishment = fetch.establishment(access, number)
    if establishment is None:
        return [
            Reason(
                "establishment_not_registered",
                _("No registration %(number)s is on record.") % {"number": number},
            )
        ]
    answer.establishment = establishment
    if establishment.country_id != access.country_id:
        return [
            Reason(
                "establishment_wrong_country",
                _("Registration %(number)s belongs to %(country)s.")
                % {
                    "number": establishment.registration_number,
                    "country": establishment.country.name,
                },
            )
        ]
    if not establishment.covers_product:  # type: ignore[attr-defined]
        return [
            Reason(
                "establishment_not_for_product",
                _("Registration %(number)s does not cover %(product)s.")
                % {"number": establishment.registration_number, "product": access.product.name},
            )
        ]
    if establishment.status in STOPPED_REGISTRATION_STATUSES:
        return [
            Reason(
                "establishment_suspended",
                _("Registration %(number)s is %(status)s.")
                % {
                    "number": establishment.registration_number,
                    "status": establishment.get_status_display(),
                },
            )
        ]
    if on < establishment.registered_on:
        return [
            Reason(
                "establishment_not_yet_registered",
                _("Registration %(number)s starts on %(date)s.")
                % {
                    "number": establishment.registration_number,
                    "date": establishment.registered_on.isoformat(),
                },
            )
        ]
    if on > establishment.effective_until or establishment.status == RegistrationStatus.EXPIRED:
        return [
            Reason(
                "establishment_registration_expired",
                _("Registration %(number)s expired on %(date)s.")
                % {
                    "number": establishment.registration_number,
                    "date": establishment.effective_until.isoformat(),
                },
            )
        ]
    return []


def _conditions(access: MarketAccess, port_given: bool, establishment_given: bool) -> list[Reason]:
    conditions = []
    if access.requires_registered_establishments and not establishment_given:
        conditions.append(
            Reason(
                "registered_establishment_required",
                _("The producer must be registered with GACC for this product."),
            )
        )
    if not port_given and (access.required_site_kind or access.has_listed_ports):  # type: ignore[attr-defined]
        conditions.append(
            Reason(
                "designated_port_required",
                _("Entry only through the ports listed as allowed."),
            )
        )
    if access.treatment:
        conditions.append(Reason("treatment_required", access.treatment))
    if access.pest_free_areas:
        conditions.append(Reason("origin_area_restricted", access.pest_free_areas))
    if access.conditions:
        conditions.append(Reason("other_conditions", access.conditions))
    return conditions


def check_eligibility(
    *,
    product: str,
    country: str,
    port: str = "",
    on: dt.date,
    establishment: str = "",
) -> EligibilityAnswer:
    """Answer the eligibility question as of `on` (the caller decides what "today" is).

    Raises DomainError('ambiguous_product') when an HS code or name matches several products.
    """
    question = EligibilityQuestion(
        product=product, country=country, port=port, on=on, establishment=establishment
    )
    answer = EligibilityAnswer(verdict=Verdict.UNKNOWN, as_of=on, query=question.query)
    matching = product_ids_matching(question.product)
    # COUNT over the whole subquery (a Func, not an aggregate, so no GROUP BY per product).
    candidate_count = (
        Product.objects.filter(pk__in=matching)
        .order_by()
        .annotate(n=Func(F("pk"), function="COUNT"))
    )
    access = (
        MarketAccess.objects.filter(country__iso2=question.country, product_id__in=matching)
        .select_related("product", "country")
        .annotate(
            candidates=Subquery(candidate_count.values("n")[:1]),
            has_listed_ports=Exists(LISTED_PORTS),
        )
        .order_by("pk")
        .first()
    )
    if access is None:
        return _answer_without_access(answer, question)
    if access.candidates and access.candidates > 1:
        raise ambiguous_product(question.product, product_resolve(question.product).candidates)
    return _answer_with_access(answer, access, question)


def _answer_with_access(
    answer: EligibilityAnswer,
    access: MarketAccess,
    question: EligibilityQuestion,
    fetch: type[_Fetch] | _BatchFetch = _Fetch,
) -> EligibilityAnswer:
    """The rules once the access record is found (shared by the single and the bulk check)."""
    on, port_code, number = question.on, question.port, question.establishment
    answer.access, answer.product, answer.country = access, access.product, access.country
    answer.query["product"] = access.product.slug
    answer.regulations = fetch.regulations(access.product, access.country, on)

    blocking = _access_message(access, on)
    if blocking:
        answer.verdict, answer.reasons = Verdict.NOT_ELIGIBLE, [blocking]
        return answer

    answer.reasons.append(
        Reason(
            "access_in_force",
            _("%(product)s from %(country)s has access (%(instrument)s; in force since: %(date)s).")
            % {
                "product": access.product.name,
                "country": access.country.name,
                "instrument": access.instrument_ref or access.get_instrument_kind_display(),
                "date": format_dated(access.valid_from, access.valid_from_precision),
            },
        )
    )
    if access.valid_from is None:
        answer.reasons.append(
            Reason(
                "start_date_unknown",
                _(
                    "The sources give no start date for this access; the registry cannot confirm "
                    "that it was already in force on %(date)s."
                )
                % {"date": on.isoformat()},
            )
        )
    ports = fetch.ports(access, on)
    answer.allowed_ports = _allowed(access, ports)
    blocking_reasons: list[Reason] = []
    if port_code:
        chosen = next((p for p in ports if p.code == port_code), None)
        if chosen is None:
            answer.verdict = Verdict.UNKNOWN
            answer.reasons.append(
                Reason(
                    "unknown_port", _("The registry has no port '%(port)s'.") % {"port": port_code}
                )
            )
            return answer
        answer.port = chosen
        if chosen in answer.allowed_ports:
            answer.reasons.append(
                Reason("port_allowed", _("%(port)s is allowed for it.") % {"port": chosen.name})
            )
        else:
            blocking_reasons.append(
                Reason(
                    "port_not_designated",
                    _("%(port)s is not designated for this product.") % {"port": chosen.name},
                )
            )
    if number:
        found = _establishment_reasons(access, number, on, answer, fetch)
        blocking_reasons.extend(found)
        if not found:
            # _establishment_reasons found the registration and put it on the answer.
            registration = cast(EstablishmentRegistration, answer.establishment)
            answer.reasons.append(
                Reason(
                    "establishment_registered",
                    _("Registration %(number)s is valid until %(date)s.")
                    % {"number": number, "date": registration.effective_until},
                )
            )
    if answer.is_illustrative:
        answer.reasons.append(
            Reason("illustrative_data", _("Part of this answer rests on illustrative demo data."))
        )
    if blocking_reasons:
        answer.verdict = Verdict.NOT_ELIGIBLE
        answer.reasons = blocking_reasons + answer.reasons
        return answer

    answer.conditions = _conditions(access, bool(port_code), bool(number))
    answer.verdict = Verdict.ELIGIBLE_WITH_CONDITIONS if answer.conditions else Verdict.ELIGIBLE
    return answer


def _answer_without_access(
    answer: EligibilityAnswer,
    question: EligibilityQuestion,
    fetch: type[_Fetch] | _BatchFetch = _Fetch,
) -> EligibilityAnswer:
    """No access row matched: find out why (unknown product, unknown country, or no access)."""
    product_ident, iso2, on = question.product, question.country, question.on
    candidates = fetch.candidates(product_ident) if product_ident else []
    if len(candidates) > 1:
        raise ambiguous_product(product_ident, candidates)
    country = fetch.country(iso2) if iso2 else None
    answer.country = country
    if not candidates:
        answer.reasons.append(
            Reason(
                "unknown_product",
                _("The registry has no product '%(product)s'.") % {"product": product_ident},
            )
        )
    if country is None:
        answer.reasons.append(
            Reason(
                "unknown_country",
                _("The registry has no country '%(country)s'.") % {"country": iso2},
            )
        )
    if answer.reasons or country is None:
        answer.verdict = Verdict.UNKNOWN
        return answer
    answer.product = candidates[0]
    answer.query["product"] = answer.product.slug
    answer.regulations = fetch.regulations(answer.product, country, on)
    answer.verdict = Verdict.NOT_ELIGIBLE
    answer.reasons.append(
        Reason(
            "no_access",
            _("China's access list has no entry for %(product)s from %(country)s.")
            % {"product": answer.product.name, "country": country.name},
        )
    )
    return answer


# --- The bulk check: the same rules over many questions, in a fixed number of queries ---------


class _BatchFetch:
    """Serves `_Fetch`'s records from batch queries made once for a whole list of questions:
    products (+ aliases), countries, access rows (+ allowed ports), regulation links, binding
    memberships, ports, designated sites, registrations (+ their products): 11 queries, whatever
    the number of questions. The rules are the same ones, by their Python twins.
    """

    def __init__(self, questions: list[EligibilityQuestion]) -> None:
        iso2s = {q.country for q in questions if q.country}
        numbers = {q.establishment for q in questions if q.establishment}
        self.resolutions = product_resolve_many(q.product for q in questions if q.product)
        products = {p.pk: p for r in self.resolutions.values() for p in r.candidates}
        self.countries = {c.iso2: c for c in Country.objects.filter(iso2__in=iso2s)}

        accesses = (
            MarketAccess.objects.filter(product_id__in=products, country__iso2__in=self.countries)
            .select_related("product", "country")
            .annotate(has_listed_ports=Exists(LISTED_PORTS))
        )
        self.accesses = {(a.product_id, a.country_id): a for a in accesses}
        listed = MarketAccess.allowed_ports.through.objects.filter(
            marketaccess_id__in=[a.pk for a in self.accesses.values()]
        ).values_list("marketaccess_id", "port_id")
        self.listed: set[tuple[int, int]] = set(listed)

        links = (
            RegulationProduct.objects.filter(product_id__in=products)
            .select_related("regulation__country", "regulation__union")
            .order_by("regulation__union__code", "regulation__country__iso2", "regulation__code")
        )
        self.links: dict[int, list[Regulation]] = {}
        shared: dict[int, Regulation] = {}
        for link in links:
            regulation = shared.setdefault(link.regulation_id, link.regulation)
            self.links.setdefault(link.product_id, []).append(regulation)
        self.memberships: dict[int, list[UnionMembership]] = {}
        for membership in UnionMembership.objects.filter(
            country_id__in=[c.pk for c in self.countries.values()]
        ):
            self.memberships.setdefault(membership.country_id, []).append(membership)

        self.all_ports = list(Port.objects.select_related("facing_country").order_by("name_en"))
        self.sites: dict[tuple[int, str], list[SupervisionSite]] = {}
        for site in SupervisionSite.objects.all():
            self.sites.setdefault((site.port_id, site.kind), []).append(site)

        self.establishments = {
            e.registration_number: e
            for e in EstablishmentRegistration.objects.filter(
                registration_number__in=numbers
            ).select_related("country", "regime")
        }
        covered = EstablishmentRegistration.products.through.objects.filter(
            establishmentregistration_id__in=[e.pk for e in self.establishments.values()]
        ).values_list("establishmentregistration_id", "product_id")
        self.covered: set[tuple[int, int]] = set(covered)

    def candidates(self, identifier: str) -> list[Product]:
        resolution = self.resolutions.get(identifier)
        return resolution.candidates if resolution is not None else []

    def country(self, iso2: str) -> Country | None:
        return self.countries.get(iso2)

    def access(self, product: Product, country: Country | None) -> MarketAccess | None:
        if country is None:
            return None
        return self.accesses.get((product.pk, country.pk))

    def regulations(self, product: Product, country: Country, on: dt.date) -> list[Regulation]:
        unions = {
            m.union_id for m in self.memberships.get(country.pk, []) if membership_binds(m, on)
        }
        return applicable_regulations_among(
            self.links.get(product.pk, []), country=country, binding_unions=unions, on=on
        )

    def ports(self, access: MarketAccess, on: dt.date) -> list[Port]:
        ports = []
        for port in self.all_ports:
            flagged = copy.copy(port)
            flagged.is_listed = (access.pk, port.pk) in self.listed  # type: ignore[attr-defined]
            flagged.has_site = any(  # type: ignore[attr-defined]
                covers(site.valid_from, site.valid_until, on)
                for site in self.sites.get((port.pk, access.required_site_kind or "-"), [])
            )
            ports.append(flagged)
        return ports

    def establishment(self, access: MarketAccess, number: str) -> EstablishmentRegistration | None:
        found = self.establishments.get(number)
        if found is None:
            return None
        found = copy.copy(found)
        found.covers_product = (found.pk, access.product_id) in self.covered  # type: ignore[attr-defined]
        return found


def check_eligibility_batch(
    questions: list[EligibilityQuestion],
) -> list[EligibilityAnswer | DomainError]:
    """Answer many eligibility questions with the rules of `check_eligibility`, reading the data
    in a fixed number of queries. Each result is the answer, or the DomainError the single check
    would raise (ambiguous_product), in the order asked.
    """
    fetch = _BatchFetch(questions)
    results: list[EligibilityAnswer | DomainError] = []
    for question in questions:
        answer = EligibilityAnswer(verdict=Verdict.UNKNOWN, as_of=question.on, query=question.query)
        candidates = fetch.candidates(question.product) if question.product else []
        country = fetch.country(question.country)
        access = fetch.access(candidates[0], country) if len(candidates) == 1 else None
        try:
            if len(candidates) > 1:
                raise ambiguous_product(question.product, candidates)
            if access is None:
                results.append(_answer_without_access(answer, question, fetch))
            else:
                results.append(_answer_with_access(answer, copy.copy(access), question, fetch))
        except DomainError as error:
            results.append(error)
    return results
