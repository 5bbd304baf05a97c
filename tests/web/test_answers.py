"""Citable answers: the checker's answer saved under an unguessable id (POST with CSRF, the engine
asked again, rate-limited), kept as given, and its page beside today's answer to the same
question and date, which says when the registry's records about that date changed."""

import datetime as dt
import re

import pytest
from django.db import DatabaseError, transaction
from django.test import Client

from accessions.models import AnswerRecord
from accessions.services.market_access import market_access_state_record

ASKED_ON = "2024-06-01"
BEEF = {"product": "chilled-beef", "country": "KZ", "port": "alashankou", "date": ASKED_ON}
ANSWER_URL = re.compile(r"^/answers/([A-Za-z0-9_-]{16,})/$")


def text(response) -> str:
    return re.sub(
        r"\s+",
        " ",
        re.sub(
            r"<(/?(dt|dd|li|p|h\d)\b)[^>]*>|<[^>]+>",
            lambda m: " " if m[1] else "",
            response.content.decode(),
        ),
    )


def csrf_token(response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())[1]


def saved_from_the_checker(client, params, **headers):
    """Ask on the checker, then press its "Save this answer" button (hidden fields and CSRF
    token as the page gives them)."""
    page = client.get("/check/", params, **headers)
    body = page.content.decode()
    form = re.search(
        r'<form class="answer-save[^"]*" method="post" action="([^"]+)">(.*?)</form>', body, re.S
    )
    assert form, "the checker offers no save form"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form[2]))
    return client.post(form[1], fields, **headers)


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


def test_the_checker_offers_to_save_an_answer_only_when_there_is_one(client, world):
    assert 'class="answer-save' not in client.get("/check/").content.decode()
    body = client.get("/check/", BEEF).content.decode()
    assert '<form class="answer-save no-print" method="post" action="/answers/">' in body
    assert "Save this answer (citable id)" in body
    assert '<input type="hidden" name="date" value="2024-06-01">' in body


def test_saving_records_the_answer_as_given_and_shows_its_page(csrf_client, world):
    response = saved_from_the_checker(csrf_client, BEEF)
    assert response.status_code == 302
    public_id = ANSWER_URL.match(response["Location"])[1]
    record = AnswerRecord.objects.get()
    assert record.public_id == public_id
    assert (record.product, record.country, record.port, record.establishment) == (
        "chilled-beef",
        "KZ",
        "alashankou",
        "",
    )
    assert record.on == dt.date(2024, 6, 1)
    assert record.verdict == "eligible"
    assert [r["code"] for r in record.reasons][:2] == ["access_in_force", "port_allowed"]
    assert record.reasons[1]["message"] == "Alashankou is allowed for it."
    assert record.language == "en"
    assert record.access == world.beef_kz
    assert record.state["kind"] == "in_force"
    assert record.created_at is not None

    page = csrf_client.get(response["Location"])
    shown = text(page)
    assert page.status_code == 200
    assert 'data-verdict="eligible"' in page.content.decode()
    assert "Alashankou is allowed for it." in shown
    assert "As of 2024-06-01" in shown
    assert "in force on 2024-06-01" in shown
    assert "The registry still answers this question the same way (checked today)." in shown


def test_every_saved_answer_gets_its_own_unguessable_id(client, world):
    ids = {ANSWER_URL.match(saved_from_the_checker(client, BEEF)["Location"])[1] for _ in range(3)}
    assert len(ids) == 3
    assert all(len(public_id) >= 16 for public_id in ids)


def test_an_answer_as_given_cannot_be_updated(client, world):
    saved_from_the_checker(client, BEEF)
    record = AnswerRecord.objects.get()
    record.verdict = "not_eligible"
    with pytest.raises(DatabaseError), transaction.atomic():
        record.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        AnswerRecord.objects.update(verdict="not_eligible")
    assert AnswerRecord.objects.get().verdict == "eligible"


