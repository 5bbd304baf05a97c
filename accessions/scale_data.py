"""Synthetic data at internet scale for the benchmarks (issue 13): countries, products with aliases
in three languages, market access, establishment registrations and regulations with product
links. Every row is illustrative (`is_illustrative`, confidence low, source SCALE_SOURCE); none of
it is a fact and none of it reaches the seeds. What the rows are called is accessions.scale_names;
how they go in (COPY into a temporary table, then INSERT ... ON CONFLICT DO NOTHING on the
natural keys, so a second run adds nothing) is accessions.scale_copy.

History: the tracked tables' history triggers (django-pghistory, "user" triggers) are disabled
for the load with `ALTER TABLE ... DISABLE TRIGGER USER` inside the load's transaction and
enabled again before it commits. Synthetic rows need no history, and a million history rows would
only slow the load and swell the history tables (the legal states' history alone took over 20
minutes at 500,000 entries). The coverage steps (accessions.models.coverage), whose triggers are
user triggers too, are refreshed once at the end. Foreign keys are PostgreSQL's internal triggers,
which DISABLE TRIGGER USER leaves on, and check and unique constraints are not triggers: every
constraint still holds.
"""

from __future__ import annotations

import datetime as dt
import itertools
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from accessions.models import (
    AccessState,
    EstablishmentRegistration,
    MarketAccess,
    RegistrationRegime,
)
from accessions.scale_copy import rows_load
from accessions.scale_names import (
    PRODUCT_SLUG_PREFIX,
    REGULATION_SLUG_PREFIX,
    SCALE_SOURCE,
    USER_ASSIGNED,
    synthetic_product_aliases,
    synthetic_product_fields,
)
from registry.errors import DomainError
from registry.models import Country, Product, ProductAlias, ProductSearchKey
from registry.services import product_search_key_texts
from registry.text import stem
from regulations.models import Regulation, RegulationProduct


@dataclass(frozen=True)
class ScaleSizes:
    countries: int = 200
    products: int = 20_000
    accesses: int = 500_000
    registrations: int = 1_000_000
    regulations: int = 10_000
    links_per_regulation: int = 3


Progress = Callable[[str, int], Callable[[int], None]]


def _no_progress(label: str, total: int) -> Callable[[int], None]:
    return lambda n: None


def _synthetic_count(model: type[models.Model]) -> int:
    return model._default_manager.filter(source=SCALE_SOURCE).count()


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def scale_data_generate(
    *, sizes: ScaleSizes, today: dt.date, progress: Progress = _no_progress
) -> dict[str, int]:
    """Add the synthetic rows that are missing for `sizes`; returns the rows added per table.

    Raises DomainError('scale_data_needs_postgresql') on any other database and
    DomainError('scale_data_no_regime') when no registration regime is loaded (load_seeds first).
    """
    if connection.vendor != "postgresql":
        raise DomainError(
            "scale_data_needs_postgresql",
            "generate_scale_data needs PostgreSQL (it loads with COPY); "
            f"this database is {connection.vendor}.",
        )
    regimes = list(RegistrationRegime.objects.order_by("valid_from"))
    if not regimes:
        raise DomainError(
            "scale_data_no_regime",
            "No registration regime in the database: run `manage.py load_seeds` first.",
        )
    now = timezone.now()
    added: dict[str, int] = {}
    tracked: list[type[models.Model]] = [
        Country,
        Product,
        ProductAlias,
        MarketAccess,
        AccessState,
        EstablishmentRegistration,
        EstablishmentRegistration.products.through,
        Regulation,
        RegulationProduct,
    ]
    with transaction.atomic():
        with connection.cursor() as cursor:
            for model in tracked:
                cursor.execute(f'ALTER TABLE "{model._meta.db_table}" DISABLE TRIGGER USER')
        countries = _countries(sizes, progress, now, added)
        products = _products(sizes, progress, now, added)
        _accesses(sizes, countries, products, progress, now, added)
        _access_states(added)
        _registrations(sizes, countries, products, regimes, today, progress, now, added)
        _regulations(sizes, countries, products, progress, now, added)
        with connection.cursor() as cursor:
            # Check the deferred foreign keys now: PostgreSQL refuses to alter a table with
            # pending trigger events.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for model in tracked:
                cursor.execute(f'ALTER TABLE "{model._meta.db_table}" ENABLE TRIGGER USER')
            # The coverage steps' triggers were off with the rest: the steps anew, once.
            cursor.execute(
                "SELECT accessions_coverage_refresh(ARRAY(SELECT id FROM registry_country))"
            )
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's foreign keys, as before
    return added


