"""The pages as a trader sees them in Chinese or Russian (issue 24, looked at in a browser): the
seeded texts that have a recorded translation are shown in it, and a country found by another
of its names reads as the country, that name, then its names in the other languages."""

import re

import pytest


def page_in(client, language: str, path: str, params: dict | None = None) -> str:
    client.cookies["django_language"] = language
    html = client.get(path, params or {}).content.decode()
    return re.sub(r"\s+", " ", html)


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "product", "translation"),
    [("zh-hans", "杏干", "涵盖9种"), ("ru", "курага", "Охватывает 9 видов")],
)
def test_the_checker_shows_the_recorded_translation_of_an_entrys_conditions(
    client, seeded, language, product, translation
):
    """Kyrgyzstan's dried-fruit entry records its conditions in three languages; the answer on
    a Chinese or Russian page showed the English text, marked "(in English)"."""
    page = page_in(client, language, "/check/", {"product": product, "country": "KG"})
    conditions = page.split('class="conditions"', 1)[1].split("</ul>", 1)[0]
    assert translation in conditions
    assert "Covers 9 kinds" not in conditions


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "translation"), [("zh-hans", "涵盖9种"), ("ru", "Охватывает 9 видов")]
)
def test_the_access_table_shows_the_recorded_translation_of_the_conditions(
    client, seeded, language, translation
):
    page = page_in(client, language, "/products/dried-fruits/")
    assert translation in page
    assert "Covers 9 kinds" not in page


@pytest.mark.django_db
def test_a_country_found_by_an_old_name_reads_name_alias_then_other_names(client, seeded):
    """«Туркмения» ran into the list of names ("также: Туркмения Turkmenistan · 土库曼斯坦 ·
    Туркменистан"), the page's own name repeated at its end."""
    page = page_in(client, "ru", "/search/", {"q": "Туркмения"})
    item = words(re.search(r'<li data-country="TM">(.*?)</li>', page).group(1))
    assert re.search(r"Туркмения\s*·\s*Turkmenistan\s*·\s*土库曼斯坦", item), item
    assert item.count("Туркменистан") == 1, item


@pytest.mark.django_db
def test_search_filters_fold_away_until_one_is_chosen(client, seeded):
    """On a phone the five filters stood between the search box and the results; they are
    folded under "Narrow down" and open only when a filter is set (or wrong)."""
    plain = page_in(client, "en", "/search/", {"q": "Turkmenistan"})
    assert re.search(r'<details class="facets">\s*<summary>Narrow down</summary>', plain)
    filtered = page_in(client, "en", "/search/", {"q": "maize", "country": "KZ"})
    assert '<details class="facets" open>' in filtered
