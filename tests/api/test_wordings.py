"""Issue 10: the words traders type give the same product (or the same candidates) through the
resolver, the checker page, the API and bulk; on PostgreSQL here, and on SQLite by running this
same file in a subprocess with DATABASE_URL pointing at a SQLite file (the embedded mode)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from registry.selectors import product_resolve, product_resolve_many
from tests.api.wordings import COUNTRY_WORDINGS, HELD_BACK, PRODUCT_WORDINGS

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
ALL = {**PRODUCT_WORDINGS, **HELD_BACK}
CHECK = "/api/v1/eligibility/"
BULK = "/api/v1/eligibility/bulk/"


def _agrees(expected, slugs: list[str], exact_product: str | None) -> bool:
    if isinstance(expected, str):  # one product: named exactly, or the one close suggestion
        return exact_product == expected or slugs == [expected]
    if not expected:
        return slugs == []
    return len(slugs) > 1 and expected <= set(slugs)


def test_there_are_at_least_sixty_wordings_some_held_back():
    assert len(ALL) >= 60 and len(HELD_BACK) >= 10


@pytest.mark.parametrize("wording", sorted(ALL))
def test_the_resolver_and_its_batch_twin_give_the_expected_product(seeded, wording):
    single = product_resolve(wording)
    batch = product_resolve_many([wording])[wording]
    assert (single.slugs, single.exact) == (batch.slugs, batch.exact)
    assert _agrees(ALL[wording], single.slugs, single.product and single.product.slug), single


@pytest.mark.parametrize("wording", sorted(ALL))
def test_the_checker_page_and_the_api_give_the_expected_product(seeded, client, api, wording):
    expected = ALL[wording]
    response = api.get(CHECK, {"product": wording, "country": "KZ", "date": "2025-01-01"})
    body = response.json()
    if response.status_code == 200 and body["product"] is None:  # the registry holds no such
        slugs, exact = [], None
    elif response.status_code == 200:
        slugs, exact = [body["product"]["slug"]], body["product"]["slug"]
    else:
        assert response.status_code == 400, body
        slugs, exact = body.get("candidates", []), None
    assert _agrees(expected, slugs, exact), body

    page = client.get("/check/", {"product": wording, "country": "KZ", "date": "2025-01-01"})
    html = page.content.decode()
    # The page answers as the API does: 200 with an answer, 400 with "did you mean" links.
    assert page.status_code == response.status_code
    for slug in slugs:
        assert f"/{slug}/" in html or f'data-slug="{slug}"' in html
    if slugs:
        assert "unknown_product" not in html


@pytest.mark.parametrize("wording", sorted(COUNTRY_WORDINGS))
def test_countries_by_code_or_name_in_the_api_the_checker_and_search(seeded, client, api, wording):
    iso2 = COUNTRY_WORDINGS[wording]
    body = api.get(CHECK, {"product": "maize", "country": wording, "date": "2025-01-01"}).json()
    assert body["country"]["iso2"] == iso2, body
    page = client.get("/check/", {"product": "maize", "country": wording}).content.decode()
    assert f'<dd data-country="{iso2}">' in page  # the page names the country in words
    assert f'data-country="{iso2}"' in client.get("/search/", {"q": wording}).content.decode()


def test_bulk_lines_give_the_same_products_and_candidates(seeded, keyed_api):
    wordings = sorted(ALL)
    checks = [{"product": w, "country": "KZ", "date": "2025-01-01"} for w in wordings]
    response = keyed_api.post(BULK, {"checks": checks}, format="json")
    assert response.status_code == 200, response.json()
    for wording, line in zip(wordings, response.json()["results"], strict=True):
        if line["ok"] and line["product"] is None:
            slugs, exact = [], None
        elif line["ok"]:
            slugs, exact = [line["product"]["slug"]], line["product"]["slug"]
        else:
            slugs, exact = line["error"].get("candidates", []), None
        assert _agrees(ALL[wording], slugs, exact), (wording, line)


@pytest.mark.skipif(bool(os.environ.get("WORDINGS_ON_SQLITE")), reason="already the SQLite run")
def test_the_same_wordings_give_the_same_answers_on_sqlite(tmp_path):
    assert connection.vendor == "postgresql"  # this run; the subprocess is the embedded mode
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'wordings.sqlite3'}", WORDINGS_ON_SQLITE="1")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-4000:]
    assert " passed" in done.stdout and "skipped" in done.stdout
