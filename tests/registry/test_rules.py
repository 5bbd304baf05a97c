"""The catalogue's rules and their Python twins agree: validity on a date (on every edge and on
generated data), binding union membership on a date, an HS prefix (the ORM form, the raw-SQL form
of the notification fan-out and the rule as the test states it), and which product an identifier
names (single and in batch)."""

import datetime as dt
import itertools

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.dates import covers, in_force_q
from registry.models import (
    AliasKind,
    Country,
    Product,
    ProductAlias,
    SupervisionSite,
    UnionMembership,
)
from registry.selectors.countries import binding_membership_q
from registry.selectors.hs_codes import hs_prefix_match_sql, hs_prefix_q
from registry.selectors.resolver import KIND_STATEMENTS, product_resolve, product_resolve_many
from tests.factories import (
    CountryFactory,
    PortFactory,
    ProductAliasFactory,
    ProductFactory,
    SupervisionSiteFactory,
    UnionFactory,
    UnionMembershipFactory,
)

# Hypothesis runs each example inside the test's transaction: the rows of one example are deleted
# before the next, and the number of examples is bounded so that a run stays short.
BOUNDED = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def membership_binds(membership: UnionMembership, on: dt.date) -> bool:
    """The rule as the test states it (the code holds only the SQL, binding_membership_q)."""
    return membership.binding and covers(membership.valid_from, membership.valid_until, on)


EDGES = [None, dt.date(2020, 1, 1), dt.date(2020, 6, 30)]
DAYS = [
    dt.date(2019, 12, 31),
    dt.date(2020, 1, 1),
    dt.date(2020, 3, 15),
    dt.date(2020, 6, 30),
    dt.date(2020, 7, 1),
]


@pytest.mark.django_db
def test_the_validity_rule_and_its_twin_agree_on_every_edge():
    for start, end in itertools.product(EDGES, EDGES):
        if start and end and start > end:
            continue
        SupervisionSiteFactory(valid_from=start, valid_until=end)
    sites = list(SupervisionSite.objects.all())
    for day in DAYS:
        in_sql = set(SupervisionSite.objects.filter(in_force_q(day)).values_list("pk", flat=True))
        in_python = {s.pk for s in sites if covers(s.valid_from, s.valid_until, day)}
        assert in_sql == in_python, day
    assert covers(None, None, DAYS[0])
    assert not covers(dt.date(2020, 1, 1), None, dt.date(2019, 12, 31))
    assert covers(dt.date(2020, 1, 1), dt.date(2020, 1, 1), dt.date(2020, 1, 1))


DAY = st.integers(-3, 12).map(lambda n: dt.date(2020, 1, 1) + dt.timedelta(days=n))
PERIOD = st.tuples(st.none() | DAY, st.none() | DAY).filter(
    lambda p: p[0] is None or p[1] is None or p[0] <= p[1]
)


@pytest.mark.django_db
@BOUNDED
@given(
    periods=st.lists(PERIOD, min_size=1, max_size=8),
    asked=st.lists(DAY, min_size=1, max_size=5),
)
def test_the_validity_rule_and_its_twin_agree_on_generated_periods(periods, asked):
    SupervisionSite.objects.all().delete()
    country = CountryFactory(iso2="QQ")
    sites = SupervisionSite.objects.bulk_create(
        SupervisionSite(
            port=PortFactory(facing_country=country),  # one site of a kind per port
            kind="grain",
            valid_from=start,
            valid_until=end,
            source="generated",
            confidence="high",
        )
        for start, end in periods
    )
    for day in asked:
        in_sql = set(SupervisionSite.objects.filter(in_force_q(day)).values_list("pk", flat=True))
        assert in_sql == {s.pk for s in sites if covers(s.valid_from, s.valid_until, day)}, day


def hs_prefix_matches(product: Product, aliases: list[str], prefix: str) -> bool:
    """The rule as the test states it: the product's own code, or one of its further HS codes,
    starts with the prefix."""
    return any(code.startswith(prefix) for code in [product.hs_code, *aliases])


HS_CODE = st.text("0127", min_size=6, max_size=6)
HS_PREFIX = st.text("0127", min_size=2, max_size=6)  # few digits: prefixes often match


@pytest.mark.django_db
@BOUNDED
@given(
    products=st.lists(
        st.tuples(HS_CODE, st.lists(HS_CODE, max_size=2, unique=True)), min_size=1, max_size=6
    ),
    prefixes=st.lists(HS_PREFIX, min_size=1, max_size=4),
)
def test_an_hs_prefix_matches_the_same_products_in_the_orm_the_raw_sql_and_the_rule(
    products, prefixes
):
    Product.objects.all().delete()
    further: dict[int, list[str]] = {}
    for code, alias_codes in products:
        product = ProductFactory(hs_code=code)
        further[product.pk] = alias_codes
        for alias in alias_codes:
            ProductAliasFactory(product=product, alias=alias, kind=AliasKind.HS_CODE)
        if "777777" not in alias_codes:  # a name made of digits is not a further HS code
            ProductAliasFactory(product=product, alias="777777", kind=AliasKind.NAME)
    table = Product._meta.db_table
    for prefix in prefixes:
        in_orm = set(Product.objects.filter(hs_prefix_q(prefix)).values_list("pk", flat=True))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT product.id FROM {table} product "  # noqa: S608 - names of this code
                f"WHERE {hs_prefix_match_sql('product', '%s')}",
                [prefix, prefix],
            )
            in_raw_sql = {row[0] for row in cursor.fetchall()}
        expected = {
            p.pk for p in Product.objects.all() if hs_prefix_matches(p, further[p.pk], prefix)
        }
        assert in_orm == expected, prefix
        assert in_raw_sql == expected, prefix


