"""Valid time of the access list: an entry's dated series of legal states (accessions.validity).

The state on a date is the latest state starting on or before it (a state with no start comes
before every dated one; same-day ties by KIND_RANK, then id). The SQL form and the Python twin
agree over generated series; the engine's verdict follows the series on every seeded entry over
years of dates; and the user-visible bugs of the status-based engine stay fixed (an expiry sweep
rewriting history, a suspension the engine could not date, "not eligible" for what the registry
simply does not record, ports "allowed" that no record names).
"""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accessions.eligibility.answer import EligibilityQuestion, Verdict
from accessions.eligibility.check import check_eligibility, check_eligibility_batch
from accessions.models import (
    AccessState,
    AccessStatus,
    EstablishmentRegistration,
    MarketAccess,
    RegistrationStatus,
    StateKind,
)
from accessions.services.expiry import expiry_sweep
from accessions.services.market_access import market_access_state_record
from accessions.validity import (
    GRANTING_KINDS,
    access_granted_on,
    granted_on_filter,
    grants_access,
    next_state,
    next_state_subquery,
    state_on,
    state_on_subquery,
)
from tests import factories as f

pytestmark = pytest.mark.django_db
D = dt.date


def codes(reasons):
    return [r.code for r in reasons]


def _as_date(value):
    return D.fromisoformat(str(value)[:10]) if value else None


# --- 1a. The SQL form agrees with its Python twin ----------------------------------------------

BASE = D(2020, 1, 1)
KINDS = st.sampled_from([kind.value for kind in StateKind])
# A short span of days, so that series often hold several states on one day (ties), plus None.
STARTS = st.one_of(st.none(), st.integers(0, 12).map(lambda n: BASE + dt.timedelta(days=n)))
LIMITED = st.sampled_from(["", "Almaty region; Zhetisu region"])
STATE = st.tuples(KINDS, STARTS, LIMITED)
# Dates asked: around and inside the span (its edges, the days before and after each start).
ASKED = st.lists(
    st.integers(-2, 14).map(lambda n: BASE + dt.timedelta(days=n)),
    min_size=1,
    max_size=6,
    unique=True,
)


@pytest.fixture
def entry(db):
    """One access entry whose series each generated example replaces."""
    return f.MarketAccessFactory()


def _id(data):
    return None if data is None else data["id"]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(generated=st.lists(STATE, max_size=7), asked=ASKED)
def test_state_on_in_sql_agrees_with_its_python_twin(entry, generated, asked):
    states = f.series_write(entry, generated)
    annotations = {}
    for i, on in enumerate(asked):
        annotations[f"state_{i}"] = state_on_subquery(on)
        annotations[f"granted_{i}"] = access_granted_on(on)
        annotations[f"next_{i}"] = next_state_subquery(on)
        annotations[f"grant_{i}"] = next_state_subquery(on, kinds=GRANTING_KINDS)
    row = MarketAccess.objects.filter(pk=entry.pk).annotate(**annotations).get()
    for i, on in enumerate(asked):
        expected = state_on(states, on)
        found = getattr(row, f"state_{i}")
        assert _id(found) == (expected.id if expected else None), (on, states, found)
        if expected is not None:
            assert found["kind"] == expected.kind
            assert _as_date(found["starts_on"]) == expected.starts_on
            assert found["limited_to"] == expected.limited_to
        # NULL when no state has started; else whether the state lets the product in.
        granted = getattr(row, f"granted_{i}")
        assert granted == (None if expected is None else grants_access(expected)), (on, states)
        upcoming = next_state(states, on)
        found_next = getattr(row, f"next_{i}")
        assert _id(found_next) == (upcoming.id if upcoming else None), (on, states, found_next)
        grant = next_state(states, on, kinds=GRANTING_KINDS)
        found_grant = getattr(row, f"grant_{i}")
        assert _id(found_grant) == (grant.id if grant else None), (on, states, found_grant)


