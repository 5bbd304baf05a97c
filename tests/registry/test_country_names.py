"""Issue 10/11: each country under its own official short name in each language (Кыргызстан in
Russian), other names (Киргизия, the full names) only as aliases that find it."""

import pytest

from registry.models import Country, CountryAlias
from registry.selectors.countries import country_resolve

pytestmark = pytest.mark.django_db

OWN_NAMES = {
    "KZ": ("Kazakhstan", "哈萨克斯坦", "Казахстан"),
    "KG": ("Kyrgyzstan", "吉尔吉斯斯坦", "Кыргызстан"),
    "TJ": ("Tajikistan", "塔吉克斯坦", "Таджикистан"),
    "TM": ("Turkmenistan", "土库曼斯坦", "Туркменистан"),
    "UZ": ("Uzbekistan", "乌兹别克斯坦", "Узбекистан"),
}


def test_the_five_are_seeded_under_their_own_official_short_names(seeded):
    names = {
        c.iso2: (c.name_en, c.name_zh, c.name_ru)
        for c in Country.objects.filter(region="central_asia")
    }
    assert names == OWN_NAMES


def test_other_names_are_sourced_aliases_that_find_the_country(seeded):
    aliases = {a.alias: a for a in CountryAlias.objects.select_related("country")}
    assert aliases["Киргизия"].country.iso2 == "KG" and aliases["Киргизия"].language == "ru"
    assert all(a.source and a.confidence for a in aliases.values())
    for alias in aliases.values():
        assert country_resolve(alias.alias) == alias.country
        assert country_resolve(alias.alias.upper()) == alias.country


@pytest.mark.parametrize(("lang", "shown", "not_shown"), [("ru", "Кыргызстан", "Киргизия")])
def test_the_checker_page_shows_the_own_name(seeded, client, lang, shown, not_shown):
    page = client.get(
        "/check/", {"product": "honey", "country": "Киргизия"}, HTTP_ACCEPT_LANGUAGE=lang
    ).content.decode()
    assert shown in page and not_shown not in page
