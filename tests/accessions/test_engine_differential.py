"""The engine of issue 23 (two statements, windows) against the engine it replaced
(tests/reference_engine, kept for this change): every seeded question and 5,000 generated ones
(dates spread over 2015–2030) get the same answers, rendered as the API sends them, but for the
window fields the new engine adds. Then each answer's window is checked: the answers on its
first and last day (or 2015/2030 where it is open) are the same answer.

Synthetic registrations are made here (the seeds hold none), marked illustrative as every
factory row is."""

import datetime as dt
import json
import random

import pytest
from rest_framework.renderers import JSONRenderer

from accessions.eligibility.answer import EligibilityQuestion
from accessions.eligibility.check import check_eligibility_batch
from accessions.models import RegistrationRegime
from api.eligibility_answer import render_answer
from registry.errors import DomainError
from registry.models import Country, Port, Product
from tests import factories as f
from tests.reference_engine.check import check_eligibility_batch as reference_batch

pytestmark = pytest.mark.django_db

WINDOW_FIELDS = ("holds_from", "holds_until")
FIRST, LAST = dt.date(2015, 1, 1), dt.date(2030, 12, 31)


def _registrations(products: list[Product]) -> list[tuple[str, str]]:
    """Registrations of every status and span, for a few products of each country."""
    regimes = list(RegistrationRegime.objects.order_by("valid_from"))
    numbers = []
    rng = random.Random(23)
    for i, country in enumerate(Country.objects.filter(iso2__in=["KZ", "KG", "UZ", "TJ", "TM"])):
        for j, status in enumerate(["registered", "expired", "suspended", "extended", "cancelled"]):
            registered = dt.date(2015 + (i + j) % 10, 1 + j, 10)
            registration = f.EstablishmentRegistrationFactory(
                registration_number=f"C{country.iso3}{i:02d}{j:02d}0101220101",
                country=country,
                products=rng.sample(products, 3),
                status=status,
                registered_on=registered,
                valid_until=registered + dt.timedelta(days=365 * 4 + j * 200),
                stopped_on=registered + dt.timedelta(days=400)
                if status in ("suspended", "cancelled")
                else None,
                extension_exclusion="" if j % 2 else "rectifying",
                regime=regimes[(i + j) % len(regimes)] if regimes else None,
            )
            numbers.append((registration.registration_number, country.iso2))
    return numbers


def _seeded_questions(numbers: list[tuple[str, str]]) -> list[EligibilityQuestion]:
    products = list(Product.objects.values_list("slug", flat=True))
    # The five countries the registry is about, and a few others (no record: not_recorded).
    countries = ["KZ", "KG", "UZ", "TJ", "TM", "CN", "RU", "DE", "XX"]
    ports = ["", *Port.objects.values_list("code", flat=True)]
    dates = (dt.date(2016, 3, 1), dt.date(2019, 6, 1), dt.date(2023, 5, 19), dt.date(2026, 11, 29))
    questions = [
        EligibilityQuestion(product, country, on, port)
        for product in products
        for country in countries
        for i, on in enumerate(dates)
        for port in (ports if country in ("KZ", "KG") else ports[i % 2 :][:1])
    ]
    questions += [
        EligibilityQuestion(product, country, on, "", number)
        for product in products
        for number, own in numbers
        for country in (own, "KZ")
        for on in dates[1:3]
    ]
    return questions


def _generated_questions(numbers: list[tuple[str, str]], count: int) -> list[EligibilityQuestion]:
    rng = random.Random(2030)
    slugs = list(Product.objects.values_list("slug", flat=True))
    codes = [c for c in Product.objects.values_list("hs_code", flat=True) if c]
    names = list(Product.objects.values_list("name_en", flat=True))
    products = slugs + codes + names + ["no-such-product", "maiz", "grapes"]
    countries = [*Country.objects.values_list("iso2", flat=True), "XX", "KZ", "KG", "UZ"]
    ports = ["", "", *Port.objects.values_list("code", flat=True), "nowhere"]
    span = (LAST - FIRST).days
    return [
        EligibilityQuestion(
            rng.choice(products),
            rng.choice(countries),
            FIRST + dt.timedelta(days=rng.randrange(span + 1)),
            rng.choice(ports),
            rng.choice(["", "", "", *(n for n, _c in numbers), "CKAZ99999999999999"]),
        )
        for _ in range(count)
    ]