def test_the_latest_start_wins_undated_comes_first_and_ties_go_by_rank(entry):
    """The rule spelled out on one series (what the property test checks at random)."""
    states = f.series_write(
        entry,
        [
            ("in_force", None, ""),
            ("suspended", D(2021, 5, 1), ""),
            ("restored", D(2021, 5, 1), ""),  # same day: the later step takes over
            ("suspended", D(2022, 1, 1), "Almaty region"),
            ("ended", D(2023, 1, 1), ""),
        ],
    )
    by_kind = {(s.kind, s.starts_on): s for s in states}
    assert state_on(states, D(1990, 1, 1)) is by_kind[("in_force", None)]
    assert state_on(states, D(2021, 5, 1)) is by_kind[("restored", D(2021, 5, 1))]
    assert grants_access(state_on(states, D(2022, 6, 1)))
    assert not grants_access(state_on(states, D(2023, 1, 1)))
    assert next_state(states, D(2021, 4, 30)) is by_kind[("suspended", D(2021, 5, 1))]
    row = (
        MarketAccess.objects.filter(pk=entry.pk)
        .annotate(s=state_on_subquery(D(2021, 5, 1)), g=access_granted_on(D(2022, 12, 31)))
        .get()
    )
    assert row.s["kind"] == "restored" and row.g is True


def test_a_whitespace_only_limited_to_means_the_same_in_sql_and_in_python(db):
    """A suspension recorded with a `limited_to` of blanks only is a whole suspension to the
    Python twin and to the engine (access_suspended); the SQL form, which the lists' `as_of`,
    the country coverage count and the daily status refresh read, must say the same."""
    access = _plain_entry(valid_from=D(2020, 1, 1))
    market_access_state_record(
        access=access,
        kind=StateKind.SUSPENDED,
        starts_on=D(2021, 1, 1),
        limited_to="  ",
        source="test fixture: blanks for zones",
        confidence="high",
        today=D(2021, 1, 1),
    )
    on = D(2021, 6, 1)
    answer = check_eligibility(product=access.product.slug, country=access.country.iso2, on=on)
    assert answer.verdict == Verdict.NOT_ELIGIBLE
    assert codes(answer.reasons) == ["access_suspended"]
    states = list(AccessState.objects.filter(market_access=access))
    assert grants_access(state_on(states, on)) is False
    row = MarketAccess.objects.filter(pk=access.pk).annotate(g=access_granted_on(on)).get()
    assert row.g is False
    assert not granted_on_filter(MarketAccess.objects.filter(pk=access.pk), on).exists()


# --- 1b. The engine follows the series on every seeded entry -------------------------------------

GRID = [D(year, month, 1) for year in range(2012, 2028) for month in (1, 7)]
STOPPED = {
    StateKind.SUSPENDED: "access_suspended",
    StateKind.ENDED: "access_expired",
    StateKind.REVOKED: "access_revoked",
    StateKind.NEGOTIATING: "access_negotiating",
}


def _earliest(state):
    """The first day a stored start may have applied, written out per precision
    (seeds/README.md, "Dates"); None: any earlier day."""
    start, precision = state.starts_on, state.starts_on_precision
    return {
        "year": D(start.year, 1, 1),
        "month": D(start.year, start.month, 1),
        "repost": start - dt.timedelta(days=31),
        "inferred": None,
    }.get(precision, start)


def _may_have_started(states, on, upcoming):
    def may_start_by(state):
        return state.starts_on is None or (_earliest(state) or D.min) <= on

    return may_start_by(upcoming) and all(
        may_start_by(s) for s in states if s.starts_on and s.starts_on < upcoming.starts_on
    )


