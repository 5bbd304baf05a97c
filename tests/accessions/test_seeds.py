"""The seed loader: honest content, idempotence, all-or-nothing."""

import shutil

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from accessions.models import Accession, EstablishmentRegistration, MarketAccess
from accessions.seeding import SEEDS_DIR, seeds_load
from registry.models import Country, Product, ReportedFigure
from registry.provenance import Provenance
from regulations.models import Regulation, RegulationProduct

pytestmark = pytest.mark.django_db


def _provenance_models():
    return [m for m in apps.get_models() if issubclass(m, Provenance)]


def _snapshot():
    """Every row of every seeded model, as plain values: equal snapshots mean nothing changed."""
    models = [*_provenance_models(), RegulationProduct]
    return {
        m._meta.label: sorted(map(repr, m.objects.order_by("pk").values_list())) for m in models
    }


def _history_count():
    from pghistory.models import Events

    return Events.objects.count()


def test_every_seeded_record_has_a_source_and_confidence(seeded):
    checked = 0
    for model in _provenance_models():
        for record in model.objects.all():
            assert record.source.strip(), f"{model.__name__} {record} has no source"
            assert record.confidence in {"high", "medium", "low"}
            assert not record.is_illustrative, f"{record} is illustrative but seeded"
            checked += 1
    for link in RegulationProduct.objects.all():
        assert link.source and link.confidence in {"high", "medium", "low"}
        checked += 1
    assert checked > 200


def test_second_load_changes_nothing_and_records_no_history(seeded):
    before, events = _snapshot(), _history_count()
    report = seeds_load()
    assert report.changed == 0
    assert sum(f.unchanged for f in report.files) > 200
    assert _snapshot() == before
    assert _history_count() == events


def test_second_run_of_the_command_says_nothing_changed(seeded, capsys):
    call_command("load_seeds")
    assert "nothing changed" in capsys.readouterr().out


def _corrupt(tmp_path, edits):
    directory = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, directory)
    for name, (needle, replacement) in edits:
        path = directory / name
        text = path.read_text(encoding="utf-8")
        assert needle in text, f"{needle!r} not in {name}"
        path.write_text(text.replace(needle, replacement, 1), encoding="utf-8")
    return directory


def _line_of(path, needle):
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


def test_bad_seed_files_change_nothing_and_name_every_bad_row(seeded, tmp_path):
    directory = _corrupt(
        tmp_path,
        [
            ("products.csv", ("wheat,Wheat,", "wheat,Wheat RENAMED,")),  # a good change ...
            (
                "products.csv",
                (
                    "maize,Maize (corn),玉米,Кукуруза,grain,plant,100590",
                    "maize,Maize (corn),玉米,Кукуруза,grain,plant,10059X",
                ),
            ),
            ("market_access.csv", ("KZ,barley,", "QQ,barley,")),
            ("port_regimes.csv", (",7x14,", ",9x99,")),
            ("countries.csv", ("KZ,KAZ,", "KZ,KAZ,")),
        ],
    )
    # A duplicate natural key: the first market-access row appended again.
    access = directory / "market_access.csv"
    lines = access.read_text(encoding="utf-8").splitlines()
    access.write_text("\n".join([*lines, lines[1]]) + "\n", encoding="utf-8")
    before, events = _snapshot(), _history_count()

    with pytest.raises(CommandError) as refused:
        call_command("load_seeds", dir=directory)

    message = str(refused.value)
    assert "nothing was changed" in message
    expected = [
        f"products.csv:{_line_of(directory / 'products.csv', '10059X')}: ",
        f"market_access.csv:{_line_of(access, 'QQ,barley')}: unknown country 'QQ'",
        f"port_regimes.csv:{_line_of(directory / 'port_regimes.csv', '9x99')}: ",
        f"market_access.csv:{len(lines) + 1}: duplicate of line 2",
    ]
    for fragment in expected:
        assert fragment in message, f"{fragment!r} missing from:\n{message}"
    assert "six digits" in message
    assert _snapshot() == before
    assert _history_count() == events
    assert Product.objects.get(slug="wheat").name_en == "Wheat"


def test_missing_column_is_reported_at_line_one(db, tmp_path):
    directory = _corrupt(tmp_path, [("countries.csv", ("iso2,iso3,", "iso2,iso_3,"))])
    with pytest.raises(CommandError, match=r"countries.csv:1: missing columns \['iso3'\]"):
        call_command("load_seeds", dir=directory)
    assert Country.objects.count() == 0


