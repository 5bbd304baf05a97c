"""Issue 14: a database loaded from main's seeds takes exactly the corrections, once, and the
history shows them under the seed loader."""

import datetime as dt
from pathlib import Path

import pytest
from django.db.models import Q
from pghistory.models import Context, Events

from accessions.eligibility.check import check_eligibility
from accessions.models import AccessCondition, Accession, MarketAccess
from accessions.seeding import seeds_load
from registry.models import Product, ProductAlias
from regulations.models import Regulation

pytestmark = pytest.mark.django_db

MAIN_SEEDS = Path(__file__).parent / "seeds_main"


def _changed(report) -> dict[str, tuple[int, int, int]]:
    return {
        f.name: (f.created, f.updated, f.removed)
        for f in report.files
        if f.created or f.updated or f.removed
    }


def test_main_seeds_then_the_new_ones_apply_exactly_the_corrections():
    seeds_load(directory=MAIN_SEEDS)
    beef = MarketAccess.objects.get(country__iso2="KZ", product__slug="beef")
    assert beef.pest_free_areas  # the undated zones of today's seeds
    contexts_before = list(Context.objects.values_list("pk", flat=True))

    report = seeds_load()

    # Every sourced file gains URLs or references (item 5), the events their public citation
    # (issue 11: research file names moved to the internal note); the topics do not change.
    changed = _changed(report)
    assert set(changed) == {f.name for f in report.files} - {"topics.csv"}
    assert changed["access_conditions.csv"] == (7, 0, 0)  # + the UZ fruit transit (issue 22)
    # 7 of them for issue 22's products, 6 related words (issue 24: "лён", "подсолнечник", …)
    assert changed["product_aliases.csv"] == (18, 0, 2)
    # UZ peanuts (issue 14), KZ rapeseed meal, feed wheat flour and flaxseed (issue 22); UZ dried
    # hot peppers retired (issue 22: no source names them)
    assert changed["market_access.csv"][0] == 4 and changed["market_access.csv"][2] == 1
    assert changed["regulations.csv"][2] == 1  # the pulses standard under its confirmed code

    beef.refresh_from_db()
    assert beef.pest_free_areas == "" and beef.confidence == "medium"
    zones = AccessCondition.objects.get(market_access=beef)
    assert zones.valid_from == dt.date(2024, 2, 7)
    alfalfa = MarketAccess.objects.get(country__iso2="KZ", product__slug="alfalfa-hay")
    assert alfalfa.requires_registered_establishments is True
    bran = MarketAccess.objects.get(country__iso2="KZ", product__slug="wheat-bran")
    assert bran.requires_registered_establishments is None
    assert Product.objects.get(slug="beef").hs_code == "020220"
    assert not ProductAlias.objects.filter(product__slug="beef", alias="020220").exists()
    assert ProductAlias.objects.filter(product__slug="beef", alias="020210").exists()
    assert not Regulation.objects.filter(slug="codex-certain-pulses-draft-1989").exists()
    assert Accession.objects.get(
        market_access__country__iso2="KZ", market_access__product__slug="lentils"
    ).event_inferred

    # Every change is recorded under the seed loader's context.
    events = list(
        Events.objects.filter(Q(pgh_context__isnull=True) | ~Q(pgh_context_id__in=contexts_before))
    )
    assert events
    actors = {(event.pgh_context or {}).get("actor") for event in events}
    assert actors == {"load_seeds"}
    labels = {event.pgh_label for event in events}
    assert {"insert", "update", "delete"} <= labels

    # A second run changes nothing.
    events_after = Events.objects.count()
    again = seeds_load()
    assert again.changed == 0
    assert Events.objects.count() == events_after


def test_after_the_update_a_question_about_2020_shows_no_2024_zones():
    seeds_load(directory=MAIN_SEEDS)
    seeds_load()
    old = check_eligibility(product="beef", country="KZ", on=dt.date(2020, 6, 1))
    new = check_eligibility(product="beef", country="KZ", on=dt.date(2024, 6, 1))
    assert "origin_area_restricted" not in [c.code for c in old.conditions]
    assert "origin_area_restricted" in [c.code for c in new.conditions]
