"""What changed between two dates: legal validity (the records' validity dates) and registry edits
(the recorded history), never mixed; one selector for the page and the API."""

import datetime as dt

import pytest
from django.utils import timezone

from accessions.changes.base import ChangeKind, Meaning, RecordKind
from accessions.changes.between import changes_between
from accessions.models import Accession, AccessState, AccessStatus, MarketAccess
from accessions.validity import access_states_sync, grants_access, state_on
from registry.history import history_context
from tests import factories as f

pytestmark = pytest.mark.django_db

YEAR_2023 = {"start": dt.date(2023, 1, 1), "end": dt.date(2023, 12, 31)}


def _pairs(result, kind, record=RecordKind.ACCESS):
    return {
        (c.country.iso2, c.products[0].slug)
        for c in result.changes
        if c.kind == kind and c.record == record
    }


@pytest.fixture
def year_2023(db):
    """Entries with every kind of change in 2023 and some without: access from an announcement
    (with its accession), an end, a protocol signed, a suspension of 2022 that still holds, and
    access that holds throughout (made-up records, not the seeds)."""
    kz, kg = f.CountryFactory(iso2="KZ"), f.CountryFactory(iso2="KG")
    came = f.MarketAccessFactory(
        country=kz,
        product=f.ProductFactory(slug="edible-peas", hs_code="071310"),
        instrument_ref="TEST 2023 No.65",
        instrument_date=dt.date(2023, 6, 13),
        valid_from=dt.date(2023, 6, 13),
    )
    f.AccessionFactory(market_access=came, year=2023)
    fruit = f.MarketAccessFactory(
        country=kg,
        product=f.ProductFactory(slug="fresh-cherries", hs_code="080929"),
        valid_from=dt.date(2023, 9, 1),
    )
    f.AccessionFactory(market_access=fruit, year=2023)
    entries = {
        "came": came,
        "fruit": fruit,
        "ended": f.MarketAccessFactory(
            country=kz, valid_from=dt.date(2021, 3, 1), valid_until=dt.date(2023, 8, 31)
        ),
        "protocol": f.MarketAccessFactory(
            country=kg,
            status="protocol_signed",
            instrument_kind="protocol",
            instrument_ref="",
            valid_from=None,
            protocol_signed_on=dt.date(2023, 5, 20),
            protocol_signed_precision="exact",
        ),
        "suspended": f.MarketAccessFactory(
            country=kz,
            valid_from=dt.date(2019, 1, 1),
            states=[{"kind": "suspended", "starts_on": dt.date(2022, 1, 20)}],
        ),
        "throughout": f.MarketAccessFactory(country=kg, valid_from=dt.date(2020, 1, 1)),
    }
    return entries


def test_the_legal_answer_for_a_year_matches_the_states_series(year_2023):
    result = changes_between(**YEAR_2023, meaning=Meaning.LEGAL)

    # An independent computation, in plain Python over the states series themselves.
    start, end = YEAR_2023["start"], YEAR_2023["end"]
    series: dict[int, list] = {}
    for state in AccessState.objects.all():
        series.setdefault(state.market_access_id, []).append(state)
    pairs = {
        pk: (iso2, slug)
        for pk, iso2, slug in MarketAccess.objects.values_list(
            "pk", "country__iso2", "product__slug"
        )
    }

    def starting(kind):
        return {
            pairs[s.market_access_id]
            for states in series.values()
            for s in states
            if s.kind == kind and s.starts_on and start <= s.starts_on <= end
        }

    came, ended, protocols = starting("in_force"), starting("ended"), starting("protocol_signed")
    assert came and ended and protocols  # the fixture has each kind of change

    def in_force_on(pk, day):
        return grants_access(state_on(series.get(pk, []), day))

    rows = list(pairs)
    accessions_2023 = set(
        Accession.objects.filter(year=2023).values_list(
            "market_access__country__iso2", "market_access__product__slug"
        )
    )
    assert accessions_2023 <= _pairs(result, ChangeKind.CAME_INTO_FORCE)
    assert _pairs(result, ChangeKind.CAME_INTO_FORCE) == came
    assert _pairs(result, ChangeKind.ENDED) == ended
    assert _pairs(result, ChangeKind.PROTOCOL_SIGNED) == protocols
    assert result.in_force_before == sum(in_force_on(r, dt.date(2022, 12, 31)) for r in rows)
    assert result.in_force_after == sum(in_force_on(r, end) for r in rows)
    # A suspension of 2022 that still held through 2023: not in force, and no change.
    suspended = year_2023["suspended"]
    assert not in_force_on(suspended.pk, end)
    assert pairs[suspended.pk] not in came | ended | protocols
    # Each change names its instrument, with the date it took effect.
    entry = year_2023["came"]
    change = next(
        c
        for c in result.changes
        if c.kind == ChangeKind.CAME_INTO_FORCE
        and c.products
        and c.products[0].slug == entry.product.slug
    )
    assert entry.instrument_ref in change.instrument
    assert change.fields[0].field == "valid_from" and change.fields[0].new == entry.valid_from