def _countries(
    sizes: ScaleSizes, progress: Progress, now: dt.datetime, added: dict[str, int]
) -> list[tuple[int, str]]:
    """(id, iso3) of the synthetic countries, ordered by ISO code."""
    existing = list(
        Country.objects.filter(source=SCALE_SOURCE).order_by("iso2").values_list("iso2", flat=True)
    )
    need = max(0, sizes.countries - len(existing))
    taken = set(Country.objects.values_list("iso2", flat=True))
    taken |= {iso3[1:] for iso3 in Country.objects.values_list("iso3", flat=True) if iso3[0] == "X"}
    pairs = ("".join(p) for p in itertools.product(string.ascii_uppercase, repeat=2))
    candidates = [c for c in dict.fromkeys([*USER_ASSIGNED, *pairs]) if c not in taken]
    new = candidates[:need]
    rows = [
        {
            "iso2": code,
            "iso3": f"X{code}",
            "name_en": f"Synthetic country {code}",
            "name_zh": f"合成国家 {code}",
            "name_ru": f"Синтетическая страна {code}",
            "region": "other",
        }
        for code in new
    ]
    added["countries"] = rows_load(
        model=Country,
        rows=rows,
        total=len(rows),
        progress=progress("countries", len(rows)),
        now=now,
    )
    return list(
        Country.objects.filter(source=SCALE_SOURCE)
        .order_by("iso2")
        .values_list("pk", "iso3")[: sizes.countries]
    )


def _products(
    sizes: ScaleSizes, progress: Progress, now: dt.datetime, added: dict[str, int]
) -> list[int]:
    """Ids of the synthetic products in slug order, with their aliases and search keys."""
    synthetic = Product.objects.filter(slug__startswith=PRODUCT_SLUG_PREFIX)
    have = set(synthetic.values_list("slug", flat=True))
    missing = [i for i in range(sizes.products) if synthetic_product_fields(i)["slug"] not in have]
    added["products"] = rows_load(
        model=Product,
        rows=(synthetic_product_fields(i) for i in missing),
        total=len(missing),
        progress=progress("products", len(missing)),
        now=now,
    )
    ids = dict(
        Product.objects.filter(slug__startswith=PRODUCT_SLUG_PREFIX).values_list("slug", "pk")
    )

    def aliases() -> Iterator[dict[str, Any]]:
        for i in missing:
            product_id = ids[synthetic_product_fields(i)["slug"]]
            for alias, language in synthetic_product_aliases(i):
                yield {
                    "product_id": product_id,
                    "alias": alias,
                    "language": language,
                    "kind": "name",
                }

    added["product aliases"] = rows_load(
        model=ProductAlias,
        rows=aliases(),
        total=3 * len(missing),
        progress=progress("product aliases", 3 * len(missing)),
        now=now,
    )

    def keys() -> Iterator[dict[str, Any]]:
        for i in missing:
            fields = synthetic_product_fields(i)
            product = Product(**fields)
            aliases = [ProductAlias(alias=a, language=g) for a, g in synthetic_product_aliases(i)]
            texts = product_search_key_texts(product, aliases)
            for text in texts:
                yield {
                    "product_id": ids[fields["slug"]],
                    "key": text[:200],
                    "stem": stem(text)[:200],
                }

    added["product search keys"] = rows_load(
        model=ProductSearchKey,
        rows=keys(),
        total=len(missing),
        progress=progress("product search keys", len(missing)),
        now=now,
    )
    return [ids[synthetic_product_fields(i)["slug"]] for i in range(sizes.products)]


