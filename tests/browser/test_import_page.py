"""The import page as an inspector sees it in Chromium, in the three languages at 360 and 1280
px: the limits and each list's columns are there, nothing scrolls sideways, and a file with faults
shows each fault with its row, column and value. Screenshots go to artifacts/."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from accounts.services import account_create
from tests.factories import CountryFactory, ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)

WORDS = {
    "en": "The columns of each list",
    "zh-hans": "各清单的列",
    "ru": "Столбцы каждого списка",
}


@pytest.fixture
def inspector_cookie(live_server):
    user = account_create(
        username="b-inspector", email="bi@example.org", password="pw-browser-1", role="inspector"
    )
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("language", ["en", "zh-hans", "ru"])
def test_the_import_page_documents_the_columns_without_sideways_scroll(
    browser, live_server, inspector_cookie, artifacts_dir, language, width
):
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_cookies(
        [
            {"name": "django_language", "value": language, "url": live_server.url},
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": inspector_cookie,
                "url": live_server.url,
            },
        ]
    )
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/proposals/import/", wait_until="load")
        assert WORDS[language] in page.content()
        assert page.locator("#columns-access tbody tr, #columns-access ~ div tbody tr").count()
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        page.screenshot(
            path=str(artifacts_dir / f"import-page-{language}-{width}.png"), full_page=True
        )
        page.locator("#columns-access + p + div").screenshot(
            path=str(artifacts_dir / f"import-columns-{language}-{width}.png")
        )
        assert scroll <= inner
    finally:
        context.close()


def test_a_file_with_faults_shows_each_with_its_row_column_and_value(
    browser, live_server, inspector_cookie, artifacts_dir, tmp_path
):
    CountryFactory(iso2="KZ", iso3="KAZ")
    ProductFactory(slug="maize")
    path = tmp_path / "list.csv"
    path.write_text(
        "product,country,status,instrument_kind,valid_from\n"
        "maize,KZ,flying,announcement,2023-13-01\n"
        "nosuch,KZ,in_force,announcement,\n"
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": inspector_cookie,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/proposals/import/", wait_until="load")
        page.set_input_files("#file", str(path))
        page.fill("#source", "GACC list (test)")
        page.click("button[value=dry_run]")
        page.wait_for_load_state("load")
        cells = page.locator("table.faults tbody tr").all_inner_texts()
        page.screenshot(path=str(artifacts_dir / "import-faults-en-1280.png"), full_page=True)
        rows = [" ".join(text.split()) for text in cells]
        assert any(r.startswith("2 status “flying”") for r in rows), rows
        assert any(r.startswith("2 valid_from “2023-13-01”") for r in rows), rows
        assert any(r.startswith("3 product “nosuch”") for r in rows), rows
    finally:
        context.close()
