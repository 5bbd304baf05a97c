"""The regulations' rules and their Python twins agree: a regulation in force on a date, and the
regulations that apply to a product from a country on a date (single and bulk paths)."""

import datetime as dt
import itertools

import pytest

from registry.models import Country, Product, UnionMembership
from registry.selectors import membership_binds
from regulations.models import Regulation, RegulationStatus
from regulations.selectors import (
    applicable_regulations,
    applicable_regulations_among,
    regulation_binds,
    regulation_binds_q,
    regulation_in_force,
    regulation_in_force_q,
)
from tests.factories import RegulationFactory, RegulationProductFactory

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
def test_applicable_regulations_are_the_same_on_the_single_and_the_bulk_path(seeded):
    grapes = Product.objects.get(slug="fresh-grapes")
    RegulationProductFactory(
        regulation=RegulationFactory(status=RegulationStatus.REPEALED), product=grapes
    )
    for product, country, day in itertools.product(
        Product.objects.filter(regulation_links__isnull=False).distinct(),
        Country.objects.all(),
        DAYS,
    ):
        links = list(
            Regulation.objects.filter(product_links__product=product)
            .select_related("country", "union")
            .order_by("union__code", "country__iso2", "code")
        )
        unions = {
            m.union_id
            for m in UnionMembership.objects.filter(country=country)
            if membership_binds(m, day)
        }
        single = applicable_regulations(product=product, country=country, on=day)
        bulk = applicable_regulations_among(links, country=country, binding_unions=unions, on=day)
        assert [r.pk for r in single] == [r.pk for r in bulk], (product.slug, country.iso2, day)
