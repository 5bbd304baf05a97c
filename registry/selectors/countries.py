"""Countries: the API's list, the one country resolver (a code, a name or an alias in any
language), country search, and the rule "binding union membership on a date".
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Expression, F, Prefetch, Q, QuerySet

from registry.dates import in_force_q
from registry.models import Country, UnionMembership
from registry.text import fold, has_cjk


def country_api_list() -> QuerySet[Country]:
    memberships = UnionMembership.objects.select_related("union").order_by(
        "union__code", "valid_from"
    )
    return Country.objects.prefetch_related(Prefetch("memberships", queryset=memberships)).order_by(
        "iso2"
    )


def country_resolve(value: str) -> Country | None:
    """The country a trader names: its ISO alpha-2 or alpha-3 code, its name in English, Chinese
    or Russian, or another name it is known by (CountryAlias: «Киргизия», "Kyrgyz Republic"), in
    any case or script (folded in Python, so SQLite answers as PostgreSQL does). One query over
    the countries and their aliases (at most the ISO 3166-1 list and a few names each)."""
    folded = fold(value)
    if not folded:
        return None
    if len(folded) == 2 and folded.isascii():
        return Country.objects.filter(iso2=folded.upper()).first()
    # One row per country and alias (a country without aliases once), in one query.
    rows = list(Country.objects.annotate(alias=F("aliases__alias")).order_by("iso2", "alias"))
    for country in rows:  # its own names first, so an alias never hides another's name
        names = (country.iso3, country.name_en, country.name_zh, country.name_ru)
        if folded in {fold(name) for name in names if name}:
            return country
    for country in rows:
        if country.alias and fold(country.alias) == folded:
            return country
    return None


def country_search(query: str) -> list[tuple[Country, str]]:
    """The countries a search names: by code, by any of their names or aliases in the three
    languages (official, short, historical: «Туркмения», "Kirghizia", 土库曼斯坦), whole or in
    part (three letters at least, one Chinese character pair), any case or script. Each with the
    name it was found by when that is not one of its own names ("" otherwise). One query."""
    folded = fold(query)
    exact = country_resolve(query)
    least = 2 if has_cjk(folded) else 3
    found: dict[int, tuple[Country, str]] = {}
    if len(folded) < least:
        return [(exact, "")] if exact is not None else []
    rows = Country.objects.annotate(alias=F("aliases__alias")).order_by("name_en", "alias")
    for country in rows:
        own = (country.name_en, country.name_zh, country.name_ru)
        if any(folded in fold(name) for name in own if name):
            found.setdefault(country.pk, (country, ""))
        elif country.alias and folded in fold(country.alias):
            found.setdefault(country.pk, (country, country.alias))
    if exact is not None:  # by its code (or a name the parts above did not hold), first
        found = {exact.pk: found.get(exact.pk, (exact, "")), **found}
    return list(found.values())


# A union's acts bind a country only while it is a binding member (EAEU: KZ from 2015-01-01,
# KG from 2015-08-12), never an observer (UZ since 2020-12-11). One SQL predicate.


def binding_membership_q(on: dt.date | Expression, prefix: str = "") -> Q:
    """Memberships binding on `on`. `prefix` reaches them from another model, e.g.
    "union__memberships__" from a regulation."""
    return Q(**{f"{prefix}binding": True}) & in_force_q(
        on, f"{prefix}valid_from", f"{prefix}valid_until"
    )


def binding_union_ids(country: Country | str | Expression, on: dt.date | Expression) -> QuerySet:
    """The ids of the unions whose acts bind `country` (a Country or its ISO code) on `on`. Both
    may be SQL expressions (a column of the eligibility engine's questions: one statement answers
    many questions, each with its country and date)."""
    key = {"country__iso2": country} if isinstance(country, str) else {"country": country}
    return (
        UnionMembership.objects.filter(binding_membership_q(on), **key)
        .order_by()
        .values("union_id")
    )
