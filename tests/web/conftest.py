"""A small catalogue built with factories (all illustrative), enough to drive every page."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group

from tests import factories as f

TODAY = dt.date(2025, 3, 1)


@dataclass
class World:
    kz: object
    tj: object
    uz: object
    maize: object
    wheat: object
    beef: object
    corn_meal: object
    khorgos: object
    alashankou: object
    maize_kz: object
    beef_kz: object
    regulation: object
    registration: object


def build_world() -> World:
    kz = f.CountryFactory(
        iso2="KZ", iso3="KAZ", name_en="Kazakhstan", name_zh="哈萨克斯坦", name_ru="Казахстан"
    )
    tj = f.CountryFactory(
        iso2="TJ", iso3="TJK", name_en="Tajikistan", name_zh="塔吉克斯坦", name_ru="Таджикистан"
    )
    uz = f.CountryFactory(
        iso2="UZ", iso3="UZB", name_en="Uzbekistan", name_zh="乌兹别克斯坦", name_ru="Узбекистан"
    )
    eaeu = f.UnionFactory()
    f.UnionMembershipFactory(union=eaeu, country=kz)
    maize = f.ProductFactory(
        slug="maize", name_en="Maize (corn)", name_zh="玉米", name_ru="Кукуруза", hs_code="100590"
    )
    f.ProductAliasFactory(product=maize, alias="кукуруза зерно", language="ru")
    f.ProductAliasFactory(product=maize, alias="grain corn", language="en")
    wheat = f.ProductFactory(
        slug="wheat", name_en="Wheat", name_zh="小麦", name_ru="Пшеница", hs_code="100199"
    )
    beef = f.ProductFactory(
        slug="chilled-beef",
        name_en="Chilled beef",
        name_zh="冷鲜牛肉",
        name_ru="Охлаждённая говядина",
        hs_code="020130",
        category="meat",
        origin_type="animal",
    )
    corn_meal = f.ProductFactory(
        slug="corn-meal",
        name_en="Corn meal",
        name_zh="玉米粉",
        name_ru="Кукурузная мука",
        hs_code="110220",
        category="grain_product",
        origin_type="processed",
    )
    khorgos = f.PortFactory(
        code="khorgos",
        name_en="Khorgos",
        name_zh="霍尔果斯",
        name_ru="Хоргос",
        name_pinyin="Huoerguosi",
        facing_country=kz,
        green_channel_since=dt.date(2020, 1, 1),
        green_channel_precision="year",
    )
    alashankou = f.PortFactory(
        code="alashankou",
        name_en="Alashankou",
        name_zh="阿拉山口",
        name_ru="Алашанькоу",
        facing_country=kz,
        rail=True,
    )
    f.PortRegimeFactory(port=khorgos, regime="7x24", confidence="medium")
    f.SupervisionSiteFactory(port=alashankou, kind="meat")
    maize_kz = f.MarketAccessFactory(
        product=maize,
        country=kz,
        requires_registered_establishments=True,
        treatment="For processing only.",
    )
    f.MarketAccessFactory(product=wheat, country=kz)
    f.MarketAccessFactory(product=corn_meal, country=kz, confidence="low")
    beef_kz = f.MarketAccessFactory(product=beef, country=kz, required_site_kind="meat")
    regulation = f.RegulationFactory(
        code="TR CU 015/2011",
        title_en="On grain safety",
        title_ru="О безопасности зерна",
        union=eaeu,
    )
    f.RegulationProductFactory(regulation=regulation, product=maize)
    f.RegulationProductFactory(regulation=regulation, product=wheat)
    successor = f.RegulationFactory(code="TR EAEU 999/2030", title_en="Successor", union=eaeu)
    regulation.superseded_by = successor
    regulation.save()
    event = f.DiplomaticEventFactory(
        slug="summit",
        name_en="China–Central Asia Summit",
        starts_on=dt.date(2023, 5, 18),
        ends_on=dt.date(2023, 5, 19),
    )
    accession = f.AccessionFactory(market_access=maize_kz, year=2023, event=event)
    f.AccessionStageFactory(accession=accession, stage="protocol", occurred_on=dt.date(2023, 5, 19))
    f.AccessionStageFactory(accession=accession, stage="announcement")
    regime = f.RegistrationRegimeFactory(valid_from=dt.date(2022, 1, 1), valid_until=None)
    # Expires 2025-09-20: the Decree 248 window (6 months) opens 2025-03-20, 19 days after TODAY.
    registration = f.EstablishmentRegistrationFactory(
        registration_number="CKAZ01012201019901",
        country=kz,
        regime=regime,
        valid_until=dt.date(2025, 9, 20),
        products=[maize],
    )
    f.EstablishmentRegistrationFactory(
        registration_number="CKAZ01012201019902",
        country=kz,
        regime=regime,
        registered_on=dt.date(2022, 1, 1),
        valid_until=dt.date(2025, 1, 31),
        products=[maize],
    )
    from registry.models import ReportedFigure

    ReportedFigure.objects.create(
        key="products-with-access-2023",
        metric="products_with_access",
        value=96,
        qualifier="exact",
        as_of=dt.date(2024, 1, 23),
        as_of_precision="exact",
        label_en="Products with access",
        label_zh="准入产品",
        label_ru="Продукты с доступом",
        source="Urumqi Customs press conference",
        confidence="medium",
        is_illustrative=True,
    )
    ReportedFigure.objects.create(
        key="new-accessions-2023",
        metric="new_accessions",
        value=12,
        qualifier="exact",
        as_of=dt.date(2024, 1, 23),
        as_of_precision="exact",
        label_en="New accessions in 2023",
        source="Urumqi Customs press conference",
        confidence="high",
        is_illustrative=True,
    )
    return World(
        kz,
        tj,
        uz,
        maize,
        wheat,
        beef,
        corn_meal,
        khorgos,
        alashankou,
        maize_kz,
        beef_kz,
        regulation,
        registration,
    )


@pytest.fixture
def world(db):
    return build_world()


def add_rows(n: int, country) -> None:
    """More of everything, to show a page's query count does not grow with the rows."""
    ports = [f.PortFactory(facing_country=country) for _ in range(3)]
    for i in range(n):
        product = f.ProductFactory(name_en=f"Extra maize {i}", name_ru=f"Кукуруза {i}")
        f.ProductAliasFactory(product=product, alias=f"maize alias {i}")
        access = f.MarketAccessFactory(product=product, country=country)
        access.allowed_ports.set(ports)
        accession = f.AccessionFactory(market_access=access, year=2020 + i % 5)
        f.AccessionStageFactory(accession=accession)
        regulation = f.RegulationFactory(
            title_en=f"Maize regulation {i}", country=country, union=None
        )
        regulation.topics.add(f.TopicFactory())
        f.RegulationProductFactory(regulation=regulation, product=product)
        f.PortRegimeFactory(port=f.PortFactory(facing_country=country))
        f.EstablishmentRegistrationFactory(
            country=country,
            valid_until=dt.date(2025, 4, 1) + dt.timedelta(days=i * 7),
            products=[product],
        )


@pytest.fixture
def more_rows():
    return add_rows


@pytest.fixture
def inspector_client(client, django_user_model):
    user = django_user_model.objects.create_user("insp", password="pw-insp-12345")
    group, _ = Group.objects.get_or_create(name="inspector")
    user.groups.add(group)
    client.force_login(user)
    return client


@pytest.fixture
def frozen_today(monkeypatch):
    """Pages read 'today' from web.views.clock.today; pin it so the assertions are exact."""
    from web.views import clock

    monkeypatch.setattr(clock, "today", lambda: TODAY)
    return TODAY
