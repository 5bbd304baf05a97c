"""Issue 22, item 3: an access entry's legal states give their public note in Chinese and Russian
and say which the registry translated (`public_note_zh`, `public_note_ru`,
`translated_by_registry`, the names the access entry's own fields have), wherever a state's
`public_note` is given: the access entry's series, and the eligibility answer's `state` and
`states` (the engine's document: records.sql on PostgreSQL, its ORM twin on SQLite). The answer
tests run here on PostgreSQL and again on SQLite in a subprocess (the embedded mode), as
tests/api/test_wordings.py does."""

import os
import re

import pytest
from django.db import connection

from accessions.models import AccessState
from tests import factories as f
from tests.embedded import pytest_on_sqlite

pytestmark = pytest.mark.django_db
NOTES = ("public_note", "public_note_zh", "public_note_ru", "translated_by_registry")


def _seeded_notes(kind: str) -> dict[str, str]:
    """The notes of KZ beef's seeded state of this kind (seeds/access_states.csv)."""
    state = AccessState.objects.get(
        market_access__country__iso2="KZ", market_access__product__slug="beef", kind=kind
    )
    return {name: getattr(state, name) for name in NOTES}


def _notes(state: dict) -> dict[str, str]:
    return {name: state[name] for name in NOTES}


def test_the_seeded_beef_states_have_their_notes_in_three_languages(seeded):
    for kind in ("suspended", "restored"):
        notes = _seeded_notes(kind)
        assert all(notes.values()), notes
        assert notes["translated_by_registry"] == "zh ru"


def test_an_answer_gives_its_states_notes_in_chinese_and_russian(seeded, api):
    """KZ beef on 2023-06-01 is under the 2022 ban (suspended); the series holds the 2024
    restoration too, each with its notes as seeded."""
    query = {"product": "beef", "country": "KZ", "date": "2023-06-01"}
    body = api.get("/api/v1/eligibility/", query).json()
    assert body["state"]["kind"] == "suspended"
    assert _notes(body["state"]) == _seeded_notes("suspended")
    by_kind = {state["kind"]: state for state in body["states"]}
    assert _notes(by_kind["suspended"]) == _seeded_notes("suspended")
    assert _notes(by_kind["restored"]) == _seeded_notes("restored")


def test_bulk_answers_give_the_states_notes_in_chinese_and_russian(seeded, keyed_api):
    checks = [{"product": "beef", "country": "KZ", "date": "2024-03-01"}]
    response = keyed_api.post("/api/v1/eligibility/bulk/", {"checks": checks}, format="json")
    assert response.status_code == 200, response.content
    (answer,) = response.json()["results"]
    assert answer["state"]["kind"] == "restored"
    assert _notes(answer["state"]) == _seeded_notes("restored")
    assert _notes(answer["states"][-1]) == _seeded_notes("restored")


@pytest.mark.skipif(bool(os.environ.get("STATE_NOTES_ON_SQLITE")), reason="the SQLite run")
def test_the_access_entry_gives_its_states_notes_in_chinese_and_russian(api):
    access = f.MarketAccessFactory(
        states=[
            {
                "kind": "suspended",
                "starts_on": "2024-01-01",
                "starts_on_precision": "exact",
                "public_note": "FMD outbreak",
                "public_note_zh": "口蹄疫疫情",
                "public_note_ru": "Вспышка ящура",
                "translated_by_registry": "zh ru",
            }
        ]
    )
    detail = api.get(f"/api/v1/access/{access.pk}/").json()
    listed = api.get("/api/v1/access/", {"country": access.country.iso2}).json()["results"]
    for states in (detail["states"], listed[0]["states"]):
        assert _notes(states[-1]) == {
            "public_note": "FMD outbreak",
            "public_note_zh": "口蹄疫疫情",
            "public_note_ru": "Вспышка ящура",
            "translated_by_registry": "zh ru",
        }
        assert _notes(states[0]) == dict.fromkeys(NOTES, "")  # the entry's own start


@pytest.mark.skipif(bool(os.environ.get("STATE_NOTES_ON_SQLITE")), reason="the SQLite run")
def test_the_schema_documents_the_states_notes():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    state = schema["components"]["schemas"]["AccessState"]
    assert set(NOTES) <= set(state["properties"])
    assert set(NOTES) <= set(state["required"])
    assert "registry's translation" in state["properties"]["translated_by_registry"]["description"]


@pytest.mark.skipif(bool(os.environ.get("STATE_NOTES_ON_SQLITE")), reason="the SQLite run")
def test_the_answers_give_the_states_notes_on_sqlite_too(tmp_path):
    """The embedded mode builds the engine's document with the ORM (records.py), not records.sql:
    the answer tests above, again on SQLite."""
    assert connection.vendor == "postgresql"  # this run; the subprocess is the embedded mode
    done = pytest_on_sqlite([__file__], tmp_path / "notes.sqlite3", "STATE_NOTES_ON_SQLITE")
    assert done.returncode == 0, done.stdout[-4000:]
    assert re.search(r"^3 passed", done.stdout, re.MULTILINE), done.stdout[-500:]
