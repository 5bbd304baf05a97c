"""The same identifier gives the same product on every surface: the checker (single and bulk),
search, the API filters (`products/?q=`, `access/?product=`, `regulations/?product=`) and
subscriptions. One resolver (registry.selectors.resolver.product_resolve) answers for all of them;
these tests walk every seeded slug, name (three languages), alias and HS code through each
surface."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group

from accessions.eligibility.answer import EligibilityQuestion
from accessions.eligibility.check import check_eligibility, check_eligibility_batch
from notifications import subscriptions
from registry.errors import DomainError
from registry.models import Product, ProductAlias
from registry.selectors.resolver import product_resolve
from web.search import SearchFilters, search

TODAY = dt.date(2026, 11, 30)


def identifiers() -> dict[str, list[str]]:
    """Each seeded way of naming a product -> the slugs it names (one, or several when shared)."""
    idents: set[str] = set()
    for product in Product.objects.all():
        idents |= {product.slug, product.name_en, product.name_zh, product.name_ru, product.hs_code}
    # Related words (issue 24) suggest a product but never name it: not identifiers.
    idents |= set(ProductAlias.objects.exclude(kind="related").values_list("alias", flat=True))
    idents.discard("")
    found = {ident: product_resolve(ident).slugs for ident in sorted(idents)}
    assert all(found.values()), [ident for ident, slugs in found.items() if not slugs]
    return found


@pytest.fixture
def named(seeded):
    return identifiers()


def test_the_seeds_name_their_products_in_every_way(named):
    assert named["maize"] == ["maize"]
    assert product_resolve("кукуруза").slugs == ["maize"]
    assert named["玉米"] == ["maize"]
    assert len(named) > 250


def test_the_checker_finds_the_product_the_resolver_names(named):
    wrong = []
    for ident, slugs in named.items():
        try:
            answer = check_eligibility(product=ident, country="KZ", on=TODAY)
            got = [answer.product.slug] if answer.product else []
        except DomainError as error:
            got = error.extra["candidates"]
        if got != slugs:
            wrong.append((ident, slugs, got))
    assert wrong == []


def test_the_bulk_check_finds_the_product_the_resolver_names(named):
    questions = [EligibilityQuestion(product=i, country="KZ", on=TODAY) for i in named]
    wrong = []
    for (ident, slugs), result in zip(
        named.items(), check_eligibility_batch(questions), strict=True
    ):
        if isinstance(result, DomainError):
            got = result.extra["candidates"]
        else:
            got = [result.product.slug] if result.product else []
        if got != slugs:
            wrong.append((ident, slugs, got))
    assert wrong == []


def test_search_lists_the_products_the_resolver_names_first(named):
    wrong = []
    for ident, slugs in named.items():
        results = search(query=ident, filters=SearchFilters(), pages={}, today=TODAY)
        listed = [product.slug for product in results.products.object_list]
        if sorted(listed[: len(slugs)]) != sorted(slugs):
            wrong.append((ident, slugs, listed[:5]))
    assert wrong == []


def test_the_api_product_search_includes_the_products_the_resolver_names(api, named):
    wrong = []
    for ident, slugs in named.items():
        response = api.get("/api/v1/products/", {"q": ident, "page_size": 200})
        listed = {row["slug"] for row in response.json()["results"]}
        if response.status_code != 200 or not set(slugs) <= listed:
            wrong.append((ident, slugs, response.status_code))
    assert wrong == []


@pytest.mark.parametrize("path", ["/api/v1/access/", "/api/v1/regulations/"])
def test_the_api_product_filters_take_the_product_the_resolver_names(api, named, path):
    wrong = []
    for ident, slugs in named.items():
        response = api.get(path, {"product": ident, "page_size": 200})
        if len(slugs) > 1:
            ok = response.status_code == 400 and all(
                slug in response.json()["detail"] for slug in slugs
            )
        elif path == "/api/v1/access/":
            rows = response.json().get("results", [])
            ok = response.status_code == 200 and all(r["product"]["slug"] == slugs[0] for r in rows)
        else:
            rows = response.json().get("results", [])
            ok = response.status_code == 200 and all(
                slugs[0] in {link["product"] for link in r["products"]} for r in rows
            )
        if not ok:
            wrong.append((ident, slugs, response.status_code))
    assert wrong == []


def test_subscriptions_take_the_product_the_resolver_names(named, django_user_model):
    trader = django_user_model.objects.create_user("trader", email="t@example.org")
    trader.groups.add(Group.objects.get(name="trader"))
    wrong = []
    for ident, slugs in named.items():
        try:
            subscription = subscriptions.subscription_create(
                user=trader, channel="email", product=ident
            )
            got = [subscription.product.slug]
        except DomainError as error:
            got = error.extra.get("candidates", [])
        if got != slugs:
            wrong.append((ident, slugs, got))
    assert wrong == []
