"""Every integrity rule is refused twice: by model validation with a clear message, and by the
database itself when code bypasses validation (QuerySet.update, bulk_create)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests import factories as f

D = dt.date

# (factory, bad field values, fragment of the validation message)
CASES = [
    (f.ProductFactory, {"hs_code": "12345"}, "six digits"),
    (f.ProductFactory, {"hs_code": "12345a"}, "six digits"),
    (f.ProductFactory, {"category": "vegetables_and_more"}, "category"),
    (f.ProductFactory, {"source": ""}, "source"),
    (f.ProductFactory, {"confidence": "certain"}, "onfidence"),
    (f.ProductAliasFactory, {"kind": "hs_code", "alias": "corn"}, "six digits"),
    (f.CountryFactory, {"iso2": "k1"}, "two capital letters"),
    (f.CountryFactory, {"iso3": "K"}, "three capital letters"),
    (
        f.MarketAccessFactory,
        {"valid_from": D(2024, 1, 2), "valid_until": D(2024, 1, 1)},
        "end date cannot be before",
    ),
    (f.MarketAccessFactory, {"status": "open"}, "status"),
    (
        f.MarketAccessFactory,
        {"status": "in_force", "instrument_kind": "protocol"},
        "protocol alone is not access",
    ),
    (f.MarketAccessFactory, {"instrument_kind": "rumour"}, "instrument_kind"),
    (
        f.PortRegimeFactory,
        {"valid_from": D(2024, 1, 2), "valid_until": D(2023, 1, 1)},
        "end date cannot be before",
    ),
    (f.PortRegimeFactory, {"regime": "6x10"}, "regime"),
    (f.PortFactory, {"road": False, "rail": False, "air": False}, "road, rail or air"),
    (
        f.UnionMembershipFactory,
        {"valid_from": D(2020, 1, 2), "valid_until": D(2020, 1, 1)},
        "end date cannot be before",
    ),
    (f.RegulationFactory, {"country_id": None, "union_id": None}, "exactly one jurisdiction"),
    (
        f.RegulationFactory,
        {"in_force_from": D(2014, 1, 1), "in_force_until": D(2013, 1, 1)},
        "end date cannot be before",
    ),
    (f.RegistrationRegimeFactory, {"window_min_months": 7}, "window must open"),
    (
        f.RegistrationRegimeFactory,
        {"auto_extend": True, "auto_extend_years": None},
        "extension needs",
    ),
    (f.EstablishmentRegistrationFactory, {"registration_number": "KZ-123"}, "registration number"),
    (
        f.EstablishmentRegistrationFactory,
        {"registered_on": D(2025, 1, 1), "valid_until": D(2024, 1, 1)},
        "end date cannot be before",
    ),
]


def _case_id(case):
    factory, values, _ = case
    return f"{factory._meta.model.__name__}-{'-'.join(values)}"


@pytest.mark.django_db
@pytest.mark.parametrize(("factory", "values", "message"), CASES, ids=map(_case_id, CASES))
def test_model_validation_refuses_with_a_clear_message(factory, values, message):
    instance = factory()
    for name, value in values.items():
        setattr(instance, name, value)
    with pytest.raises(ValidationError) as refused:
        instance.full_clean()
    assert message in str(refused.value)


@pytest.mark.django_db
@pytest.mark.parametrize(("factory", "values", "message"), CASES, ids=map(_case_id, CASES))
def test_database_refuses_when_validation_is_bypassed(factory, values, message):
    instance = factory()
    model = type(instance)
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=instance.pk).update(**values)


@pytest.mark.django_db
def test_duplicate_market_access_is_refused_by_validation_and_database():
    access = f.MarketAccessFactory()
    duplicate = f.MarketAccessFactory.build(product=access.product, country=access.country)
    with pytest.raises(ValidationError, match="already has a market-access entry"):
        duplicate.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        type(access).objects.bulk_create([duplicate])


@pytest.mark.django_db
def test_unknown_country_is_refused_by_validation_and_database(django_db_blocker):
    access = f.MarketAccessFactory()
    access.country_id = 987654
    with pytest.raises(ValidationError, match="country"):
        access.full_clean()
    # Foreign keys are deferred on PostgreSQL: the database refuses at the constraint check.
    from django.db import connection

    with pytest.raises(IntegrityError), transaction.atomic():
        type(access).objects.filter(pk=access.pk).update(country_id=987654)
        connection.check_constraints()


@pytest.mark.django_db
def test_duplicate_alias_differing_only_in_case_is_refused():
    alias = f.ProductAliasFactory(alias="Maize")
    with pytest.raises(IntegrityError), transaction.atomic():
        type(alias).objects.create(product=alias.product, alias="MAIZE", language="en")


@pytest.mark.django_db
def test_regulation_cannot_have_both_a_country_and_a_union():
    regulation = f.RegulationFactory()
    country = f.CountryFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        type(regulation).objects.filter(pk=regulation.pk).update(country=country)
