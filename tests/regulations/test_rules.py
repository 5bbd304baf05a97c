"""The regulations' rules, each one SQL predicate, against the rule as the test states it: a
regulation in force on a date, and the regulations that apply to a product from a country on a
date (the selector and the eligibility engine's batch statement alike)."""

import datetime as dt
import itertools

import pytest

from accessions.eligibility.answer import EligibilityQuestion
from accessions.eligibility.check import check_eligibility_batch
from registry.dates import covers
from registry.models import Country, UnionKind, UnionMembership
from regulations.models import Regulation, RegulationStatus
from regulations.selectors import (
    NOT_IN_FORCE_STATUSES,
    applicable_regulations,
    regulation_binds_q,
    regulation_in_force_q,
)
from tests.factories import (
    CountryFactory,
    ProductFactory,
    RegulationFactory,
    RegulationProductFactory,
    UnionFactory,
    UnionMembershipFactory,
)


# The rules as the tests state them (the oracle; the code holds only the SQL).
def membership_binds(membership: UnionMembership, on: dt.date) -> bool:
    return membership.binding and covers(membership.valid_from, membership.valid_until, on)


def regulation_in_force(regulation: Regulation, on: dt.date) -> bool:
    start, end = regulation.in_force_from, regulation.in_force_until
    started = (start is not None and start <= on) or (
        start is None and regulation.status == RegulationStatus.IN_FORCE
    )
    not_ended = end is None or end >= on
    return started and not_ended and regulation.status not in NOT_IN_FORCE_STATUSES


def regulation_binds(regulation: Regulation, country: Country, binding_unions: set[int]) -> bool:
    return (
        regulation.country_id == country.pk
        or regulation.union_id in binding_unions
        or (regulation.union is not None and regulation.union.kind == UnionKind.STANDARDS_BODY)
    )


DAYS = [dt.date(2012, 1, 1), dt.date(2015, 8, 12), dt.date(2020, 1, 1), dt.date(2026, 11, 30)]


@pytest.fixture
def jurisdictions(db):
    """Countries in every relation to a union, and regulations of every jurisdiction: a binding
    member, a member that joined later, a member that left, an observer (never bound), a country
    of no union; the union's acts, a standards body's standard, national laws."""
    union = UnionFactory(code="EAEU", kind=UnionKind.ECONOMIC_UNION)
    codex = UnionFactory(code="CAC", name_en="Codex Alimentarius", kind=UnionKind.STANDARDS_BODY)
    member, later, left, observer, outside = (
        CountryFactory(iso2=code) for code in ("QA", "QB", "QC", "QD", "QE")
    )
    UnionMembershipFactory(union=union, country=member, valid_from=dt.date(2015, 1, 1))
    UnionMembershipFactory(union=union, country=later, valid_from=dt.date(2015, 8, 12))
    UnionMembershipFactory(
        union=union, country=left, valid_from=dt.date(2015, 1, 1), valid_until=dt.date(2019, 12, 31)
    )
    UnionMembershipFactory(
        union=union, country=observer, valid_from=dt.date(2020, 12, 11), binding=False
    )
    regulations = [
        RegulationFactory(union=union, in_force_from=dt.date(2013, 7, 1)),
        RegulationFactory(union=union, in_force_from=dt.date(2020, 1, 1), status="superseded"),
        RegulationFactory(union=codex, kind="codex_standard", in_force_from=None),
        *(
            RegulationFactory(union=None, country=country, kind="law")
            for country in (member, observer, outside)
        ),
    ]
    return [member, later, left, observer, outside], regulations


@pytest.mark.django_db
def test_regulation_in_force_and_its_twin_agree():
    edges = [None, dt.date(2015, 1, 1), dt.date(2020, 1, 1)]
    for status, start, end in itertools.product(RegulationStatus.values, edges, edges):
        if start and end and start > end:
            continue
        RegulationFactory(status=status, in_force_from=start, in_force_until=end)
    regulations = list(Regulation.objects.all())
    for day in DAYS:
        in_sql = set(
            Regulation.objects.filter(regulation_in_force_q(day)).values_list("pk", flat=True)
        )
        assert in_sql == {r.pk for r in regulations if regulation_in_force(r, day)}, day


def test_regulation_binds_and_its_twin_agree_for_every_kind_of_country(jurisdictions):
    countries, _ = jurisdictions
    regulations = list(Regulation.objects.select_related("union"))
    for country, day in itertools.product(countries, DAYS):
        unions = {
            m.union_id
            for m in UnionMembership.objects.filter(country=country)
            if membership_binds(m, day)
        }
        in_sql = set(
            Regulation.objects.filter(regulation_binds_q(country, day)).values_list("pk", flat=True)
        )
        in_python = {r.pk for r in regulations if regulation_binds(r, country, unions)}
        assert in_sql == in_python, (country.iso2, day)


def test_applicable_regulations_are_the_same_from_the_selector_and_the_engine(jurisdictions):
    countries, regulations = jurisdictions
    grapes, flour = ProductFactory(slug="fresh-grapes"), ProductFactory(slug="wheat-flour")
    for regulation in regulations:
        RegulationProductFactory(regulation=regulation, product=grapes)
    for regulation in regulations[::2]:
        RegulationProductFactory(regulation=regulation, product=flour)
    RegulationProductFactory(
        regulation=RegulationFactory(status=RegulationStatus.REPEALED), product=grapes
    )
    cases = list(itertools.product([grapes, flour], countries, DAYS))
    answers = check_eligibility_batch(
        [EligibilityQuestion(p.slug, c.iso2, day) for p, c, day in cases]
    )
    for (product, country, day), answer in zip(cases, answers, strict=True):
        regulations = list(Regulation.objects.filter(product_links__product=product))
        unions = {
            m.union_id
            for m in UnionMembership.objects.filter(country=country)
            if membership_binds(m, day)
        }
        expected = {
            r.pk
            for r in regulations
            if regulation_binds(r, country, unions) and regulation_in_force(r, day)
        }
        single = applicable_regulations(product=product, country=country, on=day)
        assert {r.pk for r in single} == expected, (product.slug, country.iso2, day)
        engine = [r.pk for r in answer.regulations]  # type: ignore[union-attr]
        assert engine == [r.pk for r in single], (product.slug, country.iso2, day)
