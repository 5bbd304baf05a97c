"""The regulations' rules, each one SQL predicate, against the rule as the test states it: a
regulation in force on a date, and the regulations that apply to a product from a country on a
date (the selector and the eligibility engine's batch statement alike)."""

import datetime as dt
import itertools

import pytest

from accessions.eligibility.answer import EligibilityQuestion
from accessions.eligibility.check import check_eligibility_batch
from registry.dates import covers
from registry.models import Country, Product, UnionKind, UnionMembership
from regulations.models import Regulation, RegulationStatus
from regulations.selectors import (
    NOT_IN_FORCE_STATUSES,
    applicable_regulations,
    regulation_binds_q,
    regulation_in_force_q,
)
from tests.factories import RegulationFactory, RegulationProductFactory


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


@pytest.mark.django_db
def test_regulation_in_force_and_its_twin_agree(seeded):
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


@pytest.mark.django_db
def test_regulation_binds_and_its_twin_agree_for_every_seeded_country(seeded):
    regulations = list(Regulation.objects.select_related("union"))
    for country, day in itertools.product(Country.objects.all(), DAYS):
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


@pytest.mark.django_db
def test_applicable_regulations_are_the_same_from_the_selector_and_the_engine(seeded):
    grapes = Product.objects.get(slug="fresh-grapes")
    RegulationProductFactory(
        regulation=RegulationFactory(status=RegulationStatus.REPEALED), product=grapes
    )
    cases = list(
        itertools.product(
            Product.objects.filter(regulation_links__isnull=False).distinct(),
            Country.objects.all(),
            DAYS,
        )
    )
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
