"""manage.py generate_scale_data at tiny sizes: synthetic rows are illustrative, a second run adds
nothing, history triggers are back on afterwards, and the checker answers a generated question."""

import datetime as dt
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection

from accessions.eligibility.check import check_eligibility
from accessions.models import AccessState, CoverageStep, EstablishmentRegistration, MarketAccess
from accessions.scale_names import SCALE_SOURCE, synthetic_product_aliases, synthetic_product_fields
from registry.models import Country, Product, ProductAlias, ProductSearchKey
from regulations.models import Regulation, RegulationProduct
from tests.accessions.test_coverage_steps import counted_on, step_on
from tests.factories import RegistrationRegimeFactory

TINY = [
    "--countries=3",
    "--products=20",
    "--accesses=30",
    "--registrations=40",
    "--regulations=5",
    "--date=2026-06-01",
]
SYNTHETIC_MODELS = [Country, Product, MarketAccess, EstablishmentRegistration, Regulation]


def generate() -> str:
    out = StringIO()
    call_command("generate_scale_data", *TINY, stdout=out, verbosity=0)
    return out.getvalue()


@pytest.fixture
def generated(db):
    RegistrationRegimeFactory()
    generate()


def test_every_synthetic_row_is_illustrative_and_sized(generated):
    assert Country.objects.filter(source=SCALE_SOURCE).count() == 3
    assert Product.objects.filter(source=SCALE_SOURCE).count() == 20
    assert MarketAccess.objects.filter(source=SCALE_SOURCE).count() == 30
    assert EstablishmentRegistration.objects.filter(source=SCALE_SOURCE).count() == 40
    assert Regulation.objects.filter(source=SCALE_SOURCE).count() == 5
    for model in SYNTHETIC_MODELS:
        assert not model.objects.filter(is_illustrative=False).exists(), model
    languages = set(ProductAlias.objects.values_list("language", flat=True))
    assert languages == {"en", "zh", "ru"}
    assert ProductAlias.objects.count() == 60
    assert ProductSearchKey.objects.filter(product__source=SCALE_SOURCE).exists()
    assert RegulationProduct.objects.count() == 15
    through = EstablishmentRegistration.products.through
    assert through.objects.count() == 40
    assert len({(a.product_id, a.country_id) for a in MarketAccess.objects.all()}) == 30


def test_second_run_adds_nothing(generated):
    before = {model: model.objects.count() for model in [*SYNTHETIC_MODELS, ProductAlias]}
    out = generate()
    assert {model: model.objects.count() for model in before} == before
    assert "1 ILLUSTRATIVE" not in out.replace("0 ILLUSTRATIVE", "")


@pytest.mark.parametrize("model", [MarketAccess, AccessState])
def test_history_triggers_are_back_on_and_recorded_nothing(generated, model):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass "
            "AND NOT tgisinternal AND tgenabled <> 'O'",
            [model._meta.db_table],
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
            [model._meta.db_table],
        )
        assert cursor.fetchone()[0] > 0  # the history triggers exist and are enabled
    assert not apps.get_model("accessions", f"{model.__name__}Event").objects.exists()


def test_the_coverage_steps_hold_the_generated_states(generated):
    """The steps' triggers were off during the load with the history's: refreshed once after."""
    for country in Country.objects.filter(source=SCALE_SOURCE):
        for on in (dt.date(2014, 1, 1), dt.date(2020, 6, 1), dt.date(2026, 6, 1)):
            assert step_on(country, on) == counted_on(country, on), (country.iso2, on)
        assert CoverageStep.objects.filter(country=country).exists()


def test_the_checker_answers_a_generated_question(generated):
    access = MarketAccess.objects.filter(source=SCALE_SOURCE, status="in_force").first()
    answer = check_eligibility(
        product=access.product.slug, country=access.country.iso2, on=dt.date(2026, 6, 1)
    )
    assert answer.verdict in {"eligible", "eligible_with_conditions"}


def test_refuses_sqlite(db, monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        generate()


def test_refuses_without_a_regime(db):
    with pytest.raises(CommandError, match="load_seeds"):
        generate()


@pytest.mark.parametrize("index", [0, 619, 620, 9_999, 99_999])
def test_every_product_index_has_names_in_three_languages(index):
    fields = synthetic_product_fields(index)
    assert all(fields[f"name_{lang}"] for lang in ("en", "zh", "ru"))
    assert [language for _alias, language in synthetic_product_aliases(index)] == ["en", "zh", "ru"]
