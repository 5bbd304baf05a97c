"""Issue 10, requirements as a checklist: a certificate a source states (the veterinary
certificate agreed for Kazakh mutton) is on the checklist and among the conditions of the
checker, the access page and the API, with its source; entries with none stay "not recorded"."""

import datetime as dt

import pytest

from accessions.eligibility.answer import EligibilityQuestion
from accessions.eligibility.check import check_eligibility, check_eligibility_batch
from accessions.models import AccessCondition, ConditionKind, MarketAccess

pytestmark = pytest.mark.django_db
ON = dt.date(2025, 6, 1)


def test_the_kazakh_mutton_certificate_is_seeded_with_its_source(seeded):
    [certificate] = AccessCondition.objects.filter(kind=ConditionKind.CERTIFICATE)
    assert (certificate.market_access.country.iso2, certificate.market_access.product.slug) == (
        "KZ",
        "mutton",
    )
    assert certificate.source and certificate.confidence == "medium"
    assert "title or number" in certificate.text  # the sources give neither, and it says so
    assert not certificate.instrument_ref  # no instrument number is invented
    assert not AccessCondition.objects.filter(kind=ConditionKind.PACKAGING_LABELLING).exists()


def test_the_certificate_is_on_the_checklist_and_among_the_conditions(seeded):
    answer = check_eligibility(product="mutton", country="KZ", on=ON)
    items = {item.kind: item for item in answer.checklist}
    assert items["certificate"].status == "required"
    assert "Veterinary certificate" in items["certificate"].text
    assert items["certificate"].source.startswith("Kazinform (en.inform.kz) 2018-03-29")
    assert items["packaging_labelling"].status == "not_recorded"
    assert "certificate_required" in [c.code for c in answer.conditions]
    [batch] = check_eligibility_batch([EligibilityQuestion(product="mutton", country="KZ", on=ON)])
    assert batch.checklist == answer.checklist  # type: ignore[union-attr]
    assert batch.conditions == answer.conditions  # type: ignore[union-attr]


def test_before_access_the_certificate_is_not_shown(seeded):
    answer = check_eligibility(product="mutton", country="KZ", on=dt.date(2018, 1, 1))
    assert answer.verdict == "not_eligible" and answer.conditions == []


def test_the_certificate_on_the_checker_the_access_page_and_the_api(seeded, client):
    page = client.get("/check/", {"product": "mutton", "country": "KZ"}).content.decode()
    assert 'data-kind="certificate" data-status="required"' in page
    assert "Veterinary certificate in the form AQSIQ approved for frozen mutton" in page
    access = MarketAccess.objects.get(product__slug="mutton", country__iso2="KZ")
    detail = client.get(f"/access/{access.pk}/").content.decode()
    assert 'data-kind="certificate" data-status="required"' in detail
    body = client.get("/api/v1/eligibility/", {"product": "mutton", "country": "KZ"}).json()
    certificate = next(i for i in body["checklist"] if i["kind"] == "certificate")
    assert certificate["status"] == "required" and certificate["source"]
    assert "certificate_required" in [c["code"] for c in body["conditions"]]