def _pair(i: int, countries: int, products: int) -> tuple[int, int]:
    """The i-th (country, product) index pair: every country gets an equal share, and no pair
    repeats while i < countries × products."""
    country = i % countries
    return country, (i // countries + country * 97) % products


def _accesses(
    sizes: ScaleSizes,
    countries: list[tuple[int, str]],
    products: list[int],
    progress: Progress,
    now: dt.datetime,
    added: dict[str, int],
) -> None:
    total = min(sizes.accesses, len(countries) * len(products))
    if _synthetic_count(MarketAccess) >= total:
        added["market access"] = 0
        return

    def rows() -> Iterator[dict[str, Any]]:
        for i in range(total):
            c, p = _pair(i, len(countries), len(products))
            status = "suspended" if i % 10 == 9 else "expired" if i % 25 == 24 else "in_force"
            start = dt.date(2015, 1, 1) + dt.timedelta(days=i % 3650)
            yield {
                "product_id": products[p],
                "country_id": countries[c][0],
                "status": status,
                "instrument_kind": "reported",
                "valid_from": start,
                "valid_from_precision": "exact",
                "valid_until": _add_years(start, 3) if status == "expired" else None,
                "requires_registered_establishments": True if i % 3 == 0 else None,
                "registered_establishments_basis": "inference" if i % 3 == 0 else "",
            }

    added["market access"] = rows_load(
        model=MarketAccess,
        rows=rows(),
        total=total,
        progress=progress("market access", total),
        now=now,
    )


def _access_states(added: dict[str, int]) -> None:
    """The series of the synthetic entries, set-based (PostgreSQL): in force from `valid_from`,
    ended the day after `valid_until`, and for a `suspended` entry a suspension a year after its
    start, as accessions.validity.access_states_sync and the services would write them."""
    states, access = AccessState._meta.db_table, MarketAccess._meta.db_table
    columns = (
        "market_access_id, kind, starts_on, starts_on_precision, limited_to, instrument_kind, "
        "instrument_ref, origin, source, source_url, confidence, is_illustrative, public_note, "
        "public_note_zh, public_note_ru, translated_by_registry, notes, source_zh, source_ru, "
        "instrument_ref_zh, instrument_ref_ru"
    )
    picks = [
        ("'in_force'", "a.valid_from", "'entry'", "TRUE"),
        ("'ended'", "a.valid_until + 1", "'entry'", "a.valid_until IS NOT NULL"),
        ("'suspended'", "a.valid_from + 365", "'recorded'", "a.status = 'suspended'"),
    ]
    created = 0
    with connection.cursor() as cursor:
        for kind, start, origin, where in picks:
            # Constant text: this module's table names and expressions; the source is a parameter.
            cursor.execute(
                f"INSERT INTO {states} ({columns}) SELECT a.id, {kind}, {start}, 'exact', '', "  # noqa: S608
                f"a.instrument_kind, a.instrument_ref, {origin}, a.source, a.source_url, "
                f"a.confidence, a.is_illustrative, '', '', '', '', '', a.source_zh, a.source_ru, "
                f"a.instrument_ref_zh, a.instrument_ref_ru FROM {access} a "
                f"WHERE a.source = %s AND {where} AND NOT EXISTS (SELECT 1 FROM {states} s "
                f"WHERE s.market_access_id = a.id AND s.kind = {kind})",
                [SCALE_SOURCE],
            )
            created += cursor.rowcount
    added["legal states"] = created


def _registrations(
    sizes: ScaleSizes,
    countries: list[tuple[int, str]],
    products: list[int],
    regimes: list[RegistrationRegime],
    today: dt.date,
    progress: Progress,
    now: dt.datetime,
    added: dict[str, int],
) -> None:
    if _synthetic_count(EstablishmentRegistration) >= sizes.registrations:
        added["establishment registrations"] = 0
        return
    spans = [
        (regime, max(1, ((regime.valid_until or today) - regime.valid_from).days))
        for regime in regimes
    ]

    def rows() -> Iterator[dict[str, Any]]:
        for i in range(sizes.registrations):
            c = i % len(countries)
            regime, span = spans[i % len(spans)]
            registered = regime.valid_from + dt.timedelta(days=(i * 7) % span)
            yield {
                "registration_number": f"C{countries[c][1]}{i:014d}",
                "name": f"Synthetic establishment {i}",
                "country_id": countries[c][0],
                "registered_on": registered,
                "valid_until": _add_years(registered, regime.validity_years),
                "status": "registered",
                "regime_id": regime.pk,
                "product_x": products[(i * 7919) % len(products)],
            }

    table = EstablishmentRegistration._meta.db_table
    through = EstablishmentRegistration.products.through._meta.db_table
    added["establishment registrations"] = rows_load(
        model=EstablishmentRegistration,
        rows=rows(),
        total=sizes.registrations,
        progress=progress("establishment registrations", sizes.registrations),
        extra=[("product_x", "bigint")],
        after=[
            f'INSERT INTO "{through}" (establishmentregistration_id, product_id) '  # noqa: S608
            f'SELECT r.id, s.product_x FROM scale_rows s JOIN "{table}" r '
            "USING (registration_number) ON CONFLICT DO NOTHING"
        ],
        now=now,
    )


def _regulations(
    sizes: ScaleSizes,
    countries: list[tuple[int, str]],
    products: list[int],
    progress: Progress,
    now: dt.datetime,
    added: dict[str, int],
) -> None:
    if _synthetic_count(Regulation) >= sizes.regulations:
        added["regulations"] = 0
        return

    def rows() -> Iterator[dict[str, Any]]:
        for i in range(sizes.regulations):
            yield {
                "slug": f"{REGULATION_SLUG_PREFIX}{i:06d}",
                "title_en": f"Synthetic regulation {i}",
                "title_ru": f"Синтетический регламент {i}",
                "title_zh": f"合成法规 {i}",
                "kind": "standard",
                "country_id": countries[i % len(countries)][0],
                "status": "in_force",
                "in_force_from": dt.date(2015, 1, 1) + dt.timedelta(days=i % 3650),
                "in_force_from_precision": "exact",
                "links_x": [
                    products[(i * sizes.links_per_regulation + k) % len(products)]
                    for k in range(sizes.links_per_regulation)
                ],
            }

    table = Regulation._meta.db_table
    links = RegulationProduct._meta.db_table
    added["regulations"] = rows_load(
        model=Regulation,
        rows=rows(),
        total=sizes.regulations,
        progress=progress("regulations", sizes.regulations),
        extra=[("links_x", "bigint[]")],
        after=[
            f'INSERT INTO "{links}" '  # noqa: S608 (names from the model's meta)
            "(regulation_id, product_id, clause, note, source, confidence) "
            "SELECT r.id, p.product_id, '', '', s.source, 'low' FROM scale_rows s "
            f'JOIN "{table}" r USING (slug) '
            "CROSS JOIN LATERAL unnest(s.links_x) AS p(product_id) ON CONFLICT DO NOTHING"
        ],
        now=now,
    )
