"""Saved questions (issue 25, item 6): a trader keeps a question; the job re-answers every saved
question through the engine's batch entry point; a change of records that changes an answer (a
new entry, a suspension) is recorded once, with before, after and the reasons, and told by e-mail
or webhook; the account page and the API list them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accessions.services.market_access import market_access_state_record
from accounts.services import account_create
from api.services import api_key_issue
from notifications import saved, saved_delivery
from notifications.models import SavedQuestion, SavedQuestionChange
from registry.errors import DomainError
from tests.factories import CountryFactory, MarketAccessFactory, ProductFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 7)


@pytest.fixture
def trader(db):
    return account_create(
        username="sq-trader", email="sq@example.org", password="pw-saved-1", role="trader"
    )


@pytest.fixture
def pair(db):
    return ProductFactory(slug="maize", name_en="Maize"), CountryFactory(
        iso2="KZ", iso3="KAZ", name_en="Kazakhstan"
    )


def _save(trader, **kw):
    return saved.saved_question_save(user=trader, product="maize", country="KZ", today=TODAY, **kw)


def test_a_saved_question_keeps_todays_answer(trader, pair):
    MarketAccessFactory(product=pair[0], country=pair[1])
    question = _save(trader)
    assert question.verdict in ("eligible", "eligible_with_conditions")
    assert question.changed_on == TODAY
    with pytest.raises(DomainError) as err:
        _save(trader)
    assert err.value.code == "already_saved"


def test_a_new_entry_changes_the_answer_once_and_the_trader_is_told(trader, pair):
    question = _save(trader)
    assert question.verdict == "not_recorded"
    assert saved.saved_questions_reanswer(today=TODAY).changed == 0

    MarketAccessFactory(product=pair[0], country=pair[1])
    later = TODAY + dt.timedelta(days=1)
    summary = saved.saved_questions_reanswer(today=later)
    assert (summary.questions, summary.changed) == (1, 1)
    assert saved.saved_questions_reanswer(today=later).changed == 0  # safe to run twice

    question.refresh_from_db()
    assert question.changed_on == later and question.verdict != "not_recorded"
    [change] = SavedQuestionChange.objects.all()
    assert (change.verdict_before, change.verdict_after) == ("not_recorded", question.verdict)
    payload = saved_delivery.change_payload(change)
    assert (
        "no_access" in {r["code"] for r in payload["reasons_removed"]} or payload["reasons_removed"]
    )

    mail.outbox.clear()
    assert saved_delivery.saved_changes_deliver() == 1
    assert saved_delivery.saved_changes_deliver() == 0  # delivered once
    [message] = mail.outbox
    assert message.to == ["sq@example.org"]
    assert "not_recorded" in message.body and question.verdict in message.body


def test_a_suspension_changes_the_answer(trader, pair):
    access = MarketAccessFactory(product=pair[0], country=pair[1])
    question = _save(trader)
    market_access_state_record(
        access=access,
        kind="suspended",
        starts_on=TODAY,
        source="test notice",
        confidence="high",
        today=TODAY,
    )
    assert saved.saved_questions_reanswer(today=TODAY + dt.timedelta(days=1)).changed == 1
    question.refresh_from_db()
    assert question.verdict == "not_eligible"
    change = SavedQuestionChange.objects.get()
    added = {r["code"] for r in saved_delivery.change_payload(change)["reasons_added"]}
    assert "access_suspended" in added


def test_many_saved_questions_share_one_answer_per_distinct_question(trader, pair):
    others = [
        account_create(
            username=f"sq-{i}", email=f"sq{i}@example.org", password="pw-saved-1", role="trader"
        )
        for i in range(3)
    ]
    for user in [trader, *others]:
        _save(user)
    MarketAccessFactory(product=pair[0], country=pair[1])
    summary = saved.saved_questions_reanswer(today=TODAY)
    assert (summary.questions, summary.distinct, summary.changed) == (4, 1, 4)


def test_the_account_page_lists_saved_questions_and_the_checker_saves_one(trader, pair):
    client = Client()
    client.force_login(trader)
    response = client.post(
        reverse("saved-question-add"),
        {"product": "maize", "country": "KZ", "channel": "email"},
    )
    assert response.status_code == 302
    page = client.get(reverse("account-home")).content.decode()
    assert "Maize" in page and 'id="saved-questions-heading"' in page
    check = client.get(reverse("check"), {"product": "maize", "country": "KZ"}).content.decode()
    assert reverse("saved-question-add") in check


def test_the_account_page_gives_todays_answer_in_the_pages_language(trader, pair):
    """The trader's e-mail language is English (the profile's), the pages are read in Russian:
    today's answer on the page was in English."""
    from django.utils import timezone, translation
    from django.utils.html import escape

    from accessions.eligibility.answer import EligibilityQuestion
    from accessions.eligibility.check import check_eligibility_batch

    MarketAccessFactory(product=pair[0], country=pair[1])
    _save(trader)
    client = Client()
    client.force_login(trader)
    client.cookies["django_language"] = "ru"
    page = client.get(reverse("account-home")).content.decode()
    question = EligibilityQuestion(product="maize", country="KZ", on=timezone.localdate())
    with translation.override("ru"):
        [answer] = check_eligibility_batch([question])
        russian = str(answer.reasons[0].message)
    # The reason's words before its first date (the page marks dates up on its own).
    assert escape(russian.split("(")[0].strip()) in page, russian
    assert "has access" not in page


def test_the_api_lists_and_saves_with_a_key_only(trader, pair):
    _record, key = api_key_issue(name="sq", owner=trader)
    url = reverse("api:saved-question-list")
    assert Client().get(url).status_code in (401, 403)
    client = Client(HTTP_X_API_KEY=key)
    created = client.post(
        url, {"product": "maize", "country": "KZ"}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    body = client.get(url).json()
    assert body["results"][0]["product"] == "maize"
    assert body["results"][0]["verdict"] == "not_recorded"
    bad = client.post(url, {"product": "maize"}, content_type="application/json")
    assert bad.status_code == 400 and "country" in bad.content.decode()
    assert SavedQuestion.objects.count() == 1
