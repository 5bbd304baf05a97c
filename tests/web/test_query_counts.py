"""Bounded work per page: the same number of queries with few rows and with many (pinned)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accessions.eligibility.check import MAX_STATEMENTS

# The pinned budgets: the most queries each page may make, whatever the number of rows.
PAGES = [
    ("/", 16),  # 5 of them: the latest change of each of the five countries
    ("/about/", 18),  # 4 of them: the coverage per country and category (issue 22)
    # 2 of them: index scans only for the product search's probes, set and then put back; 1 the
    # countries a query names, 1 what the resolver names exactly, ranked first (issue 24)
    ("/search/?q=maize", 22),
    ("/search/?q=&country=KZ&category=grain", 17),
    ("/regulations/", 8),
    ("/regulations/?kind=technical_regulation", 8),
    ("/ports/", 6),
    ("/accessions/", 7),
    ("/accessions/?year=2023", 7),
    ("/countries/KZ/", 8),
    ("/products/maize/", 7),
    # the engine's statements, and the form's countries, ports and product suggestions (the
    # engine's six statements of before hid one of them: the pair needs five, issue 23), and the
    # kinds the product field offers (issue 24)
    ("/check/?product=maize&country=KZ&port=khorgos", MAX_STATEMENTS + 4),
]


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(("url", "budget"), PAGES)
def test_list_page_query_count_does_not_grow_with_rows(
    client, world, more_rows, url, budget, django_assert_max_num_queries
):
    few = count_queries(client, url)
    more_rows(30, world.kz)
    with django_assert_max_num_queries(budget):
        many = count_queries(client, url)
    assert many == few


def test_dashboard_query_count_does_not_grow_with_rows(
    inspector_client, world, more_rows, frozen_today, django_assert_max_num_queries
):
    few = [count_queries(inspector_client, url) for url in ("/dashboard/", "/")]
    more_rows(30, world.kz)
    with django_assert_max_num_queries(14):  # 12 + the proposal and import counts (issue 12)
        many = [count_queries(inspector_client, "/dashboard/")]
    with django_assert_max_num_queries(25):  # the home page with what expires soon
        many.append(count_queries(inspector_client, "/"))
    assert many == few


def test_access_detail_query_count_does_not_grow_with_history(
    client, world, django_assert_max_num_queries
):
    url = f"/access/{world.maize_kz.pk}/"
    few = count_queries(client, url)
    for status in ["suspended", "in_force"] * 5:
        world.maize_kz.status = status
        world.maize_kz.save()
    # 6 + the engine's statements for the checklist and allowed ports (issue 13) + the entry's
    # series of legal states (one query); the engine's six statements of before left room for one
    # of the page's own, which its two no longer do (issue 23)
    with django_assert_max_num_queries(7 + MAX_STATEMENTS):
        many = count_queries(client, url)
    assert many == few