def test_the_engine_follows_the_series_on_every_seeded_entry(seeded):
    accesses = list(
        MarketAccess.objects.select_related("product", "country")
        .prefetch_related("states")
        .order_by("pk")
    )
    assert len(accesses) >= 30
    assert AccessState.objects.filter(market_access__in=accesses).exists()
    failures = []
    seen_verdicts = set()
    for on in GRID:
        questions = [
            EligibilityQuestion(product=a.product.slug, country=a.country.iso2, on=on)
            for a in accesses
        ]
        answers = check_eligibility_batch(questions)
        for access, answer in zip(accesses, answers, strict=True):
            assert not isinstance(answer, Exception), (access, on, answer)
            assert answer.access.pk == access.pk
            states = list(access.states.all())
            state = state_on(states, on)
            found = (answer.verdict, codes(answer.reasons))
            seen_verdicts.add(answer.verdict)
            if state is not None and grants_access(state):
                ok = answer.verdict in (
                    Verdict.ELIGIBLE,
                    Verdict.ELIGIBLE_WITH_CONDITIONS,
                    Verdict.UNKNOWN,
                ) and "access_in_force" in codes(answer.reasons)
            elif state is not None and state.kind in STOPPED:
                # The first reason names the state; a start known only to the year or month adds
                # a warning inside that period (state_date_uncertain).
                extra = set(codes(answer.reasons)[1:])
                ok = (
                    answer.verdict == Verdict.NOT_ELIGIBLE
                    and codes(answer.reasons)[:1] == [STOPPED[state.kind]]
                    and extra <= {"state_date_uncertain"}
                    and bool(extra)
                    == (
                        state.starts_on is not None
                        and state.starts_on_precision in ("year", "month")
                        and state.starts_on.year == on.year
                        and (
                            state.starts_on_precision == "year" or state.starts_on.month == on.month
                        )
                    )
                )
            else:  # no state yet, or a protocol only
                upcoming = next_state(states, on, GRANTING_KINDS)
                if upcoming is not None and _may_have_started(states, on, upcoming):
                    ok = answer.verdict == Verdict.NOT_RECORDED and codes(answer.reasons)[:1] == [
                        "state_date_uncertain"
                    ]
                elif answer.verdict == Verdict.NOT_ELIGIBLE:
                    ok = upcoming is not None and codes(answer.reasons) == ["not_yet_in_force"]
                else:
                    ok = answer.verdict == Verdict.NOT_RECORDED
            if not ok:
                kind = state.kind if state else None
                failures.append((access.country.iso2, access.product.slug, on, kind, found))
    assert not failures, f"{len(failures)} verdicts disagree with the series: {failures[:10]}"
    # The grid meets every kind of answer the series can give.
    assert {Verdict.NOT_ELIGIBLE, Verdict.NOT_RECORDED} <= seen_verdicts
    assert seen_verdicts & {Verdict.ELIGIBLE, Verdict.ELIGIBLE_WITH_CONDITIONS}


# --- 1c. One test per user-visible bug ------------------------------------------------------------


def _plain_entry(**kwargs):
    """An entry whose product needs no designated site and no registration: eligible while in
    force, with no condition of its own."""
    kwargs.setdefault("product", f.ProductFactory(category="dried_fruit"))
    kwargs.setdefault("valid_from", D(2020, 1, 1))
    return f.MarketAccessFactory(**kwargs)


def test_a_registration_the_sweep_expired_is_still_valid_before_its_expiry(db):
    access = _plain_entry()
    registration = f.EstablishmentRegistrationFactory(
        country=access.country,
        registered_on=D(2021, 6, 1),
        valid_until=D(2025, 10, 28),
        products=[access.product],
    )
    number = registration.registration_number

    def ask(on):
        return check_eligibility(
            product=access.product.slug, country=access.country.iso2, on=on, establishment=number
        )

    before = ask(D(2025, 9, 1))
    assert before.verdict == Verdict.ELIGIBLE, codes(before.reasons)

    expiry_sweep(today=D(2025, 11, 15))
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.EXPIRED

    after = ask(D(2025, 9, 1))
    assert after.verdict == Verdict.ELIGIBLE, codes(after.reasons)
    assert "establishment_registered" in codes(after.reasons)
    assert "establishment_registration_expired" not in codes(after.reasons)
    # After its expiry it is expired, as before.
    late = ask(D(2025, 11, 1))
    assert late.verdict == Verdict.NOT_ELIGIBLE
    assert codes(late.reasons)[0] == "establishment_registration_expired"
    assert EstablishmentRegistration.objects.get(pk=registration.pk).status == "expired"