@pytest.mark.django_db
def test_binding_membership_and_its_twin_agree():
    union = UnionFactory(code="EAEU")
    starts = [edge for edge in EDGES if edge is not None]  # a membership always has a start
    for index, (start, end) in enumerate(itertools.product(starts, EDGES)):
        if start and end and start > end:
            continue
        for binding in (True, False):
            country = CountryFactory(iso2=f"Q{chr(65 + index * 2 + binding)}")
            UnionMembershipFactory(
                union=union, country=country, valid_from=start, valid_until=end, binding=binding
            )
    memberships = list(UnionMembership.objects.all())
    for day in [*DAYS, dt.date(2015, 8, 11), dt.date(2015, 8, 12), dt.date(2026, 1, 1)]:
        in_sql = set(
            UnionMembership.objects.filter(binding_membership_q(day)).values_list("pk", flat=True)
        )
        assert in_sql == {m.pk for m in memberships if membership_binds(m, day)}, day


@pytest.mark.django_db
def test_observers_are_never_bound_and_members_only_from_their_date(seeded):
    kg, uz = Country.objects.get(iso2="KG"), Country.objects.get(iso2="UZ")
    kg_membership = UnionMembership.objects.get(country=kg, union__code="EAEU")
    uz_membership = UnionMembership.objects.get(country=uz, union__code="EAEU")
    assert not membership_binds(kg_membership, dt.date(2015, 8, 11))
    assert membership_binds(kg_membership, dt.date(2015, 8, 12))
    assert not membership_binds(uz_membership, dt.date(2026, 1, 1))


def seeded_identifiers() -> set[str]:
    """Every way the seeds name a product: slugs, names in three languages, aliases, HS codes,
    and case and spacing variants of them."""
    idents: set[str] = set()
    for product in Product.objects.all():
        idents |= {product.slug, product.name_en, product.name_zh, product.name_ru, product.hs_code}
    idents |= set(ProductAlias.objects.values_list("alias", flat=True))
    idents.discard("")
    variants = {ident.upper() for ident in idents} | {f"  {ident.lower()} " for ident in idents}
    return idents | variants | {"no such product", "999999", "10", "кукуруза зерно"}


@pytest.mark.django_db
def test_the_batch_resolver_agrees_with_the_single_one_on_every_seeded_identifier(seeded):
    idents = sorted(seeded_identifiers())
    batch = product_resolve_many(idents)
    differ = [ident for ident in idents if batch[ident].slugs != product_resolve(ident).slugs]
    assert differ == []
    # Every name the seeds give resolves to its product.
    maize = product_resolve("кукуруза")
    assert maize.product is not None and maize.product.slug == "maize"


@pytest.mark.django_db
def test_the_batch_resolver_costs_one_query_whatever_the_number_of_identifiers(
    seeded, django_assert_num_queries
):
    idents = sorted(seeded_identifiers())
    # Products with their keys (1); then one read of close keys for the words nothing matches
    # ("no such product"), which PostgreSQL wraps in a savepoint to SET LOCAL the pg_trgm
    # threshold (3 statements more). Fixed, whatever the number of identifiers.
    extra = 1 + (3 if connection.vendor == "postgresql" else 0)
    # The seeded names include covered kinds' (issue 24): their kinds are read once more.
    with django_assert_num_queries(1 + extra + KIND_STATEMENTS):
        product_resolve_many(idents)
    known = [
        ident
        for ident in idents
        if (found := product_resolve_many([ident])[ident]).exact and not found.kinds
    ]
    with django_assert_num_queries(1):
        product_resolve_many(known)


@pytest.mark.django_db
def test_a_batch_naming_two_kinds_of_one_product_lists_its_kinds_once(seeded):
    """Dried melon and raisins are both kinds of Kyrgyzstan's dried-fruit entry: asked in one
    batch, each still lists the entry's nine kinds once, as asked alone."""
    batch = product_resolve_many(["дыня сушёная", "изюм"])
    for ident in ("дыня сушёная", "изюм"):
        [kind] = batch[ident].kinds.values()
        [alone] = product_resolve_many([ident])[ident].kinds.values()
        names = [k.slug for k in kind.siblings]
        assert names == [k.slug for k in alone.siblings]
        assert len(names) == len(set(names)) == 9
