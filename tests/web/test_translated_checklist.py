"""Issue 22, item 3: the requirements checklist and the checker's conditions in the page's
language. A line whose words are a record's (a dated condition, the entry's other conditions)
shows the translation the seeds hold, marked "(the registry's translation)" as the rest of the
page marks it; words kept in English only are marked "(in English)". Before: /access/<KZ beef>/
in Chinese read "非疫区: 必需 — Cloven-hoofed animals … free of foot-and-mouth disease …"."""

from __future__ import annotations

import html
import re

import pytest

from accessions.models import AccessCondition, AnswerRecord, MarketAccess

from .test_answers import saved_from_the_checker, text

pytestmark = pytest.mark.django_db

MARKERS = {  # the language's suffix, "(the registry's translation)", "(in English)"
    "zh-hans": ("zh", "(本登记库的译文)", "(英文)"),
    "ru": ("ru", "(перевод реестра)", "(на английском)"),
}
BEEF = {"product": "beef", "country": "KZ", "date": "2025-06-01"}


def _areas() -> AccessCondition:
    return AccessCondition.objects.get(
        market_access__country__iso2="KZ", market_access__product__slug="beef", kind="origin_area"
    )


def _line(body: str, kind: str) -> str:
    """The words of the checklist line of a kind, tags off."""
    match = re.search(rf'<li data-kind="{kind}" data-status="[a-z_]+">(.*?)</li>', body, re.S)
    assert match, kind
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", match[1])))


def _conditions(body: str) -> str:
    match = re.search(r'<ul class="conditions">(.*?)</ul>', body, re.S)
    assert match
    return html.unescape(re.sub(r"<[^>]+>", "", match[1]))


def _get(client, url: str, language: str, query: dict | None = None) -> str:
    client.cookies["django_language"] = language
    response = client.get(url, query or {})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("language", ["zh-hans", "ru"])
def test_the_access_page_checklist_is_in_the_pages_language(client, seeded, language):
    suffix, ours, in_english = MARKERS[language]
    areas = _areas()
    body = _get(client, f"/access/{areas.market_access_id}/", language)
    line = _line(body, "pest_free_area")
    assert getattr(areas, f"text_{suffix}") in line and ours in line
    assert areas.text not in line and in_english not in line


@pytest.mark.parametrize("language", ["zh-hans", "ru"])
def test_the_checkers_checklist_and_conditions_are_in_the_pages_language(client, seeded, language):
    suffix, ours, in_english = MARKERS[language]
    areas = _areas()
    access = areas.market_access
    body = _get(client, "/check/", language, BEEF)
    line = _line(body, "pest_free_area")
    assert getattr(areas, f"text_{suffix}") in line and ours in line
    conditions = _conditions(body)
    assert getattr(areas, f"text_{suffix}") in conditions
    assert getattr(access, f"conditions_{suffix}") in conditions
    assert conditions.count(ours) == 2  # the area and the entry's other conditions
    assert areas.text not in body and access.conditions not in conditions
    assert in_english not in conditions


@pytest.mark.parametrize("language", ["zh-hans", "ru"])
def test_a_treatment_is_shown_in_the_pages_language(client, seeded, language):
    """KZ feed barley powder's treatment is translated in the seeds (treatment_zh/_ru)."""
    suffix, ours, in_english = MARKERS[language]
    access = MarketAccess.objects.get(country__iso2="KZ", product__slug="feed-barley-powder")
    for url, query in (
        (f"/access/{access.pk}/", None),
        ("/check/", {"product": access.product.slug, "country": "KZ"}),
    ):
        line = _line(_get(client, url, language, query), "treatment")
        assert f"{getattr(access, f'treatment_{suffix}')} {ours}" in line, url
        assert access.treatment not in line and in_english not in line, url


@pytest.mark.parametrize("language", ["zh-hans", "ru"])
def test_a_treatment_kept_in_english_is_marked_so(client, seeded, language):
    _, ours, in_english = MARKERS[language]
    MarketAccess.objects.filter(country__iso2="KZ", product__slug="feed-barley-powder").update(
        treatment_zh="", treatment_ru=""
    )
    access = MarketAccess.objects.get(country__iso2="KZ", product__slug="feed-barley-powder")
    for url, query in (
        (f"/access/{access.pk}/", None),
        ("/check/", {"product": access.product.slug, "country": "KZ"}),
    ):
        line = _line(_get(client, url, language, query), "treatment")
        assert f"{access.treatment} {in_english}" in line, url


def test_the_english_page_shows_the_english_words_unmarked(client, seeded):
    areas = _areas()
    body = _get(client, "/check/", "en", BEEF)
    line = _line(body, "pest_free_area")
    assert areas.text in line
    assert "(in English)" not in body and "(the registry's translation)" not in body


def test_a_saved_answer_keeps_its_conditions_marked(client, seeded):
    """An answer given in Chinese keeps its conditions' words and their marker; shown on an
    English page, the Chinese words are still marked as the registry's translation."""
    location = saved_from_the_checker(client, BEEF, HTTP_ACCEPT_LANGUAGE="zh-hans")["Location"]
    record = AnswerRecord.objects.get()
    [kept] = [c for c in record.conditions if c["code"] == "origin_area_restricted"]
    assert kept["message"].startswith(_areas().text_zh)
    assert (kept["language"], kept["translated_by_registry"]) == ("zh", True)
    shown = html.unescape(text(client.get(location, HTTP_ACCEPT_LANGUAGE="en")))
    assert f"{kept['message']} (the registry's translation)" in shown
    given = client.get(f"/api/v1/answers/{record.public_id}/").json()
    assert kept in given["conditions"]
