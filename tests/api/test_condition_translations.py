"""Issue 22, item 3: the eligibility answer gives an access entry's conditions in the language it
is asked in. Its checklist lines and conditions whose words are a record's (a dated condition's
text, the entry's other conditions) are in Chinese or Russian where the seeds hold the
translation, and say which text they are (`language`, `translated_by_registry`), as the pages
mark them; words the registry keeps in English only (a treatment) say `en`. Before: the answer
in Chinese gave "Cloven-hoofed animals … free of foot-and-mouth disease …" in English.

The answer tests run here on PostgreSQL (records.sql) and again on SQLite in a subprocess (the
embedded mode, whose engine reads the conditions with the ORM), as tests/api/test_state_notes.py
does."""

import datetime as dt
import os
import re

import pytest
from django.db import connection
from django.utils import translation

from accessions.eligibility.check import check_eligibility
from accessions.models import AccessCondition, MarketAccess
from tests.embedded import pytest_on_sqlite

pytestmark = pytest.mark.django_db
CHECK = "/api/v1/eligibility/"
BEEF = {"product": "beef", "country": "KZ", "date": "2025-06-01"}
SUFFIX = {"en": "en", "zh-hans": "zh", "ru": "ru"}
ON_SQLITE = bool(os.environ.get("CONDITION_TEXTS_ON_SQLITE"))


def _ask(api, language: str, query: dict) -> dict:
    api.cookies["django_language"] = language
    response = api.get(CHECK, query)
    assert response.status_code == 200, response.content
    return response.json()


def _words_of(record, field: str, suffix: str) -> str:
    return getattr(record, field if suffix == "en" else f"{field}_{suffix}")


def _words(record, suffix: str) -> str:
    field = "text" if isinstance(record, AccessCondition) else "conditions"
    return getattr(record, field if suffix == "en" else f"{field}_{suffix}")


@pytest.mark.parametrize("language", ["zh-hans", "ru", "en"])
def test_the_checklist_gives_a_dated_condition_in_the_answers_language(seeded, api, language):
    """KZ beef: the FMD-free areas of GACC & MARA 2024 No.20 (seeds/access_conditions.csv)."""
    suffix = SUFFIX[language]
    areas = AccessCondition.objects.get(
        market_access__country__iso2="KZ", market_access__product__slug="beef", kind="origin_area"
    )
    body = _ask(api, language, BEEF)
    [line] = [item for item in body["checklist"] if item["kind"] == "pest_free_area"]
    assert line["text"] == _words(areas, suffix)
    assert line["language"] == suffix
    assert line["translated_by_registry"] is (suffix != "en")
    # The instrument it rests on in the answer's language too, the registry's translation.
    assert line["source"] == _words_of(areas, "instrument_ref", suffix)
    assert (line["source_language"], line["source_translated_by_registry"]) == (
        suffix,
        suffix != "en",
    )
    assert areas.instrument_ref == "GACC & MARA joint announcement 2024 No.20"
    [condition] = [c for c in body["conditions"] if c["code"] == "origin_area_restricted"]
    assert condition["message"].startswith(_words(areas, suffix))
    assert (condition["language"], condition["translated_by_registry"]) == (
        suffix,
        suffix != "en",
    )


@pytest.mark.parametrize("language", ["zh-hans", "ru", "en"])
def test_the_entrys_other_conditions_are_in_the_answers_language(seeded, api, language):
    suffix = SUFFIX[language]
    access = MarketAccess.objects.get(country__iso2="KZ", product__slug="beef")
    body = _ask(api, language, BEEF)
    [condition] = [c for c in body["conditions"] if c["code"] == "other_conditions"]
    assert condition["message"] == _words(access, suffix)
    assert (condition["language"], condition["translated_by_registry"]) == (
        suffix,
        suffix != "en",
    )
    assert body["access"]["conditions"] == access.conditions
    assert body["access"]["conditions_zh"] == access.conditions_zh
    assert body["access"]["conditions_ru"] == access.conditions_ru
    assert body["access"]["translated_by_registry"] == "zh ru"


