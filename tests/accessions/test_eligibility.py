"""The eligibility service over the real seeds, with illustrative registrations from factories."""

import datetime as dt

import pytest

from accessions.eligibility.answer import Verdict
from accessions.eligibility.check import COVERAGE_STATEMENTS, MAX_STATEMENTS, check_eligibility
from accessions.models import MarketAccess
from accessions.services.market_access import market_access_save
from registry.errors import DomainError
from registry.models import Country, Product
from regulations.selectors import applicable_regulations
from tests import factories as f

TODAY = dt.date(2026, 11, 29)
pytestmark = pytest.mark.django_db


def codes(reasons):
    return [r.code for r in reasons]


def check(**kwargs):
    kwargs.setdefault("on", TODAY)
    return check_eligibility(**kwargs)


def test_access_in_force_with_unasked_requirements_is_eligible_with_conditions(seeded):
    answer = check(product="edible-peas", country="KZ")
    assert answer.verdict == Verdict.ELIGIBLE_WITH_CONDITIONS
    assert codes(answer.reasons) == ["access_in_force"]
    assert "registered_establishment_required" in codes(answer.conditions)
    assert answer.access.instrument_ref == "GACC 2023 No.65"
    assert {r.code for r in answer.regulations} >= {"TR CU 021/2011"}
    assert answer.as_of == TODAY
    assert "date=2026-11-29" in answer.permalink_query
    assert answer.sources[0]["source"]


def test_a_pair_with_no_record_is_not_recorded_not_refused(seeded):
    answer = check(product="fresh-grapes", country="TM")
    assert answer.verdict == Verdict.NOT_RECORDED
    assert codes(answer.reasons) == ["not_recorded", "registry_coverage"]
    assert answer.coverage.country.iso2 == "TM"
    assert answer.coverage.figures  # the reported figures beside the registry's own count


def test_protocol_without_announcement_is_not_confirmed_access(seeded):
    answer = check(product="wheat", country="KZ")
    assert answer.verdict == Verdict.NOT_RECORDED
    assert codes(answer.reasons) == ["protocol_only", "registry_coverage"]


def test_before_the_announcement_access_is_not_yet_in_force(seeded):
    answer = check(product="edible-peas", country="KZ", on=dt.date(2023, 1, 1))
    assert answer.verdict == Verdict.NOT_ELIGIBLE
    assert codes(answer.reasons) == ["not_yet_in_force"]


@pytest.mark.parametrize(
    ("port", "verdict", "code"),
    [
        # 7 designated meat ports in Xinjiang (2019), 4 recorded (issue 22): Dulata's site is not.
        ("dulata", Verdict.UNKNOWN, "designated_sites_not_recorded"),
        ("khorgos", Verdict.ELIGIBLE_WITH_CONDITIONS, "port_allowed"),
        ("bakhty", Verdict.ELIGIBLE_WITH_CONDITIONS, "port_allowed"),
    ],
)
def test_meat_enters_only_through_designated_meat_ports(seeded, port, verdict, code):
    answer = check(product="beef", country="KZ", port=port)
    assert answer.verdict == verdict
    assert code in codes(answer.reasons)
    assert {p.code for p in answer.allowed_ports} == {"khorgos", "alashankou", "bakhty", "jeminay"}


def test_without_a_port_a_designated_port_is_a_condition(seeded):
    answer = check(product="beef", country="KZ")
    assert "designated_port_required" in codes(answer.conditions)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"product": "unobtainium", "country": "KZ"}, "unknown_product"),
        ({"product": "edible-peas", "country": "XX"}, "unknown_country"),
        ({"product": "edible-peas", "country": "KZ", "port": "atlantis"}, "unknown_port"),
    ],
)
def test_what_the_registry_does_not_know_is_unknown(seeded, kwargs, code):
    answer = check(**kwargs)
    assert answer.verdict == Verdict.UNKNOWN
    assert code in codes(answer.reasons)


