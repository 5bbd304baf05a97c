"""Small slips a ministry would not publish (issue 25, item 5, the words): the account page shows
the language the pages are in; a country name in a Russian sentence needs no case it does not get
("с Казахстан"); an instrument's kind is not said twice ("GACC announcement GACC 2026 No.201")."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accessions.models import MarketAccess, instrument_phrase
from accounts.services import account_create, profile_of
from notifications.models import Watch
from tests.factories import CountryFactory, MarketAccessFactory, PortFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def trader(db):
    user = account_create(
        username="ls-trader", email="ls@example.org", password="pw-slips-1", role="trader"
    )
    profile = profile_of(user)
    profile.language = "en"
    profile.save()
    return user


def _client(user, language):
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def _selected_language(page: str) -> str:
    select = page.split('id="account-language"')[1].split("</select>")[0]
    return re.search(r'<option value="([^"]+)"[^>]*selected', select).group(1)


@pytest.mark.parametrize("language", ["ru", "zh-hans"])
def test_the_account_page_shows_the_language_the_pages_are_in(trader, language):
    page = _client(trader, language).get(reverse("account-home")).content.decode()
    assert f'<html lang="{language}' in page.lower() or f'lang="{language}' in page.lower()
    assert _selected_language(page) == language
    assert 'id="account-language-saved"' in page  # and says that the saved one differs


def test_a_watched_country_in_russian_needs_no_case(trader):
    kz = CountryFactory(iso2="KZ", iso3="KAZ", name_en="Kazakhstan", name_ru="Казахстан")
    Watch.objects.create(user=trader, product=ProductFactory(), country=kz)
    page = _client(trader, "ru").get(reverse("account-home")).content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "Казахстан" in text
    assert not re.search(r"\bс Казахстан\b", text)


def test_a_port_facing_a_country_in_russian_needs_no_case():
    kz = CountryFactory(iso2="KZ", iso3="KAZ", name_en="Kazakhstan", name_ru="Казахстан")
    port = PortFactory(facing_country=kz)
    client = Client()
    client.cookies["django_language"] = "ru"
    for url in (reverse("port-detail", args=[port.code]), reverse("port-list")):
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get(url).content.decode()))
        assert "Казахстан" in text, url
        assert not re.search(r"\bс Казахстан\b", text), url


@pytest.mark.parametrize(
    ("kind", "ref", "expected"),
    [
        ("announcement", "GACC 2026 No.201", "GACC announcement 2026 No.201"),
        ("announcement", "2023 No.66", "GACC announcement 2023 No.66"),
        ("announcement", "GACC announcement 2026 No.201", "GACC announcement 2026 No.201"),
        ("protocol", "", "bilateral protocol"),
        ("joint_announcement", "GACC/MARA 2021 No.5", "joint announcement GACC/MARA 2021 No.5"),
        (
            "joint_announcement",
            "GACC & MARA joint announcement 2024 No.20",
            "GACC & MARA joint announcement 2024 No.20",
        ),
    ],
)
def test_an_instrument_names_its_kind_once(kind, ref, expected):
    with translation.override("en"):
        assert instrument_phrase(kind, ref) == expected


def test_the_changes_page_names_the_instrument_once():
    import datetime as dt

    access = MarketAccessFactory(
        instrument_kind="announcement",
        instrument_ref="GACC 2026 No.201",
        valid_from=dt.date(2026, 3, 2),
    )
    MarketAccess.objects.filter(pk=access.pk).update(instrument_ref="GACC 2026 No.201")
    page = (
        Client()
        .get(reverse("changes-between"), {"from": "2026-03-01", "to": "2026-03-31"})
        .content.decode()
    )
    assert "GACC announcement GACC" not in page
    assert "GACC announcement 2026 No.201" in page
