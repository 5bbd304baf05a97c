"""Issue 22, item 3: content in its own language and the other two, the registry's own
translations marked as such. Before: /access/<id>/ in Chinese showed the English conditions with
"(英文)" and /regulations/ in Russian showed Kyrgyz laws under their English titles."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from accessions.models import AccessCondition, Accession, AccessState, MarketAccess
from registry.models import Port, PortRegime, ReportedFigure, SupervisionSite
from regulations.models import Regulation
from web.templatetags.web_tags import translated

from .test_public_content import visible_text

pytestmark = pytest.mark.django_db


def _dd(body: str, label: str) -> str:
    match = re.search(rf"{label}</dt><dd[^>]*>(.*?)</dd>", body, re.S)
    assert match, label
    return re.sub(r"<[^>]+>", "", match.group(1))


def test_access_conditions_are_in_chinese_and_marked_as_the_registrys_translation(client, seeded):
    access = MarketAccess.objects.get(country__iso2="KZ", product__slug="fresh-peaches")
    body = client.get(f"/access/{access.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    conditions = _dd(body, "其他条件")
    assert "果园和包装厂" in conditions and "(本登记库的译文)" in conditions
    assert "Orchards and packhouses" not in conditions and "(英文)" not in conditions


def test_access_conditions_in_russian(client, seeded):
    access = MarketAccess.objects.get(country__iso2="UZ", product__slug="fresh-melons")
    body = client.get(f"/access/{access.pk}/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Хорезмская" in body and "(перевод реестра)" in body


def test_english_page_shows_the_english_text_unmarked(client, seeded):
    access = MarketAccess.objects.get(country__iso2="KZ", product__slug="fresh-peaches")
    body = client.get(f"/access/{access.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    conditions = _dd(body, "Other conditions")
    assert conditions.startswith("Orchards and packhouses")
    assert "translation" not in conditions


def test_kyrgyz_laws_are_listed_under_a_russian_title_in_russian(client, seeded):
    text = visible_text(
        client.get("/regulations/", {"jurisdiction": "KG"}, HTTP_ACCEPT_LANGUAGE="ru")
    )
    assert "Об обеспечении безопасности пищевой продукции в Кыргызской Республике" in text
    assert "On ensuring food safety in the Kyrgyz Republic" not in text
    assert "(перевод реестра)" in text


def test_an_original_russian_title_is_not_marked_as_a_translation(client, seeded):
    grain = Regulation.objects.get(slug="tr-cu-015-2011")
    assert grain.title_translated_by_registry.split() == ["en", "zh"]
    text = visible_text(client.get(f"/regulations/{grain.pk}/", HTTP_ACCEPT_LANGUAGE="ru"))
    heading = text.split("Юрисдикция")[0]
    assert "О безопасности зерна" in heading and "перевод реестра" not in heading


# The records besides the access rows that carry a public note (issue 22, item 3). Before: their
# notes were in English only, and the Chinese and Russian pages showed them "(in English)".
NOTED_MODELS = [
    Port,
    PortRegime,
    SupervisionSite,
    ReportedFigure,
    Regulation,
    AccessState,
    AccessCondition,
    Accession,
]
MARKERS = {
    "zh-hans": ("zh", "(本登记库的译文)", "(英文)"),
    "ru": ("ru", "(перевод реестра)", "(на английском)"),
}


@pytest.mark.parametrize("language", ["zh-hans", "ru"])
def test_every_seeded_public_note_is_in_the_pages_language(seeded, language):
    suffix, ours, in_english = MARKERS[language]
    checked, problems = 0, []
    with translation.override(language):
        for model in NOTED_MODELS:
            for record in model.objects.exclude(public_note=""):
                shown = re.sub(r"<[^>]+>", "", str(translated(record, "public_note")))
                checked += 1
                note = getattr(record, f"public_note_{suffix}")
                if not note or not shown.startswith(note) or ours not in shown:
                    problems.append(f"{model.__name__} {record.pk}: {shown!r}")
                if in_english in shown or record.public_note in shown:
                    problems.append(f"{model.__name__} {record.pk} in English: {shown!r}")
    assert checked >= 30  # the 30 notes of December 2026, and the access entries' own states
    assert problems == []


@pytest.mark.parametrize("language", ["zh-hans", "ru"])
def test_the_pages_show_no_english_public_note(client, seeded, language):
    """The port, regulation, access and about pages in Chinese and Russian show every note of
    these records in the page's language, never the English one."""
    suffix, ours, _ = MARKERS[language]
    pages = {"/about/"}
    pages |= {f"/ports/{code}/" for code in Port.objects.values_list("code", flat=True)}
    pages |= {f"/regulations/{pk}/" for pk in Regulation.objects.values_list("pk", flat=True)}
    for model in (AccessState, AccessCondition, Accession):
        pages |= {f"/access/{pk}/" for pk in model.objects.values_list("market_access", flat=True)}
    text = " ".join(
        visible_text(client.get(url, HTTP_ACCEPT_LANGUAGE=language)) for url in sorted(pages)
    )
    for model in NOTED_MODELS:
        for record in model.objects.exclude(public_note=""):
            assert record.public_note not in text, (model.__name__, record.pk)
            assert getattr(record, f"public_note_{suffix}") in text, (model.__name__, record.pk)
    assert ours in text
