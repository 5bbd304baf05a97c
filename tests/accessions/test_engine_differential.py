"""The set-based engine answers exactly as the engine it replaced (issue 13): every seeded question
and 5,000 generated ones, verdict, reasons, conditions, checklist, ports, regulations, sources.

`reference_engine` is today's engine copied into the test tree for this change only."""

import datetime as dt
import itertools
import json
import random

import pytest
from rest_framework.renderers import JSONRenderer

from accessions.eligibility.answer import EligibilityQuestion
from accessions.eligibility.check import check_eligibility_batch
from accessions.models import AccessCondition
from api.eligibility import EligibilityAnswerSerializer, render_answer
from registry.common import DomainError
from registry.models import Country, Port, Product, ReportedSiteCount
from tests import factories as f
from tests.accessions import reference_engine

pytestmark = pytest.mark.django_db


def _reference(question: EligibilityQuestion):
    try:
        return reference_engine.check_eligibility(
            product=question.product,
            country=question.country,
            port=question.port,
            on=question.on,
            establishment=question.establishment,
        )
    except DomainError as error:
        return error


def _comparable(outcome, render) -> object:
    if isinstance(outcome, DomainError):
        return ("error", outcome.code, outcome.message, json.dumps(outcome.extra, sort_keys=True))
    return json.loads(JSONRenderer().render(render(outcome)))


def _by_serializer(answer):
    return EligibilityAnswerSerializer(answer).data


def _assert_same(questions: list[EligibilityQuestion]) -> int:
    answered = check_eligibility_batch(questions)
    decided = 0
    for question, new in zip(questions, answered, strict=True):
        old = _reference(question)
        # The engine's answer as the API renders it (api.eligibility.render_answer) equals the
        # reference answer through the serializers that define the schema.
        assert _comparable(new, render_answer) == _comparable(old, _by_serializer), question
        decided += not isinstance(old, DomainError)
    return decided


def test_every_seeded_question_is_answered_as_before(seeded):
    f.EstablishmentRegistrationFactory(
        registration_number="CKAZ01012201010001",
        country=Country.objects.get(iso2="KZ"),
        products=[Product.objects.get(slug="maize")],
    )
    f.EstablishmentRegistrationFactory(
        registration_number="CUZB01012201010002",
        country=Country.objects.get(iso2="UZ"),
        products=list(Product.objects.order_by("slug")[:5]),
        status="suspended",
    )
    products = [*Product.objects.values_list("slug", flat=True), "100590", "corn", "кукуруза"]
    products += ["no-such-product", "081340", "maiz"]
    countries = [*Country.objects.values_list("iso2", flat=True), "ZZ"]
    ports = ["", *Port.objects.values_list("code", flat=True), "nowhere"]
    dates = [dt.date(2015, 1, 1), dt.date(2023, 6, 1), dt.date(2026, 1, 1), dt.date(2031, 1, 1)]
    numbers = ["", "CKAZ01012201010001", "CUZB01012201010002", "CKAZ99999999999999"]
    questions = [
        EligibilityQuestion(product, country, on, port, number)
        for product, country in itertools.product(products, countries)
        for port, on, number in zip(
            ports, itertools.cycle(dates), itertools.cycle(numbers), strict=False
        )
    ]
    for start in range(0, len(questions), 1000):
        assert _assert_same(questions[start : start + 1000]) > 0
    assert len(questions) > 1000