@pytest.mark.parametrize(
    "identifier", ["maize", "corn", "кукуруза", "玉米", "100590", "Maize (corn)"]
)
def test_product_found_by_slug_alias_name_or_hs_code(seeded, identifier):
    answer = check(product=identifier, country="KZ")
    assert answer.product.slug == "maize"
    assert answer.query["product"] == "maize"


def test_an_hs_code_shared_by_several_products_is_ambiguous(seeded):
    f.ProductFactory(slug="also-maize", hs_code="100590")
    with pytest.raises(DomainError) as ambiguous:
        check(product="100590", country="KZ")
    assert ambiguous.value.code == "ambiguous_product"
    assert ambiguous.value.extra["candidates"] == ["also-maize", "maize"]


def test_eaeu_acts_bind_members_on_the_date_not_observers(seeded):
    grapes = Product.objects.get(slug="fresh-grapes")
    kg, uz = Country.objects.get(iso2="KG"), Country.objects.get(iso2="UZ")
    assert "TR CU 021/2011" in {
        r.code for r in applicable_regulations(product=grapes, country=kg, on=TODAY)
    }
    assert "TR CU 021/2011" not in {
        r.code for r in applicable_regulations(product=grapes, country=uz, on=TODAY)
    }
    # Kyrgyzstan joined the EAEU on 2015-08-12: not yet bound in June 2015.
    june_2015 = dt.date(2015, 6, 1)
    assert "TR CU 021/2011" not in {
        r.code for r in applicable_regulations(product=grapes, country=kg, on=june_2015)
    }


@pytest.fixture
def peas_establishment(seeded):
    peas = Product.objects.get(slug="edible-peas")
    kz = Country.objects.get(iso2="KZ")
    return f.EstablishmentRegistrationFactory(
        registration_number="CKAZ07132301010001",
        country=kz,
        products=[peas],
        registered_on=dt.date(2023, 7, 1),
        valid_until=dt.date(2028, 6, 30),
    )


def test_a_valid_registered_establishment_clears_the_condition(peas_establishment):
    answer = check(
        product="edible-peas",
        country="KZ",
        establishment=peas_establishment.registration_number.lower(),
    )
    assert answer.verdict == Verdict.ELIGIBLE_WITH_CONDITIONS  # origin and sampling rules remain
    assert "registered_establishment_required" not in codes(answer.conditions)
    assert "establishment_registered" in codes(answer.reasons)
    assert "illustrative_data" in codes(answer.reasons)
    assert answer.is_illustrative


@pytest.mark.parametrize(
    ("changes", "on", "code"),
    [
        # Decree 280 (from 2026-06-01) extends it automatically unless an exclusion applies.
        (
            {"extension_exclusion": "rectifying"},
            dt.date(2028, 7, 1),
            "establishment_registration_expired",
        ),
        ({}, dt.date(2033, 7, 1), "establishment_registration_expired"),
        ({"status": "suspended", "stopped_on": TODAY}, TODAY, "establishment_suspended"),
        ({}, dt.date(2023, 6, 20), "establishment_not_yet_registered"),
    ],
)
def test_establishment_registration_must_be_valid_on_the_date(
    peas_establishment, changes, on, code
):
    for name, value in changes.items():
        setattr(peas_establishment, name, value)
    peas_establishment.save()
    answer = check(
        product="edible-peas",
        country="KZ",
        on=on,
        establishment=peas_establishment.registration_number,
    )
    assert answer.verdict == Verdict.NOT_ELIGIBLE
    assert codes(answer.reasons)[0] == code


def test_an_automatic_extension_keeps_the_registration_valid(peas_establishment):
    peas_establishment.extended_until = dt.date(2033, 6, 30)
    peas_establishment.status = "extended"
    peas_establishment.save()
    answer = check(
        product="edible-peas",
        country="KZ",
        on=dt.date(2030, 1, 1),
        establishment=peas_establishment.registration_number,
    )
    assert answer.verdict == Verdict.ELIGIBLE_WITH_CONDITIONS
    assert "establishment_registered" in codes(answer.reasons)


