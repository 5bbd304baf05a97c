"""GET /api/v1/answers/<id>/: a citable answer as it was given, today's answer to the same
question and date beside it, and `changed`; documented in the OpenAPI schema."""

import datetime as dt

import jsonschema_rs
import pytest
from drf_spectacular.generators import SchemaGenerator

from accessions.eligibility.check import check_eligibility
from accessions.models import AnswerRecord
from accessions.services.answers import answer_record
from accessions.services.market_access import market_access_state_record
from registry.provenance import NOTE_TRANSLATION_FIELDS
from tests import factories as f

pytestmark = pytest.mark.django_db

ASKED_ON = dt.date(2024, 6, 1)
PATH = "/api/v1/answers/{public_id}/"


@pytest.fixture
def access():
    """Chilled beef from Kazakhstan, in force from 2023-06-13."""
    return f.MarketAccessFactory(
        product=f.ProductFactory(slug="chilled-beef", name_en="Chilled beef"),
        country=f.CountryFactory(iso2="KZ", iso3="KAZ", name_en="Kazakhstan"),
    )


@pytest.fixture
def record(access) -> AnswerRecord:
    answer = check_eligibility(product="chilled-beef", country="kz", on=ASKED_ON)
    return answer_record(answer=answer, language="en")


def _validator():
    """The 200 response of the endpoint as a JSON Schema (OpenAPI 3.0's `nullable` spelt as a
    null type)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)

    def convert(node):
        if isinstance(node, dict):
            node = {key: convert(value) for key, value in node.items()}
            if node.pop("nullable", False):
                node = {"anyOf": [node, {"type": "null"}]}
            return node
        if isinstance(node, list):
            return [convert(item) for item in node]
        return node

    body = schema["paths"][PATH]["get"]["responses"]["200"]["content"]["application/json"]
    return jsonschema_rs.validator_for(
        convert({**body["schema"], "components": schema["components"]}), validate_formats=True
    )


def test_the_service_keeps_the_question_in_its_normal_form(record, access):
    assert record.query == {
        "product": "chilled-beef",
        "country": "KZ",
        "port": "",
        "date": "2024-06-01",
        "establishment": "",
    }
    assert record.verdict == "eligible_with_conditions"
    assert record.access == access
    assert record.state["kind"] == "in_force" and record.state["starts_on"] == "2023-06-13"


def test_an_answer_is_kept_only_in_a_language_of_the_site(access):
    from registry.errors import DomainError

    answer = check_eligibility(product="chilled-beef", country="KZ", on=ASKED_ON)
    with pytest.raises(DomainError) as refused:
        answer_record(answer=answer, language="fr")
    assert refused.value.code == "invalid_language"
    assert not AnswerRecord.objects.exists()


def test_the_answer_as_given_with_today_unchanged(api, record):
    response = api.get(f"/api/v1/answers/{record.public_id}/")
    assert response.status_code == 200
    body = response.json()
    _validator().validate(body)
    assert body["id"] == record.public_id
    assert body["question"]["date"] == "2024-06-01"
    assert body["verdict"] == "eligible_with_conditions"
    assert body["reasons"][0]["code"] == "access_in_force"
    assert body["language"] == "en"
    assert body["access"] == record.access_id
    assert body["state"]["kind"] == "in_force"
    assert body["url"] == f"http://testserver/answers/{record.public_id}/"
    assert body["permalink"] == (
        "http://testserver/check/?product=chilled-beef&country=KZ&date=2024-06-01"
    )
    assert body["today"]["verdict"] == "eligible_with_conditions"
    assert body["today"]["reasons"] == [r["code"] for r in body["reasons"]]
    assert body["changed"] is False


def test_a_suspension_recorded_afterwards_changes_today_but_not_the_answer(api, record, access):
    market_access_state_record(
        access=access,
        kind="suspended",
        starts_on=dt.date(2024, 1, 1),
        source="GACC 2024 No.1",
        confidence="high",
    )
    body = api.get(f"/api/v1/answers/{record.public_id}/").json()
    _validator().validate(body)
    assert body["verdict"] == "eligible_with_conditions"
    assert body["state"]["kind"] == "in_force"
    assert body["today"]["verdict"] == "not_eligible"
    assert "access_suspended" in body["today"]["reasons"]
    assert body["changed"] is True


def test_an_answer_given_before_the_state_notes_were_translated_still_renders(api, record):
    """A state kept before states carried their notes in Chinese and Russian (issue 22) has no
    such fields: they come out empty, and the answer still fits the schema."""
    assert record.state["translated_by_registry"] == ""  # kept as the engine read it
    old_state = {k: v for k, v in record.state.items() if k not in NOTE_TRANSLATION_FIELDS}
    kept = {f.name: getattr(record, f.name) for f in AnswerRecord._meta.concrete_fields}
    older = AnswerRecord.objects.create(
        **{**kept, "id": None, "public_id": "B" * 16, "state": old_state}
    )
    body = api.get(f"/api/v1/answers/{older.public_id}/").json()
    _validator().validate(body)
    assert [body["state"][name] for name in NOTE_TRANSLATION_FIELDS] == ["", "", ""]


def test_an_unknown_answer_is_a_problem_404(api, access):
    response = api.get("/api/v1/answers/AAAAAAAAAAAAAAAA/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["status"] == 404


def test_the_endpoint_only_reads(api, record):
    for method in ("post", "put", "patch", "delete"):
        response = getattr(api, method)(f"/api/v1/answers/{record.public_id}/", {}, format="json")
        assert response.status_code == 405, method
    assert AnswerRecord.objects.get().verdict == "eligible_with_conditions"


def test_the_schema_documents_the_endpoint():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"][PATH]["get"]
    assert {"200", "400", "404", "429"} <= set(operation["responses"])
    (parameter,) = operation["parameters"]
    assert parameter["in"] == "path" and parameter["name"] == "public_id"
    answer = schema["components"]["schemas"]["AnswerRecord"]
    assert {"id", "question", "verdict", "reasons", "conditions", "language"} <= set(
        answer["properties"]
    )
    assert {"access", "state", "given_at", "today", "changed"} <= set(answer["properties"])
    assert answer["properties"]["changed"]["type"] == "boolean"


def test_the_schema_check_can_fail(record, api):
    body = api.get(f"/api/v1/answers/{record.public_id}/").json()
    del body["changed"]
    assert not _validator().is_valid(body)
