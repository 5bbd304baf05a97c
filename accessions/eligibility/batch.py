"""The bulk check: the rules of `check` over many questions, with the records read in a fixed
number of batch queries and the rules' Python twins applied to them."""

from __future__ import annotations

import copy
import datetime as dt

from django.db.models import Exists

from accessions.eligibility.answer import EligibilityAnswer, EligibilityQuestion, Verdict
from accessions.eligibility.check import (
    DATED_CONDITIONS,
    LISTED_PORTS,
    answer_with_access,
    answer_without_access,
    required_site_kind,
)
from accessions.models import (
    EstablishmentRegistration,
    MarketAccess,
)
from registry.common import DomainError, covers
from registry.models import (
    Country,
    Port,
    Product,
    ReportedSiteCount,
    SiteKind,
    SupervisionSite,
    UnionMembership,
)
from registry.selectors import (
    ProductResolution,
    ambiguous_product,
    membership_binds,
    product_resolve_many,
    site_list_incomplete,
)
from regulations.models import Regulation, RegulationProduct
from regulations.selectors import applicable_regulations_among


class _BatchFetch:
    """The bulk check's RecordSource: the records `check.QUERIES` reads, from batch queries made
    once for a whole list of questions: products (+ aliases), countries, access rows (+ allowed
    ports), regulation links, memberships, ports, designated sites, reported site counts,
    registrations (+ their products): 12 queries, whatever the number of questions. The rules are
    the same ones, by their Python twins.
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
            .annotate(has_listed_ports=Exists(LISTED_PORTS), dated_conditions_data=DATED_CONDITIONS)
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
        all_sites = list(SupervisionSite.objects.all())
        for site in all_sites:
            self.sites.setdefault((site.port_id, site.kind), []).append(site)
        counts = list(ReportedSiteCount.objects.all())
        self.incomplete_kinds = {
            kind for kind in SiteKind.values if site_list_incomplete(kind, counts, all_sites)
        }

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

    def resolve(self, identifier: str) -> ProductResolution:
        return self.resolutions.get(identifier) or ProductResolution(identifier)

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
                for site in self.sites.get((port.pk, required_site_kind(access) or "-"), [])
            )
            flagged.sites_incomplete = required_site_kind(access) in self.incomplete_kinds  # type: ignore[attr-defined]
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
        resolution = fetch.resolve(question.product) if question.product else None
        product = resolution.product if resolution else None
        country = fetch.country(question.country)
        access = fetch.access(product, country) if product else None
        try:
            if resolution is not None and resolution.ambiguous:
                raise ambiguous_product(question.product, resolution)
            if access is None:
                results.append(answer_without_access(answer, question, fetch))
            else:
                results.append(answer_with_access(answer, copy.copy(access), question, fetch))
        except DomainError as error:
            results.append(error)
    return results