def test_the_automatic_extension_is_a_rule_not_the_sweeps_write(peas_establishment):
    """Decree 280: a registration expiring on 2028-06-30 with no exclusion runs 5 more years.
    The answer about 2029 is the same before the sweep stamps the extension and after."""
    from accessions.services import expiry

    number = peas_establishment.registration_number
    before = check(
        product="edible-peas", country="KZ", on=dt.date(2029, 1, 1), establishment=number
    )
    expiry.expiry_sweep(today=dt.date(2028, 7, 2))
    peas_establishment.refresh_from_db()
    assert peas_establishment.extended_until == dt.date(2033, 6, 30)  # the sweep's stamp
    after = check(product="edible-peas", country="KZ", on=dt.date(2029, 1, 1), establishment=number)
    assert before.verdict == after.verdict == Verdict.ELIGIBLE_WITH_CONDITIONS
    (registered,) = [r.message for r in before.reasons if r.code == "establishment_registered"]
    assert "2033-06-30" in registered


@pytest.mark.parametrize(
    ("valid_until", "extended_until", "exclusion"),
    [
        (dt.date(2026, 5, 31), None, ""),  # Decree 248: no automatic extension
        (dt.date(2026, 6, 1), None, ""),  # Decree 280
        (dt.date(2028, 2, 29), None, ""),  # a leap day
        (dt.date(2027, 3, 1), None, "imports_suspended"),
        (dt.date(2027, 3, 1), dt.date(2030, 1, 1), ""),
    ],
)
def test_effective_end_in_sql_equals_its_python_twin(
    seeded, valid_until, extended_until, exclusion
):
    from accessions.models import EstablishmentRegistration, RegistrationRegime
    from accessions.registration_validity import (
        registration_effective_end,
        registration_effective_end_of,
    )

    registration = f.EstablishmentRegistrationFactory(
        registered_on=dt.date(2021, 1, 1),
        valid_until=valid_until,
        extended_until=extended_until,
        extension_exclusion=exclusion,
    )
    in_sql = (
        EstablishmentRegistration.objects.annotate(end=registration_effective_end())
        .get(pk=registration.pk)
        .end
    )
    regime = (
        RegistrationRegime.objects.filter(auto_extend=True, valid_from__lte=valid_until)
        .exclude(valid_until__lt=valid_until)
        .first()
    )
    in_python = registration_effective_end_of(
        valid_until=valid_until,
        extended_until=extended_until,
        exclusion=exclusion,
        auto_years=regime.auto_extend_years if regime else None,
    )
    assert in_sql == in_python


def test_establishment_of_another_product_or_country_is_refused(peas_establishment):
    answer = check(
        product="lentils", country="KZ", establishment=peas_establishment.registration_number
    )
    assert codes(answer.reasons)[0] == "establishment_not_for_product"
    uz = f.EstablishmentRegistrationFactory(
        country=Country.objects.get(iso2="UZ"),
        registration_number="CUZB07133023010002",
        products=[Product.objects.get(slug="edible-peas")],
    )
    answer = check(product="edible-peas", country="KZ", establishment=uz.registration_number)
    assert codes(answer.reasons)[0] == "establishment_wrong_country"


def test_unknown_establishment_is_not_registered(seeded):
    answer = check(product="edible-peas", country="KZ", establishment="CKAZ99999999999999")
    assert answer.verdict == Verdict.NOT_ELIGIBLE
    assert codes(answer.reasons) == ["establishment_not_registered", "access_in_force"]


def test_access_with_an_unknown_start_says_so(seeded):
    # The seeds date KZ barley since issue 22 (approved by 2018-11-23); an entry in force whose
    # start is not known is made here from it.
    barley = MarketAccess.objects.get(country__iso2="KZ", product__slug="barley")
    barley.valid_from, barley.valid_from_precision = None, ""
    barley.instrument_date, barley.instrument_date_precision = None, ""
    barley.protocol_signed_on, barley.protocol_signed_precision = None, ""
    market_access_save(access=barley)
    answer = check(product="barley", country="KZ")
    assert "start_date_unknown" in codes(answer.reasons)