def test_an_access_the_sweep_expired_still_held_inside_its_validity(db):
    access = _plain_entry(valid_from=D(2020, 1, 1), valid_until=D(2024, 1, 1))
    # The entry's kept status as a deployment left it before the sweep moved it on.
    MarketAccess.objects.filter(pk=access.pk).update(status=AccessStatus.IN_FORCE)

    def ask(on):
        return check_eligibility(product=access.product.slug, country=access.country.iso2, on=on)

    before = ask(D(2023, 6, 1))
    assert before.verdict == Verdict.ELIGIBLE, codes(before.reasons)

    summary = expiry_sweep(today=D(2026, 12, 7))
    assert summary.access_expired == 1
    assert MarketAccess.objects.get(pk=access.pk).status == AccessStatus.EXPIRED

    after = ask(D(2023, 6, 1))
    assert after.verdict == Verdict.ELIGIBLE, codes(after.reasons)
    assert codes(after.reasons)[0] == "access_in_force"
    # Its last day holds; the next one does not.
    assert ask(D(2024, 1, 1)).verdict == Verdict.ELIGIBLE
    ended = ask(D(2024, 1, 2))
    assert ended.verdict == Verdict.NOT_ELIGIBLE
    assert codes(ended.reasons) == ["access_expired"]
    assert "2024-01-01" in ended.reasons[0].message


def test_a_recorded_suspension_stops_access_inside_it_and_a_restoration_ends_it(db):
    access = _plain_entry(valid_from=D(2020, 1, 1))

    def ask(on):
        return check_eligibility(product=access.product.slug, country=access.country.iso2, on=on)

    market_access_state_record(
        access=access,
        kind=StateKind.SUSPENDED,
        starts_on=D(2022, 3, 1),
        instrument_kind="announcement",
        instrument_ref="GACC 2022 No.17",
        source="test fixture: the suspension",
        confidence="high",
        today=D(2022, 3, 1),
    )
    inside = ask(D(2022, 6, 1))
    assert inside.verdict == Verdict.NOT_ELIGIBLE
    assert codes(inside.reasons) == ["access_suspended"]
    assert "GACC 2022 No.17" in inside.reasons[0].message
    assert ask(D(2022, 2, 28)).verdict == Verdict.ELIGIBLE  # the day before it
    assert ask(D(2030, 1, 1)).verdict == Verdict.NOT_ELIGIBLE  # no end recorded yet

    market_access_state_record(
        access=access,
        kind=StateKind.RESTORED,
        starts_on=D(2023, 2, 1),
        instrument_kind="announcement",
        instrument_ref="GACC 2023 No.5",
        source="test fixture: the restoration",
        confidence="high",
        today=D(2023, 2, 1),
    )
    restored = ask(D(2023, 6, 1))
    assert restored.verdict == Verdict.ELIGIBLE, codes(restored.reasons)
    assert "access_in_force" in codes(restored.reasons)
    assert restored.conditions == []
    # The restoration does not rewrite the suspension's past.
    assert ask(D(2022, 6, 1)).verdict == Verdict.NOT_ELIGIBLE
    assert ask(D(2023, 1, 31)).verdict == Verdict.NOT_ELIGIBLE


