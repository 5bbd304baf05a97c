"""Saved questions, end to end (issue 25, item 6): a real Celery worker on the real Redis; a
suspension is recorded; the dispatcher the outbox wakes re-answers the saved questions through
the engine and the trader's local webhook receiver gets one signed request with the answer
before and after and the reasons that came; the job run again sends nothing more."""

import datetime as dt

import pytest
from django.utils import timezone

from accessions.models import AccessStatus
from accessions.services import market_access
from notifications import saved
from notifications.models import SavedQuestionChange
from notifications.tasks import reanswer_saved_questions_task
from tests.factories import CountryFactory, MarketAccessFactory, ProductFactory
from tests.integration.receiver import payload, signature_valid
from tests.integration.test_worker import _wait, receiver, trader, via_broker, worker

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

__all__ = ["receiver", "trader", "via_broker", "worker"]  # fixtures shared with test_worker


def test_a_suspension_reaches_the_traders_webhook_through_the_worker(
    worker, via_broker, receiver, trader
):
    today = timezone.localdate()
    access = MarketAccessFactory(
        country=CountryFactory(iso2="KZ", iso3="KAZ"),
        product=ProductFactory(slug="maize", hs_code="100590"),
    )
    question = saved.saved_question_save(
        user=trader,
        product="maize",
        country="KZ",
        channel="webhook",
        webhook_url=receiver.url("/ok"),
        today=today - dt.timedelta(days=1),
    )
    assert question.verdict != "not_eligible"

    market_access.market_access_state_record(
        access=access,
        kind=AccessStatus.SUSPENDED,
        starts_on=today,
        reason="ban",
        source="test",
        confidence="high",
    )  # its outbox event wakes the dispatcher in the worker after commit

    requests = receiver.wait_for(1, timeout=90)
    assert len(requests) == 1, worker.read_text()
    [request] = requests
    assert signature_valid(request, question.secret)
    body = payload(request)
    assert body["event"]["kind"] == "saved_question.answer_changed"
    assert body["question"] == {
        "id": question.pk,
        "product": "maize",
        "country": "KZ",
        "port": "",
        "establishment": "",
    }
    assert body["before"]["verdict"] == question.verdict
    assert body["after"]["verdict"] == "not_eligible"
    assert "access_suspended" in {r["code"] for r in body["reasons_added"]}
    assert _wait(lambda: SavedQuestionChange.objects.filter(state="delivered").count() == 1)

    reanswer_saved_questions_task.delay(today.isoformat())  # the daily run: nothing new
    assert not _wait(lambda: len(receiver.requests) > 1, timeout=8)