def test_a_suspension_recorded_afterwards_is_noticed_while_the_answer_stays_as_given(client, world):
    location = saved_from_the_checker(client, BEEF)["Location"]
    record = AnswerRecord.objects.get()
    market_access_state_record(
        access=world.beef_kz,
        kind="suspended",
        starts_on=dt.date(2024, 1, 1),
        source="GACC 2024 No.1",
        confidence="high",
    )
    page = client.get(location)
    body, shown = page.content.decode(), text(page)
    given_on = record.created_at.date().isoformat()
    assert (
        "The registry's records about this question changed after this answer was given on "
        f"{given_on}: this answer was eligible, it is now not eligible." in shown
    )
    assert 'data-verdict="eligible"' in body  # the answer as given
    assert 'data-now="not_eligible"' in body
    assert re.search(r'class="reasons reasons--today">.*data-code="access_suspended"', body, re.S)
    assert "the same way" not in shown
    assert (
        f'href="/check/?product=chilled-beef&amp;country=KZ&amp;port=alashankou&amp;date={ASKED_ON}"'
        in body
    )
    assert AnswerRecord.objects.get().verdict == "eligible"
    # The live permalink answers today's way.
    assert 'data-verdict="not_eligible"' in client.get("/check/", BEEF).content.decode()


def test_the_answer_page_prints_its_id_and_address(client, world):
    location = saved_from_the_checker(client, BEEF)["Location"]
    record = AnswerRecord.objects.get()
    body = client.get(location).content.decode()
    header = re.search(r'<p class="print-only answer-print-id">(.*?)</p>', body)[1]
    assert f"Citable answer {record.public_id}" in header
    assert f"http://testserver/answers/{record.public_id}/" in header


def test_an_answer_keeps_the_language_it_was_given_in(client, world):
    location = saved_from_the_checker(client, BEEF, HTTP_ACCEPT_LANGUAGE="ru")["Location"]
    record = AnswerRecord.objects.get()
    assert record.language == "ru"
    assert re.search("[А-Яа-я]", record.reasons[1]["message"])
    shown = text(client.get(location, HTTP_ACCEPT_LANGUAGE="en"))
    assert record.reasons[1]["message"] in shown
    assert "Russian" in shown


def test_the_posted_verdict_is_never_kept(client, world):
    """The question is asked again: a refusal posted as "eligible" is kept as the refusal."""
    question = {**BEEF, "port": "khorgos"}
    response = client.post("/answers/", {**question, "verdict": "eligible", "reasons": "x"})
    assert response.status_code == 302
    record = AnswerRecord.objects.get()
    assert record.verdict == "not_eligible"
    assert record.reasons[0]["code"] == "port_not_designated"


def test_saving_needs_a_post(client, world):
    assert client.get("/answers/", BEEF).status_code == 405
    assert not AnswerRecord.objects.exists()


def test_saving_needs_the_csrf_token(csrf_client, world):
    assert csrf_client.post("/answers/", BEEF).status_code == 403
    assert not AnswerRecord.objects.exists()


def test_saving_an_invalid_question_is_a_400_with_the_form(client, world):
    response = client.post("/answers/", {**BEEF, "country": "ZZ"})
    assert response.status_code == 400
    assert 'id="id_country"' in response.content.decode()
    assert not AnswerRecord.objects.exists()


def test_saving_is_rate_limited_per_address(client, world, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "answer_save": "2/hour",
        },
    }
    assert [client.post("/answers/", BEEF).status_code for _ in range(2)] == [302, 302]
    refused = client.post("/answers/", BEEF)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "You have saved more answers than the registry keeps" in text(refused)
    other = client.post("/answers/", BEEF, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302
    assert AnswerRecord.objects.count() == 3


@pytest.mark.parametrize(
    ("language", "heading"), [("en", "Not found"), ("ru", "Не найдено"), ("zh-hans", "未找到")]
)
def test_an_unknown_answer_id_is_a_translated_404(client, world, language, heading):
    response = client.get("/answers/AAAAAAAAAAAAAAAA/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404
    assert f"<h1>{heading}</h1>" in response.content.decode()


@pytest.mark.parametrize(
    ("language", "notice", "same"),
    [
        (
            "ru",
            "Записи реестра, касающиеся этого вопроса, изменились",
            "отвечает на этот вопрос так же",
        ),
        ("zh-hans", "登记册中与该问题有关的记录发生了变化", "登记册对这个问题的答复仍然相同"),
    ],
)
def test_the_answer_page_speaks_the_readers_language(client, world, language, notice, same):
    location = saved_from_the_checker(client, BEEF)["Location"]
    assert same in text(client.get(location, HTTP_ACCEPT_LANGUAGE=language))
    market_access_state_record(
        access=world.beef_kz,
        kind="suspended",
        starts_on=dt.date(2024, 1, 1),
        source="GACC 2024 No.1",
        confidence="high",
    )
    assert notice in text(client.get(location, HTTP_ACCEPT_LANGUAGE=language))