def test_scope_by_country_product_and_hs_chapter(year_2023):
    kz = changes_between(**YEAR_2023, country=f.CountryFactory(iso2="KZ"))
    assert {c.country.iso2 for c in kz.changes if c.record == RecordKind.ACCESS} == {"KZ"}
    fruit = changes_between(**YEAR_2023, hs_chapter="08")
    slugs = {c.products[0].slug for c in fruit.changes if c.record == RecordKind.ACCESS}
    assert slugs == {year_2023["fruit"].product.slug}
    peas = year_2023["came"].product
    only_peas = changes_between(**YEAR_2023, product=peas)
    assert {c.products[0].slug for c in only_peas.changes if c.products} == {peas.slug}


def test_a_dated_condition_is_listed_on_the_day_its_instrument_took_effect(seeded):
    result = changes_between(start=dt.date(2024, 2, 1), end=dt.date(2024, 2, 29))
    added = [c for c in result.changes if c.kind == ChangeKind.CONDITION_ADDED]
    assert {c.products[0].slug for c in added} == {"beef", "mutton"}
    assert all(c.on == dt.date(2024, 2, 7) for c in added)
    assert all("2024 No.20" in c.instrument for c in added)
    before = changes_between(start=dt.date(2024, 1, 1), end=dt.date(2024, 2, 6))
    assert not [c for c in before.changes if c.kind == ChangeKind.CONDITION_ADDED]


def test_an_entry_that_starts_and_ends_inside_the_window_is_listed_twice():
    access = f.MarketAccessFactory(
        valid_from=dt.date(2024, 3, 1), valid_until=dt.date(2024, 5, 31), status="expired"
    )
    result = changes_between(start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31))
    kinds = [(c.kind, c.on) for c in result.changes if c.record_id == access.pk]
    assert kinds == [
        (ChangeKind.CAME_INTO_FORCE, dt.date(2024, 3, 1)),
        (ChangeKind.ENDED, dt.date(2024, 6, 1)),
    ]
    assert (result.in_force_before, result.in_force_after) == (0, 0)
    # The last day in force is still in force: ending on 31 May is not a change of May.
    may = changes_between(start=dt.date(2024, 5, 1), end=dt.date(2024, 5, 31))
    assert [c.kind for c in may.changes if c.record_id == access.pk] == []


def test_a_suspension_without_a_date_is_undated_never_given_a_date():
    access = f.MarketAccessFactory(
        status=AccessStatus.SUSPENDED,
        valid_from=None,
        states=[{"kind": "suspended", "starts_on": None}],
    )
    result = changes_between(start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31))
    assert [c.record_id for c in result.changes] == []
    undated = [c for c in result.undated if c.record_id == access.pk]
    assert [(c.kind, c.on) for c in undated] == [(ChangeKind.STATUS_UNDATED, None)]
    assert [(x.field, x.new) for x in undated[0].fields] == [("status", "suspended")]
    assert (result.in_force_before, result.in_force_after) == (0, 0)


def test_an_undated_state_before_a_dated_one_is_not_a_change_of_a_later_window():
    """A state whose date is not known comes before every dated one (accessions.validity): once
    a dated state started before the window, the undated one cannot have taken effect in it."""
    access = f.MarketAccessFactory(
        valid_from=dt.date(2020, 1, 1), states=[{"kind": "suspended", "starts_on": None}]
    )
    result = changes_between(start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31))
    assert [c for c in result.undated if c.record_id == access.pk] == []
    assert (result.in_force_before, result.in_force_after) == (1, 1)


