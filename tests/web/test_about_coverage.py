"""Issue 22, item 5: the about page shows coverage per country and category, dated: what the
registry records in force, what it records that is not in force, and what a statement names that
the registry could not source."""

from __future__ import annotations

import datetime as dt

import pytest

from accessions.coverage import coverage_by_category
from registry.models import CoverageGap

from .test_public_content import visible_text

pytestmark = pytest.mark.django_db
ON = dt.date(2025, 6, 1)


def _lines(coverage, iso2):
    row = next(r for r in coverage.rows if r.country.iso2 == iso2)
    return {line.category: line for line in row.lines}


def test_counts_per_country_and_category_come_from_the_records(seeded):
    coverage = coverage_by_category(today=ON)
    kz = _lines(coverage, "KZ")
    assert kz["pulses"].in_force == 2  # edible peas and lentils (GACC 2023 No.65)
    assert kz["meat"].recorded == 3 and kz["meat"].not_in_force >= 1  # poultry: a protocol only
    uz = _lines(coverage, "UZ")
    assert {g.name_en for g in uz["nuts_seeds"].gaps} >= {"Shelled walnuts", "Grape seeds"}
    assert _lines(coverage, "TM") == {}  # nothing recorded, nothing named


def test_a_gap_is_data_not_a_rule(seeded):
    CoverageGap.objects.filter(country__iso2="UZ").delete()
    uz = _lines(coverage_by_category(today=ON), "UZ")
    assert not uz["nuts_seeds"].gaps and uz["nuts_seeds"].recorded == 1  # peanuts stay
    assert "bee_products" not in uz  # honey was only a gap


@pytest.mark.parametrize(
    ("language", "heading", "gap"),
    [
        ("en", "Coverage by country and category", "Shelled walnuts"),
        ("zh-hans", "按国家和类别的覆盖情况", "去壳核桃"),
        ("ru", "Охват по странам и категориям", "Очищенные грецкие орехи"),
    ],
)
def test_the_about_page_shows_the_coverage_in_each_language(client, seeded, language, heading, gap):
    text = visible_text(client.get("/about/", HTTP_ACCEPT_LANGUAGE=language))
    assert heading in text and gap in text
    assert "Registry research" not in text
