"""A batch answers as its questions asked one by one, to the byte (issue 23, bulk): every seeded
product in every country at every port on dates spread over 2015–2030, with and without a
producer's registration, rendered as the bulk view renders a batch (render_answers: the language
held for all, the records answers share built once) against the single check's rendering. And the
permalink's query string is urlencode's."""

import datetime as dt
import itertools
from urllib.parse import urlencode

import pytest
from rest_framework.renderers import JSONRenderer

from accessions.eligibility.answer import EligibilityAnswer, EligibilityQuestion
from accessions.eligibility.check import check_eligibility_batch
from api.eligibility_answer import render_answer, render_answers
from registry.errors import DomainError
from registry.models import Country, Port, Product
from tests import factories as f

pytestmark = pytest.mark.django_db

DATES = [dt.date(2015, 3, 1), dt.date(2019, 6, 1), dt.date(2023, 5, 19), dt.date(2030, 1, 1)]


def _questions(number: str) -> list[EligibilityQuestion]:
    products = [*Product.objects.values_list("slug", flat=True), "corn", "кукуруза", "081340"]
    countries = ["KZ", "KG", "TJ", "TM", "UZ", "ZZ"]
    ports = ["", *Port.objects.values_list("code", flat=True), "nowhere"]
    # Each product in each country three times, the ports and dates taken in turn.
    asked = itertools.cycle(itertools.product(ports, DATES))
    questions = [
        EligibilityQuestion(product, country, on, port)
        for product, country in itertools.product(products, countries)
        for port, on in itertools.islice(asked, 3)
    ]
    questions += [
        EligibilityQuestion(product, "KZ", on, "khorgos", number)
        for product in products
        for on in DATES[1:3]
    ]
    return questions


def _bytes(rendered: dict) -> bytes:
    return JSONRenderer().render(rendered)


def test_a_batch_answers_as_its_questions_asked_one_by_one(seeded):
    registration = f.EstablishmentRegistrationFactory(
        registration_number="CKAZ01012201010001",
        country=Country.objects.get(iso2="KZ"),
        products=list(Product.objects.filter(slug__in=["maize", "wheat-bran", "mutton"])),
        registered_on=dt.date(2018, 1, 10),
        valid_until=dt.date(2024, 1, 9),
    )
    questions = _questions(registration.registration_number)
    batch = check_eligibility_batch(questions)
    answers = [a for a in batch if isinstance(a, EligibilityAnswer)]
    rendered = iter(render_answers(answers))
    compared = set()
    for question, from_batch in zip(questions, batch, strict=True):
        [single] = check_eligibility_batch([question])
        if isinstance(single, DomainError):
            assert isinstance(from_batch, DomainError) and from_batch.extra == single.extra
            continue
        assert _bytes(next(rendered)) == _bytes(render_answer(single)), question
        compared.add(single.verdict)
    assert len(answers) > 500
    # Every verdict the seeds give is among them (plain `eligible` depends on the seeds).
    assert {"eligible_with_conditions", "not_eligible", "not_recorded", "unknown"} <= compared


@pytest.mark.parametrize(
    "query",
    [
        {"product": "maize", "country": "KZ", "port": "", "date": "2024-05-01"},
        {"product": "кукуруза сушёная", "country": "KZ", "port": "khorgos", "date": "2024-05-01"},
        {"product": "a&b=c+d/e?f", "country": "K Z", "port": "%20", "date": "2024-05-01"},
        {"product": "葡萄干", "country": "KG", "establishment": "CKGZ01"},
    ],
)
def test_the_permalink_query_is_urlencodes(query):
    answer = EligibilityAnswer(verdict="unknown", as_of=dt.date(2024, 5, 1), query=query)
    assert answer.permalink_query == urlencode({k: v for k, v in query.items() if v})
