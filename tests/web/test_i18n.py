"""Languages: Accept-Language, the visible switcher, translated pages and localized record names."""

import re

import pytest

from tests import factories as f


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


@pytest.mark.parametrize(
    ("accept", "lang", "nav_search", "product_name"),
    [
        ("en", "en", ">Search<", "Maize (corn)"),
        ("zh-CN,zh;q=0.9", "zh-hans", ">搜索<", "玉米"),
        ("zh-Hans", "zh-hans", ">搜索<", "玉米"),
        ("ru-RU,ru;q=0.9,en;q=0.5", "ru", ">Поиск<", "Кукуруза"),
    ],
)
def test_accept_language_chooses_page_language_and_record_names(
    client, world, accept, lang, nav_search, product_name
):
    response = client.get("/products/maize/", HTTP_ACCEPT_LANGUAGE=accept)
    body = response.content.decode()
    assert html_lang(response) == lang
    assert nav_search in body
    assert f"<h1>{product_name}" in body


def test_record_name_falls_back_to_english(client, world):
    f.ProductFactory(slug="quinoa", name_en="Quinoa", name_ru="", name_zh="")
    body = client.get("/products/quinoa/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "<h1>Quinoa" in body


def test_switcher_lists_the_three_languages(client, world):
    body = client.get("/").content.decode()
    assert 'action="/i18n/setlang/"' in body
    for code, name in [("en", "English"), ("zh-hans", "简体中文"), ("ru", "Русский")]:
        assert f'<option value="{code}" lang="{code}"' in body
        assert name in body


@pytest.mark.parametrize(
    ("code", "heading"), [("ru", "Поиск"), ("zh-hans", "搜索"), ("en", "Search")]
)
def test_switcher_changes_the_language(client, world, code, heading):
    response = client.post("/i18n/setlang/", {"language": code, "next": "/search/"}, follow=True)
    assert response.status_code == 200
    assert html_lang(response) == code
    assert f"<h1>{heading}</h1>" in response.content.decode()


@pytest.mark.parametrize("lang", ["ru", "zh-hans"])
def test_checker_verdict_and_reasons_are_translated(client, world, lang):
    body = client.get(
        "/check/", {"product": "wheat", "country": "TJ"}, HTTP_ACCEPT_LANGUAGE=lang
    ).content.decode()
    assert 'data-verdict="not_recorded"' in body
    assert "Not recorded" not in body
    assert "The registry holds no record of" not in body  # the service's reason, translated
    assert 'data-help="not_recorded"' in body  # what "not recorded" means, in the language


@pytest.mark.parametrize(
    ("count", "expected"), [(1, "1 регламент"), (3, "3 регламента"), (5, "5 регламентов")]
)
def test_russian_plural_forms_come_from_the_catalogue(count, expected):
    from django.utils import translation
    from django.utils.translation import ngettext

    with translation.override("ru"):
        text = ngettext("%(counter)s regulation", "%(counter)s regulations", count)
    assert text % {"counter": count} == expected
