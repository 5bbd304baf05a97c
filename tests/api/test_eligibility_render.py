"""The API renders eligibility answers on its hot path with plain functions
(api.eligibility_answer.render_answer), not nested serializers; EligibilityAnswerSerializer still
defines the answer's OpenAPI schema. Every answer to every seeded question must render exactly as
the serializer renders it, so the schema describes what the API sends."""

import datetime as dt
import json

import pytest
from rest_framework.renderers import JSONRenderer

from accessions.eligibility.answer import EligibilityQuestion
from accessions.eligibility.check import check_eligibility_batch
from api.eligibility_answer import EligibilityAnswerSerializer, answer_series_read, render_answer
from registry.errors import DomainError
from registry.models import Country, Port, Product
from tests import factories as f

pytestmark = pytest.mark.django_db

DATES = (dt.date(2019, 6, 1), dt.date(2026, 11, 29))


def _json(data) -> object:
    return json.loads(JSONRenderer().render(data))


def test_every_seeded_answer_renders_as_its_serializer(seeded):
    kz = Country.objects.get(iso2="KZ")
    maize = Product.objects.get(slug="maize")
    number = f.EstablishmentRegistrationFactory(country=kz, products=[maize]).registration_number
    products = list(Product.objects.values_list("slug", flat=True))
    countries = list(Country.objects.values_list("iso2", flat=True))
    ports = ["", *Port.objects.values_list("code", flat=True)]
    questions = [
        EligibilityQuestion(product, country, on, port)
        for product in products
        for country in countries
        for port in ports
        for on in DATES
    ]
    questions += [EligibilityQuestion(p, "KZ", on, "", number) for p in products for on in DATES]
    answers = []
    for start in range(0, len(questions), 1000):
        answers += check_eligibility_batch(questions[start : start + 1000])
    rendered = [a for a in answers if not isinstance(a, DomainError)]
    assert len(rendered) == len(questions)
    answer_series_read(rendered)  # as the views do: one query for every answer's series
    for answer in rendered:
        assert _json(render_answer(answer)) == _json(EligibilityAnswerSerializer(answer).data)
    verdicts = {answer.verdict for answer in rendered}
    assert {"eligible_with_conditions", "not_eligible", "unknown"} <= verdicts
    assert any(answer.establishment is not None for answer in rendered)
    # The series, the state on the date and the coverage are rendered too.
    assert "not_recorded" in verdicts
    assert any(answer.coverage is not None for answer in rendered)
    assert any(answer.state is not None for answer in rendered)
    assert any(render_answer(answer)["states"] for answer in rendered)