def _generated_registry(rng: random.Random) -> dict[str, list[str]]:
    """A registry of synthetic records (factories) covering every branch of the rules."""
    eaeu = f.UnionFactory(code="EAEU")
    codex = f.UnionFactory(code="CODEX", name_en="Codex", kind="standards_body")
    countries = [f.CountryFactory(iso2=f"Q{chr(65 + i)}") for i in range(6)]
    for i, country in enumerate(countries[:4]):
        f.UnionMembershipFactory(
            union=eaeu,
            country=country,
            binding=i != 3,
            role="member" if i != 3 else "observer",
            valid_from=dt.date(2015, 1 + i, 1),
            valid_until=dt.date(2030, 1, 1) if i == 2 else None,
        )
    categories = ["grain", "meat", "fresh_fruit", "dried_fruit", "dairy", "pulses", "live_animals"]
    products = [
        f.ProductFactory(slug=f"gen-{i}", category=rng.choice(categories)) for i in range(36)
    ]
    ports = [
        f.PortFactory(code=f"gport-{i}", facing_country=rng.choice(countries)) for i in range(8)
    ]
    for port in ports[:5]:
        f.SupervisionSiteFactory(
            port=port,
            kind=rng.choice(["meat", "grain", "fruit"]),
            valid_from=rng.choice([dt.date(2019, 1, 1), dt.date(2024, 1, 1)]),
            valid_until=rng.choice([None, dt.date(2027, 1, 1)]),
        )
    # A source reporting more meat ports than recorded: the port rule's "not recorded" branch.
    ReportedSiteCount.objects.create(
        kind="meat",
        area="Generated",
        ports_reported=9,
        as_of=dt.date(2019, 8, 21),
        source="test fixture",
        confidence="high",
    )
    statuses = ["in_force"] * 5 + ["suspended", "revoked", "expired", "negotiating"]
    pairs = rng.sample(list(itertools.product(products, countries)), 140)
    for product, country in pairs:
        status = rng.choice([*statuses, "protocol_signed"])
        required = rng.choice([True, False, None])
        access = f.MarketAccessFactory(
            product=product,
            country=country,
            status=status,
            instrument_kind="protocol" if status == "protocol_signed" else "announcement",
            protocol_signed_on=dt.date(2022, 3, 1) if status == "protocol_signed" else None,
            valid_from=rng.choice([None, dt.date(2020, 1, 1), dt.date(2024, 6, 1)]),
            valid_until=rng.choice([None, None, dt.date(2027, 1, 1)]),
            requires_registered_establishments=required,
            registered_establishments_basis=""
            if required is None
            else rng.choice(["instrument", "inference"]),
            required_site_kind=rng.choice(["", "", "", "meat", "fruit"]),
            treatment=rng.choice(["", "", "Cold treatment"]),
            pest_free_areas=rng.choice(["", "", "Free areas only"]),
            conditions=rng.choice(["", "", "Other words"]),
        )
        if rng.random() < 0.3:
            access.allowed_ports.set(rng.sample(ports, rng.randint(1, 3)))
        if rng.random() < 0.3:
            AccessCondition.objects.create(
                market_access=access,
                kind=rng.choice(["treatment", "origin_area", "other"]),
                text="A later condition",
                instrument_ref=rng.choice(["", "TEST 2024 No.1"]),
                valid_from=rng.choice([dt.date(2019, 1, 1), dt.date(2025, 1, 1)]),
                valid_from_precision="exact",
                valid_until=rng.choice([None, dt.date(2028, 1, 1)]),
                source="test fixture",
                confidence="medium",
            )
    for _ in range(30):
        union = rng.choice([eaeu, codex, None])
        regulation = f.RegulationFactory(
            union=union,
            country=None if union else rng.choice(countries),
            status=rng.choice(["in_force", "in_force", "adopted", "superseded", "repealed"]),
            in_force_from=rng.choice([None, dt.date(2013, 7, 1), dt.date(2025, 1, 1)]),
            in_force_until=rng.choice([None, None, dt.date(2027, 1, 1)]),
        )
        for product in rng.sample(products, 4):
            f.RegulationProductFactory(regulation=regulation, product=product)
    numbers = []
    for i in range(30):
        registration = f.EstablishmentRegistrationFactory(
            registration_number=f"CGEN{i:014d}",
            country=rng.choice(countries),
            registered_on=rng.choice([dt.date(2021, 1, 1), dt.date(2025, 1, 1)]),
            valid_until=rng.choice([dt.date(2026, 1, 1), dt.date(2030, 1, 1)]),
            status=rng.choice(["registered", "registered", "expired", "suspended", "extended"]),
            products=rng.sample(products, 3),
        )
        numbers.append(registration.registration_number)
    return {
        "products": [p.slug for p in products] + [p.hs_code for p in products[:4]] + ["nothing"],
        "countries": [c.iso2 for c in countries] + ["ZZ"],
        "ports": ["", "", *[p.code for p in ports], "nowhere"],
        "numbers": ["", "", "", *numbers, "CGEN99999999999999"],
    }


def test_5000_generated_questions_are_answered_as_before():
    rng = random.Random(13)
    registry = _generated_registry(rng)
    days = [dt.date(2014, 6, 1), dt.date(2019, 6, 1), dt.date(2024, 3, 1), dt.date(2026, 2, 1)]
    days += [dt.date(2029, 1, 1)]
    questions = [
        EligibilityQuestion(
            rng.choice(registry["products"]),
            rng.choice(registry["countries"]),
            rng.choice(days),
            rng.choice(registry["ports"]),
            rng.choice(registry["numbers"]),
        )
        for _ in range(5000)
    ]
    decided = sum(_assert_same(questions[i : i + 1000]) for i in range(0, 5000, 1000))
    assert decided > 4000