def test_a_suspension_and_restoration_recorded_as_states_are_changes_on_their_days():
    """The series, not the status kept for lists: an entry in force today was suspended in
    2022 and restored in 2024; each state is a change on its first day and the counts of the
    eve and the end follow the series (the old reading saw neither)."""
    access = f.MarketAccessFactory(
        valid_from=dt.date(2019, 1, 1),
        status=AccessStatus.IN_FORCE,
        states=[
            {
                "kind": "suspended",
                "starts_on": dt.date(2022, 3, 15),
                "starts_on_precision": "exact",
                "instrument_kind": "announcement",
                "instrument_ref": "GACC 2022 No.31",
                "source": "GACC notice",
            },
            {"kind": "restored", "starts_on": dt.date(2024, 2, 7), "limited_to": "zone A"},
        ],
    )
    y2022 = changes_between(start=dt.date(2022, 1, 1), end=dt.date(2022, 12, 31))
    (suspension,) = [c for c in y2022.changes if c.record_id == access.pk]
    assert (suspension.kind, suspension.on) == (ChangeKind.SUSPENDED, dt.date(2022, 3, 15))
    assert suspension.kind_label == "suspended"
    assert suspension.instrument == "GACC announcement 2022 No.31"
    assert suspension.source == "GACC notice" and suspension.on_precision == "exact"
    assert [(x.field, x.old, x.new) for x in suspension.fields] == [
        ("status", "in force", "suspended")
    ]
    assert (y2022.in_force_before, y2022.in_force_after) == (1, 0)
    assert y2022.undated == []

    y2023 = changes_between(start=dt.date(2023, 1, 1), end=dt.date(2023, 12, 31))
    assert [c for c in y2023.changes if c.record_id == access.pk] == []
    assert (y2023.in_force_before, y2023.in_force_after) == (0, 0)

    y2024 = changes_between(start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31))
    (restored,) = [c for c in y2024.changes if c.record_id == access.pk]
    assert (restored.kind, restored.on) == (ChangeKind.RESTORED, dt.date(2024, 2, 7))
    assert ("limited_to", "zone A") in [(x.field, x.new) for x in restored.fields]
    assert (y2024.in_force_before, y2024.in_force_after) == (0, 1)


def test_an_entry_expired_today_was_in_force_inside_its_validity():
    access = f.MarketAccessFactory(
        valid_from=dt.date(2020, 1, 1), valid_until=dt.date(2024, 1, 1), status="expired"
    )
    result = changes_between(start=dt.date(2023, 1, 1), end=dt.date(2023, 12, 31))
    assert [c for c in result.changes if c.record_id == access.pk] == []
    assert (result.in_force_before, result.in_force_after) == (1, 1)
    ended = changes_between(start=dt.date(2024, 1, 1), end=dt.date(2024, 1, 31))
    (change,) = [c for c in ended.changes if c.record_id == access.pk]
    assert (change.kind, change.on) == (ChangeKind.ENDED, dt.date(2024, 1, 2))
    assert [(x.field, x.old, x.new) for x in change.fields] == [
        ("valid_until", None, dt.date(2024, 1, 1)),
        ("status", "in force", "expired"),
    ]


def test_a_revocation_recorded_as_a_state_is_a_change():
    access = f.MarketAccessFactory(
        valid_from=dt.date(2019, 1, 1),
        status=AccessStatus.REVOKED,
        states=[{"kind": "revoked", "starts_on": dt.date(2021, 5, 1)}],
    )
    result = changes_between(start=dt.date(2021, 1, 1), end=dt.date(2021, 12, 31))
    assert [(c.kind, c.on) for c in result.changes if c.record_id == access.pk] == [
        (ChangeKind.REVOKED, dt.date(2021, 5, 1))
    ]
    assert (result.in_force_before, result.in_force_after) == (1, 0)


def test_regulations_in_force_and_superseded_with_their_successor():
    new = f.RegulationFactory(code="NEW 1/2024", in_force_from=dt.date(2024, 7, 1))
    old = f.RegulationFactory(
        code="OLD 1/2011",
        status="superseded",
        in_force_until=dt.date(2024, 6, 30),
        superseded_by=new,
    )
    result = changes_between(start=dt.date(2024, 7, 1), end=dt.date(2024, 7, 31))
    by_id = {(c.record_id, c.kind): c for c in result.changes if c.record == RecordKind.REGULATION}
    assert (new.pk, ChangeKind.CAME_INTO_FORCE) in by_id
    superseded = by_id[(old.pk, ChangeKind.SUPERSEDED)]
    assert superseded.on == dt.date(2024, 7, 1)
    assert [x.new for x in superseded.fields if x.field == "superseded_by"] == ["NEW 1/2024"]