def _json(answer) -> dict:
    if isinstance(answer, DomainError):
        return {"error": answer.code, "extra": answer.extra}
    return json.loads(JSONRenderer().render(render_answer(answer)))


# The reasons whose words name the date asked.
DATED_REASONS = ("state_date_uncertain", "start_date_unknown", "registry_coverage")


def _answers(engine, questions):
    found = []
    for start in range(0, len(questions), 1000):
        found += engine(questions[start : start + 1000])
    return found


def _without_date(rendered: dict, on: dt.date) -> str:
    """The answer with the date asked taken out (the only thing a window lets vary)."""
    kept = {
        k: v
        for k, v in rendered.items()
        if k not in ("as_of", "permalink", "query", *WINDOW_FIELDS)
    }
    kept["reasons"] = [
        {**r, "message": r["message"].replace(on.isoformat(), "<date>")}
        if r["code"] in DATED_REASONS
        else r
        for r in kept["reasons"]
    ]
    if kept.get("coverage"):
        kept["coverage"] = {**kept["coverage"], "on": "<date>"}
    return json.dumps(kept, sort_keys=True)


def test_the_new_engine_answers_as_the_old_one(seeded):
    products = list(Product.objects.all())
    numbers = _registrations(products)
    questions = _seeded_questions(numbers) + _generated_questions(numbers, 5000)
    old, new = _answers(reference_batch, questions), _answers(check_eligibility_batch, questions)
    differences = []
    for question, before, after in zip(questions, old, new, strict=True):
        if getattr(after, "covered_kind", None) is not None:
            continue  # issue 24 answers a covered kind by its covering entry: a new rule, not 23's
        expected, found = _json(before), _json(after)
        if "verdict" in found:
            assert set(WINDOW_FIELDS) <= set(found), found
            for name in WINDOW_FIELDS:
                found.pop(name)
                expected.pop(name, None)
        if expected != found:
            differences.append((question, expected, found))
    assert differences == [], differences[:3]
    verdicts = {a.verdict for a in new if not isinstance(a, DomainError)}
    # (Plain "eligible" depends on the seeds: since the second audit every entry in force has a
    # condition or a requirement, so the seeded questions may not meet one.)
    assert {"eligible_with_conditions", "not_eligible", "not_recorded"} <= verdicts
    assert "unknown" in verdicts


def test_an_answer_is_the_same_on_every_day_of_its_window(seeded):
    numbers = _registrations(list(Product.objects.all()))
    questions = _generated_questions(numbers, 3000)
    answers = _answers(check_eligibility_batch, questions)
    # Answers about a covered kind (issue 24) are left out: their windows are not yet checked
    # (a known gap, noted on issue 23).
    pairs = [
        (q, a)
        for q, a in zip(questions, answers, strict=True)
        if not isinstance(a, DomainError) and getattr(a, "covered_kind", None) is None
    ]
    edges = []
    for question, answer in pairs:
        first = answer.holds_from or FIRST - dt.timedelta(days=3650)
        last = answer.holds_until or LAST + dt.timedelta(days=3650)
        assert first <= question.on <= last
        for day in (first, last):
            edges.append(
                EligibilityQuestion(
                    question.product, question.country, day, question.port, question.establishment
                )
            )
    at_edges = _answers(check_eligibility_batch, edges)
    narrower = 0
    for i, (question, answer) in enumerate(pairs):
        words = _without_date(_json(answer), question.on)
        for edge, found in zip(edges[2 * i : 2 * i + 2], at_edges[2 * i : 2 * i + 2], strict=True):
            rendered = _json(found)
            assert (rendered["holds_from"], rendered["holds_until"]) == (
                _json(answer)["holds_from"],
                _json(answer)["holds_until"],
            ), (question, edge)
            assert _without_date(rendered, edge.on) == words, (question, edge.on)
        narrower += answer.holds_from is not None or answer.holds_until is not None
    assert narrower > 0  # some answers change with the date: the windows are not all open