def test_a_suspension_of_all_but_listed_zones_is_a_condition(db):
    access = _plain_entry(valid_from=D(2020, 1, 1))
    market_access_state_record(
        access=access,
        kind=StateKind.SUSPENDED,
        starts_on=D(2022, 3, 1),
        limited_to="Almaty region; Zhetisu region",
        instrument_ref="GACC 2022 No.18",
        source="test fixture: the partial suspension",
        confidence="high",
        today=D(2022, 3, 1),
    )
    answer = check_eligibility(
        product=access.product.slug, country=access.country.iso2, on=D(2022, 6, 1)
    )
    assert answer.verdict == Verdict.ELIGIBLE_WITH_CONDITIONS, codes(answer.reasons)
    assert codes(answer.conditions) == ["access_limited"]
    assert "Almaty region; Zhetisu region" in answer.conditions[0].message
    assert "GACC 2022 No.18" in answer.conditions[0].message


def test_a_pair_the_registry_does_not_hold_is_not_recorded_never_not_eligible(db):
    country = f.CountryFactory()
    _plain_entry(country=country)  # the country has some record, not this product's
    product = f.ProductFactory(category="dried_fruit")
    answer = check_eligibility(product=product.slug, country=country.iso2, on=D(2025, 6, 1))
    assert answer.verdict == Verdict.NOT_RECORDED
    assert codes(answer.reasons) == ["not_recorded", "registry_coverage"]
    assert answer.coverage is not None and answer.coverage.recorded == 1


def test_a_protocol_only_entry_is_not_recorded(db):
    access = _plain_entry(
        status=AccessStatus.PROTOCOL_SIGNED,
        instrument_kind="protocol",
        instrument_ref="Protocol of 2023",
        protocol_signed_on=D(2023, 3, 1),
        protocol_signed_precision="exact",
        valid_from=None,
        valid_from_precision="",
    )
    undated = _plain_entry(
        status=AccessStatus.PROTOCOL_SIGNED,
        instrument_kind="protocol",
        valid_from=None,
        valid_from_precision="",
    )

    def ask(entry, on):
        return check_eligibility(product=entry.product.slug, country=entry.country.iso2, on=on)

    for entry, on in ((access, D(2023, 3, 1)), (access, D(2026, 6, 1)), (undated, D(2020, 1, 1))):
        answer = ask(entry, on)
        assert answer.verdict == Verdict.NOT_RECORDED, (on, codes(answer.reasons))
        assert codes(answer.reasons) == ["protocol_only", "registry_coverage"]
    # Before the protocol the registry records nothing either: still not a refusal.
    before = ask(access, D(2022, 6, 1))
    assert before.verdict == Verdict.NOT_RECORDED, codes(before.reasons)


def test_a_port_is_allowed_only_where_a_record_names_it(db):
    """No port listed and no designated site needed: a port asked is not "allowed" (no record
    names it) and not refused either. An entry listing its ports: a listed port is allowed,
    another one is not designated."""
    access = _plain_entry()
    listing = _plain_entry(country=access.country)
    listed, other = f.PortFactory(), f.PortFactory()
    listing.allowed_ports.set([listed])

    def ask(entry, port):
        return check_eligibility(
            product=entry.product.slug,
            country=entry.country.iso2,
            port=port.code,
            on=D(2024, 6, 1),
        )

    answer = ask(access, other)
    reasons = codes(answer.reasons)
    assert "port_allowed" not in reasons
    assert "port_not_recorded" in reasons
    assert "port_not_designated" not in reasons
    assert answer.allowed_ports == []
    assert answer.verdict == Verdict.ELIGIBLE  # not raised to not_eligible

    allowed = ask(listing, listed)
    assert "port_allowed" in codes(allowed.reasons)
    assert allowed.verdict == Verdict.ELIGIBLE
    assert [p.code for p in allowed.allowed_ports] == [listed.code]
    refused = ask(listing, other)
    assert refused.verdict == Verdict.NOT_ELIGIBLE
    assert "port_not_designated" in codes(refused.reasons)
    assert "port_allowed" not in codes(refused.reasons)