def test_registrations_extended_and_expired():
    extended = f.EstablishmentRegistrationFactory(
        valid_until=dt.date(2026, 6, 30),
        extended_until=dt.date(2031, 6, 30),
        status="extended",
        extension_basis="Decree 280 automatic extension",
    )
    expired = f.EstablishmentRegistrationFactory(valid_until=dt.date(2026, 7, 15), status="expired")
    result = changes_between(start=dt.date(2026, 7, 1), end=dt.date(2026, 7, 31))
    found = {(c.record_id, c.kind) for c in result.changes}
    assert (extended.pk, ChangeKind.EXTENDED) in found
    assert (extended.pk, ChangeKind.EXPIRED) not in found
    assert (expired.pk, ChangeKind.EXPIRED) in found
    change = next(c for c in result.changes if c.record_id == extended.pk)
    assert change.instrument == "Decree 280 automatic extension"
    assert (change.fields[0].old, change.fields[0].new) == (
        dt.date(2026, 6, 30),
        dt.date(2031, 6, 30),
    )


def test_edits_list_what_was_recorded_field_by_field_and_legal_does_not():
    access = f.MarketAccessFactory(valid_from=dt.date(2019, 1, 23), status="in_force")
    with history_context(reason="correction"):
        MarketAccess.objects.filter(pk=access.pk).update(
            instrument_ref="GACC 2019 No.9", valid_from=dt.date(2019, 1, 24)
        )
        # Every write of an entry syncs its dates into its series (as the services do).
        access.refresh_from_db()
        access_states_sync(access, today=None)
    today = timezone.localdate()
    edits = changes_between(start=today, end=today, meaning=Meaning.EDITS)
    mine = [c for c in edits.changes if c.record == RecordKind.ACCESS and c.record_id == access.pk]
    assert [c.kind for c in mine] == [ChangeKind.CREATED, ChangeKind.UPDATED]
    changed = {x.field: (x.old, x.new) for x in mine[1].fields}
    assert changed["instrument_ref"][1] == "GACC 2019 No.9"
    assert changed["valid_from"] == (dt.date(2019, 1, 23), dt.date(2019, 1, 24))
    assert mine[1].instrument == "GACC announcement 2019 No.9"
    # The legal meaning for the same day knows nothing of an edit: nothing took effect today.
    legal = changes_between(start=today, end=today, meaning=Meaning.LEGAL)
    assert [c for c in legal.changes if c.record_id == access.pk] == []
    # ... and places the entry on its legal date instead.
    in_2019 = changes_between(start=dt.date(2019, 1, 1), end=dt.date(2019, 12, 31))
    assert [c.on for c in in_2019.changes if c.record_id == access.pk] == [dt.date(2019, 1, 24)]
    # Edits outside the window are not listed.
    yesterday = today - dt.timedelta(days=1)
    before = changes_between(start=yesterday, end=yesterday, meaning=Meaning.EDITS)
    assert [c for c in before.changes if c.record_id == access.pk] == []


def test_edits_are_scoped_by_country_through_the_access_entry():
    kz, uz = f.CountryFactory(iso2="KZ"), f.CountryFactory(iso2="UZ")
    stage = f.AccessionStageFactory(accession__market_access__country=kz)
    f.AccessionStageFactory(accession__market_access__country=uz)
    today = timezone.localdate()
    result = changes_between(start=today, end=today, meaning=Meaning.EDITS, country=kz)
    stages = [c for c in result.changes if c.record == RecordKind.STAGE]
    assert [c.record_id for c in stages] == [stage.pk]
    assert stages[0].access_id == stage.accession.market_access_id


@pytest.mark.parametrize("meaning", [Meaning.LEGAL, Meaning.EDITS])
def test_the_answer_costs_the_same_queries_for_few_and_many_records(meaning):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def cost() -> int:
        today = timezone.localdate()
        with CaptureQueriesContext(connection) as queries:
            changes_between(start=dt.date(2000, 1, 1), end=today, meaning=meaning)
        return len(queries)

    # Bounded by the record types, not the records: one baseline read per type with updates.
    first = f.AccessionStageFactory()
    MarketAccess.objects.filter(pk=first.accession.market_access_id).update(treatment="cold")
    f.EstablishmentRegistrationFactory()
    f.RegulationFactory()
    few = cost()
    for _ in range(5):
        stage = f.AccessionStageFactory()
        MarketAccess.objects.filter(pk=stage.accession.market_access_id).update(treatment="heat")
        f.EstablishmentRegistrationFactory()
        f.RegulationFactory()
    assert cost() == few