def test_dry_run_checks_and_keeps_nothing(db):
    report = seeds_load(dry_run=True)
    assert report.changed > 200
    assert Country.objects.count() == 0


# --- content: what the facts support, and nothing more ---------------------------------------


def test_the_five_countries_with_turkmenistan_without_access(seeded):
    assert set(Country.objects.values_list("iso2", flat=True)) >= {"KZ", "KG", "TJ", "TM", "UZ"}
    assert not MarketAccess.objects.filter(country__iso2="TM").exists()


def test_eaeu_memberships_are_dated_and_uzbekistan_only_observes(seeded):
    memberships = {
        m.country.iso2: m
        for m in Country.objects.get(iso2="KZ").memberships.model.objects.select_related("country")
    }
    assert str(memberships["KZ"].valid_from) == "2015-01-01" and memberships["KZ"].binding
    assert str(memberships["KG"].valid_from) == "2015-08-12" and memberships["KG"].binding
    assert memberships["UZ"].role == "observer" and not memberships["UZ"].binding


def test_kazakh_corn_meal_is_a_2023_accession_sourced_to_the_urumqi_report(seeded):
    accession = Accession.objects.select_related("market_access").get(
        market_access__country__iso2="KZ", market_access__product__slug="corn-meal"
    )
    assert accession.year == 2023
    assert accession.basis == "article_only"
    assert accession.confidence == "medium"
    assert "Urumqi" in accession.source
    assert accession.market_access.instrument_ref == ""


@pytest.mark.parametrize(
    ("iso2", "slug", "ref"),
    [
        ("KZ", "alfalfa-hay", "GACC 2018 No.188"),
        ("KZ", "edible-peas", "GACC 2023 No.65"),
        ("KZ", "lentils", "GACC 2023 No.65"),
        ("KZ", "sugar-beet-pulp", "GACC 2025 No.129"),
        ("KG", "kidney-beans", "GACC 2025 No.32"),
        ("UZ", "fresh-pomegranates", "GACC 2021 No.36"),
        ("UZ", "dried-melon", "GACC 2022 No.105"),
    ],
)
def test_confirmed_announcement_numbers_are_recorded(seeded, iso2, slug, ref):
    access = MarketAccess.objects.get(country__iso2=iso2, product__slug=slug)
    assert access.instrument_ref == ref
    assert access.status == "in_force"


def test_protocol_only_rows_are_not_in_force(seeded):
    wheat = MarketAccess.objects.get(country__iso2="KZ", product__slug="wheat")
    assert wheat.status == "protocol_signed"
    assert wheat.valid_from is None


def test_every_hs_code_is_marked_mapped_or_uncertain(seeded):
    assert not Product.objects.filter(hs_basis="sourced").exists()
    assert not Product.objects.exclude(hs_code="").filter(hs_basis="uncertain").exists()


def test_reported_figures_include_the_article_and_gacc_counts(seeded):
    values = {(f.metric, f.value) for f in ReportedFigure.objects.filter(country=None)}
    assert {
        ("products_with_access", 96),
        ("new_accessions", 12),
        ("regulations_collected", 93),
        ("products_with_access", 100),
        ("registered_enterprises", 4000),
    } <= values


def test_eaeu_regulations_carry_their_decisions(seeded):
    food_safety = Regulation.objects.get(code="TR CU 021/2011")
    assert food_safety.union.code == "EAEU"
    assert "880" in food_safety.adopted_by
    assert str(food_safety.in_force_from) == "2013-07-01"


def test_seeds_hold_no_establishment_registrations(seeded):
    assert EstablishmentRegistration.objects.count() == 0


def test_demo_set_is_flagged_illustrative(seeded):
    call_command("load_demo", date="2026-11-29")
    registrations = EstablishmentRegistration.objects.all()
    assert registrations.count() > 5
    assert all(r.is_illustrative and "llustrative" in r.source for r in registrations)
    assert not MarketAccess.objects.filter(is_illustrative=True).exists()


def test_demo_needs_the_seeds(db):
    with pytest.raises(CommandError, match="load_seeds"):
        call_command("load_demo", date="2026-11-29")


def test_demo_rejects_a_malformed_date(seeded):
    with pytest.raises(CommandError, match="not a date"):
        call_command("load_demo", date="2026-13-01")