# --- 1d. On the seeds -----------------------------------------------------------------------------


def test_kazakh_beef_was_suspended_in_2023(seeded):
    answer = check_eligibility(product="beef", country="KZ", on=D(2023, 6, 1))
    assert answer.verdict == Verdict.NOT_ELIGIBLE
    assert codes(answer.reasons) == ["access_suspended"]
    assert "署办动植函〔2022〕4号" in answer.reasons[0].message
    assert answer.state["kind"] == "suspended"


def test_kazakh_beef_is_back_from_2024_with_the_origin_area_condition(seeded):
    answer = check_eligibility(product="beef", country="KZ", on=D(2024, 6, 1))
    assert answer.verdict == Verdict.ELIGIBLE_WITH_CONDITIONS
    assert answer.state["kind"] == "restored"
    origin = [c for c in answer.conditions if c.code == "origin_area_restricted"]
    assert origin, codes(answer.conditions)
    assert any("2024 No.20" in c.message for c in origin)
    # Not shown before the announcement that sets it (and the entry was suspended then).
    before = check_eligibility(product="beef", country="KZ", on=D(2021, 6, 1))
    assert before.verdict == Verdict.ELIGIBLE_WITH_CONDITIONS
    assert not [c for c in before.conditions if c.code == "origin_area_restricted"]