def test_a_full_check_costs_the_fixed_statements(peas_establishment, django_assert_max_num_queries):
    with django_assert_max_num_queries(MAX_STATEMENTS):
        answer = check(
            product="beef",
            country="KZ",
            port="khorgos",
            establishment=peas_establishment.registration_number,
        )
    assert answer.verdict == Verdict.NOT_ELIGIBLE
    with django_assert_max_num_queries(MAX_STATEMENTS):
        check(
            product="edible-peas",
            country="KZ",
            port="khorgos",
            establishment=peas_establishment.registration_number,
        )


def test_access_without_any_requirement_is_plainly_eligible(db):
    # Feed needs no designated supervision site (registry.models.ports.CATEGORY_SITE_KINDS).
    access = f.MarketAccessFactory(
        requires_registered_establishments=False, product=f.ProductFactory(category="feed")
    )
    answer = check(product=access.product.slug, country=access.country.iso2)
    assert answer.verdict == Verdict.ELIGIBLE
    assert answer.conditions == []


@pytest.mark.parametrize("size", [1, 10, 1000])
def test_a_batch_costs_the_same_statements_whatever_its_size(
    peas_establishment, django_assert_num_queries, size
):
    """One engine, set-based: 1, 10 or 1,000 questions (with ports and an establishment, so every
    statement runs) cost exactly MAX_STATEMENTS."""
    from accessions.eligibility.answer import EligibilityQuestion
    from accessions.eligibility.check import check_eligibility_batch

    number = peas_establishment.registration_number
    products = ["beef", "edible-peas", "maize", "wheat-bran", "fresh-grapes"]
    questions = [
        EligibilityQuestion(
            products[i % len(products)],
            "KZ",
            dt.date(2020, 1, 1) + dt.timedelta(days=i),
            "khorgos" if i % 2 else "",
            number,
        )
        for i in range(size)
    ]
    # fresh-grapes has no KZ record: those answers are not_recorded and carry the coverage.
    with django_assert_num_queries(MAX_STATEMENTS + COVERAGE_STATEMENTS * (size > 4)):
        answers = check_eligibility_batch(questions)
    assert len(answers) == size
    assert not any(isinstance(a, Exception) for a in answers)


def test_a_date_inside_the_imprecision_of_a_start_says_so(seeded):
    # The 2022 FMD notice on Kazakh beef is known by its number only: the year, not the day.
    inside = check(product="beef", country="KZ", on=dt.date(2022, 3, 1))
    assert inside.verdict == Verdict.NOT_ELIGIBLE
    assert "state_date_uncertain" in codes(inside.reasons)
    later = check(product="beef", country="KZ", on=dt.date(2023, 6, 1))
    assert "state_date_uncertain" not in codes(later.reasons)


def test_a_suspension_of_a_registration_stops_it_from_its_day_only(peas_establishment):
    peas_establishment.status, peas_establishment.stopped_on = "suspended", dt.date(2025, 3, 1)
    peas_establishment.save()
    number = peas_establishment.registration_number
    before = check(
        product="edible-peas", country="KZ", on=dt.date(2025, 2, 1), establishment=number
    )
    after = check(product="edible-peas", country="KZ", on=dt.date(2025, 3, 1), establishment=number)
    assert "establishment_registered" in codes(before.reasons)
    assert before.verdict != Verdict.NOT_ELIGIBLE
    assert after.verdict == Verdict.NOT_ELIGIBLE
    assert codes(after.reasons)[0] == "establishment_suspended"


def test_a_stopped_registration_needs_its_date(peas_establishment):
    from django.db import IntegrityError, transaction

    peas_establishment.status = "cancelled"
    with pytest.raises(IntegrityError), transaction.atomic():
        peas_establishment.save()