@pytest.mark.parametrize("language", ["zh-hans", "ru"])
def test_the_treatment_is_in_the_answers_language(seeded, api, language):
    """KZ feed barley powder's treatment is translated in the seeds (market_access.csv,
    treatment_zh/_ru): given in the answer's language, the registry's translation."""
    suffix = SUFFIX[language]
    access = MarketAccess.objects.get(country__iso2="KZ", product__slug="feed-barley-powder")
    body = _ask(api, language, {"product": "feed-barley-powder", "country": "KZ"})
    [line] = [item for item in body["checklist"] if item["kind"] == "treatment"]
    assert (line["text"], line["language"], line["translated_by_registry"]) == (
        _words_of(access, "treatment", suffix),
        suffix,
        True,
    )
    assert line["text"] != access.treatment
    [condition] = [c for c in body["conditions"] if c["code"] == "treatment_required"]
    assert (condition["language"], condition["translated_by_registry"]) == (suffix, True)


@pytest.mark.parametrize("language", ["zh-hans", "ru"])
def test_words_kept_in_english_only_say_so(seeded, api, language):
    """A treatment with no translation is given as it is, with `en`."""
    MarketAccess.objects.filter(country__iso2="KZ", product__slug="feed-barley-powder").update(
        treatment_zh="", treatment_ru=""
    )
    access = MarketAccess.objects.get(country__iso2="KZ", product__slug="feed-barley-powder")
    body = _ask(api, language, {"product": "feed-barley-powder", "country": "KZ"})
    [line] = [item for item in body["checklist"] if item["kind"] == "treatment"]
    assert (line["text"], line["language"], line["translated_by_registry"]) == (
        access.treatment,
        "en",
        False,
    )
    [condition] = [c for c in body["conditions"] if c["code"] == "treatment_required"]
    assert (condition["language"], condition["translated_by_registry"]) == ("en", False)
    # The registry's own words (a line it records nothing for) are in the answer's language.
    [areas] = [item for item in body["checklist"] if item["kind"] == "pest_free_area"]
    assert areas["status"] == "not_recorded" and areas["language"] == SUFFIX[language]


@pytest.mark.parametrize("language", ["zh-hans", "ru"])
def test_every_seeded_condition_is_answered_in_the_answers_language(seeded, language):
    """Each dated condition of the seeds (access_conditions.csv, access_requirements.csv), asked
    on its first day: its words in the answer are the translation, never the English."""
    suffix = SUFFIX[language]
    conditions = AccessCondition.objects.select_related(
        "market_access__product", "market_access__country"
    )
    assert conditions.count() >= 8
    for condition in conditions:
        access = condition.market_access
        with translation.override(language):
            answer = check_eligibility(
                product=access.product.slug,
                country=access.country.iso2,
                on=max(condition.valid_from, access.valid_from or dt.date.min),
            )
        lines = [(r.text, r.language, r.translated_by_registry) for r in answer.checklist]
        lines += [(c.message, c.language, c.translated_by_registry) for c in answer.conditions]
        translated = getattr(condition, f"text_{suffix}")
        assert translated and suffix in condition.translated_by_registry.split()
        assert (translated, suffix, True) in [(t[: len(translated)], *rest) for t, *rest in lines]
        assert not any(condition.text in text for text, _, _ in lines), (condition.pk, lines)


@pytest.mark.skipif(ON_SQLITE, reason="the SQLite run")
def test_the_schema_documents_the_language_of_the_words():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    for name in ("Requirement", "Condition", "Reason"):
        properties, required = schema[name]["properties"], schema[name]["required"]
        assert {"language", "translated_by_registry"} <= set(required), name
        assert "registry's translation" in properties["translated_by_registry"]["description"]
    requirement = schema["Requirement"]
    assert {"source_language", "source_translated_by_registry"} <= set(requirement["required"])


@pytest.mark.skipif(ON_SQLITE, reason="the SQLite run")
def test_the_answers_give_the_conditions_language_on_sqlite_too(tmp_path):
    """The embedded mode builds the engine's document with the ORM (records.py), not records.sql:
    the answer tests above, again on SQLite."""
    assert connection.vendor == "postgresql"  # this run; the subprocess is the embedded mode
    done = pytest_on_sqlite(
        [__file__], tmp_path / "conditions.sqlite3", "CONDITION_TEXTS_ON_SQLITE"
    )
    assert done.returncode == 0, done.stdout[-4000:]
    assert re.search(r"^12 passed", done.stdout, re.MULTILINE), done.stdout[-500:]
