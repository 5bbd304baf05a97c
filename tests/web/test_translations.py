"""Issue 22, item 3: content in its own language and the other two, the registry's own
translations marked as such. Before: /access/<id>/ in Chinese showed the English conditions with
"(英文)" and /regulations/ in Russian showed Kyrgyz laws under their English titles."""

from __future__ import annotations

import re

import pytest

from accessions.models import MarketAccess
from regulations.models import Regulation

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