def test_the_checker_page_says_not_recorded_for_dried_apricots_from_tajikistan(seeded, client):
    response = client.get("/check/", {"product": "курага", "country": "TJ"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-verdict="not_recorded"' in html
    assert 'data-verdict="not_eligible"' not in html


# --- A registration's effective end: SQL form and Python twin -------------------------------------


@pytest.fixture
def regimes(db):
    from tests.factories import RegistrationRegimeFactory

    return [
        RegistrationRegimeFactory(),  # Decree 248 to 2026-05-31, no automatic extension
        RegistrationRegimeFactory(
            code="decree-280",
            valid_from=D(2026, 6, 1),
            valid_until=None,
            window_max_months=12,
            auto_extend=True,
            auto_extend_years=5,
        ),
    ]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    valid_until=st.dates(min_value=D(2023, 1, 1), max_value=D(2031, 12, 31)),
    extension_days=st.none() | st.integers(min_value=1, max_value=3000),
    exclusion=st.sampled_from(["", "exclusion_list", "rectifying", "imports_suspended"]),
)
def test_registration_effective_end_in_sql_agrees_with_its_python_twin(
    regimes, valid_until, extension_days, exclusion
):
    from accessions.models import EstablishmentRegistration
    from accessions.registration_validity import (
        registration_effective_end,
        registration_effective_end_of,
    )
    from tests.factories import EstablishmentRegistrationFactory

    extended = valid_until + dt.timedelta(days=extension_days) if extension_days else None
    registration = EstablishmentRegistrationFactory(
        registered_on=D(2022, 1, 1),
        valid_until=valid_until,
        extended_until=extended,
        extension_exclusion=exclusion,
        regime=regimes[0],
    )
    in_sql = (
        EstablishmentRegistration.objects.annotate(end=registration_effective_end())
        .get(pk=registration.pk)
        .end
    )
    in_force_then = [r for r in regimes if r.valid_from <= valid_until]
    regime = max(in_force_then, key=lambda r: r.valid_from, default=None)
    if regime is not None and regime.valid_until is not None and regime.valid_until < valid_until:
        regime = None
    auto = regime.auto_extend_years if regime is not None and regime.auto_extend else None
    in_python = registration_effective_end_of(
        valid_until=valid_until, extended_until=extended, exclusion=exclusion, auto_years=auto
    )
    assert in_sql == in_python
    registration.delete()


# --- A start known imprecisely: "no later than", never "not yet" -----------------------------


def _answer(entry, on):
    return check_eligibility(product=entry.product.slug, country=entry.country.iso2, on=on)


@pytest.mark.parametrize(
    ("precision", "stored", "uncertain", "certain"),
    [
        # A month: the stored start is the month's last day; earlier days of the month may
        # already be inside access, the month before is not.
        ("month", D(2019, 7, 31), D(2019, 7, 1), D(2019, 6, 30)),
        ("year", D(2019, 12, 31), D(2019, 1, 1), D(2018, 12, 31)),
        # A repost may follow the announcement by weeks (REPOST_LEAD, 31 days).
        ("repost", D(2025, 9, 22), D(2025, 8, 22), D(2025, 8, 21)),
        ("exact", D(2019, 7, 31), None, D(2019, 7, 30)),
    ],
)
def test_a_date_inside_the_imprecision_of_the_start_of_access_is_not_a_refusal(
    db, precision, stored, uncertain, certain
):
    access = _plain_entry(valid_from=stored, valid_from_precision=precision)
    if uncertain is not None:
        answer = _answer(access, uncertain)
        assert answer.verdict == Verdict.NOT_RECORDED, codes(answer.reasons)
        assert codes(answer.reasons)[0] == "state_date_uncertain"
        assert "no later than" in answer.reasons[0].message
        assert uncertain.isoformat() in answer.reasons[0].message
    refused = _answer(access, certain)
    assert refused.verdict == Verdict.NOT_ELIGIBLE, codes(refused.reasons)
    assert codes(refused.reasons) == ["not_yet_in_force"]
    assert _answer(access, stored).verdict == Verdict.ELIGIBLE


def test_an_inferred_start_bounds_nothing_before_it_but_a_protocol_known_to_come_later(db):
    """An inferred start is the earliest evidence (a first import): access may have started on
    any day before it, unless a step that must come first (a protocol) is known to start later
    than the date asked; a protocol known only imprecisely does not bound it."""
    evidence = D(2019, 6, 20)
    alone = _plain_entry(valid_from=evidence, valid_from_precision="inferred")
    for on in (D(2010, 1, 1), D(2019, 6, 19)):
        answer = _answer(alone, on)
        assert answer.verdict == Verdict.NOT_RECORDED, (on, codes(answer.reasons))
        assert codes(answer.reasons)[0] == "state_date_uncertain"

    dated = {
        "valid_from": evidence,
        "valid_from_precision": "inferred",
        "instrument_kind": "reported",
        "protocol_signed_on": D(2017, 7, 18),
    }
    protocol = _plain_entry(**dated, protocol_signed_precision="exact")
    before = _answer(protocol, D(2017, 7, 17))
    assert before.verdict == Verdict.NOT_ELIGIBLE, codes(before.reasons)
    assert codes(before.reasons) == ["not_yet_in_force"]
    after = _answer(protocol, D(2018, 1, 1))
    assert after.verdict == Verdict.NOT_RECORDED, codes(after.reasons)
    assert codes(after.reasons)[0] == "state_date_uncertain"

    vague = _plain_entry(**dated, protocol_signed_precision="inferred")
    early = _answer(vague, D(2017, 1, 1))
    assert early.verdict == Verdict.NOT_RECORDED, codes(early.reasons)
    assert codes(early.reasons)[0] == "state_date_uncertain"


def test_seeded_cherries_known_from_a_first_import_are_not_refused_before_it(seeded):
    """Uzbek and Kyrgyz cherries are in force "no later than" 2019-06-20 (reported imports,
    `inferred`): before it the registry cannot say, and says so."""
    for country in ("UZ", "KG"):
        answer = check_eligibility(
            product="fresh-sweet-cherries", country=country, on=D(2019, 1, 1)
        )
        assert answer.verdict == Verdict.NOT_RECORDED, (country, codes(answer.reasons))
        assert codes(answer.reasons)[0] == "state_date_uncertain"
        assert "2019-01-01" in answer.reasons[0].message
