"""Every HTML page through its URL: content, provenance, 404s and permissions."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client

from tests import factories as f


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def visible(response) -> str:
    """The page's text without tags, as a reader sees it."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/", "Reported and recorded"),
        ("/search/", "Type a product name"),
        ("/check/", "May this product enter China?"),
        ("/countries/KZ/", "Access list"),
        ("/countries/kz/", "Kazakhstan"),
        ("/products/maize/", "Which countries may export it"),
        ("/regulations/", "TR CU 015/2011"),
        ("/ports/", "Khorgos"),
        ("/ports/alashankou/", "Designated supervision sites"),
        ("/accessions/?year=2023", "China–Central Asia Summit"),
    ],
)
def test_page_renders_its_content(client, world, url, expected):
    response = client.get(url)
    assert response.status_code == 200
    assert expected in text(response)


@pytest.mark.parametrize(
    "url",
    [
        "/countries/ZZ/",
        "/products/no-such-product/",
        "/access/999999/",
        "/regulations/999999/",
        "/ports/no-such-port/",
    ],
)
def test_unknown_record_is_a_404_page(client, world, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "Not found" in text(response)


def test_about_shows_reported_beside_recorded_with_source_and_confidence(client, world):
    page = visible(client.get("/about/"))
    # 4 access entries in force on the figure's date (maize, wheat, corn meal, beef from KZ).
    assert "96 reported" in page
    assert "4 recorded (on 2024-01-23)" in page
    assert "Urumqi Customs press conference" in page
    assert "confidence: medium" in page
    assert "Sources are thin" in page
    # 12 new accessions reported for 2023 against the one recorded.
    assert re.search(r"12 reported .*?1 recorded .*?\(in 2023\)", page)
    assert "2 illustrative" in page  # the two registrations are factory (illustrative) data


def test_about_recorded_counts_follow_the_database(client, world):
    f.MarketAccessFactory(product=f.ProductFactory(), country=world.uz)
    page = text(client.get("/about/"))
    assert "5 recorded" in page


def test_about_counts_on_the_figures_date_not_today(client, world):
    """An entry in force only from after the figure's date is not counted against it."""
    f.MarketAccessFactory(
        product=f.ProductFactory(), country=world.uz, valid_from=dt.date(2024, 6, 1)
    )
    assert "4 recorded (on 2024-01-23)" in visible(client.get("/about/"))


def test_home_opens_with_search_and_check_then_a_card_per_country(client, world):
    page = visible(client.get("/"))
    assert page.index("Search products") < page.index("By country")
    assert page.index("Check whether a product may enter") < page.index("By country")
    for name in ("Kazakhstan", "Tajikistan", "Uzbekistan"):
        assert name in page
    assert "Recorded in the registry on" not in page  # the full tables are on the About page
    # The one line: the figure beside the count on the figure's own date, linking to About.
    assert re.search(
        r"96 reported for 2023 \(Urumqi Customs press conference\); 4 recorded "
        r"here on 2024-01-23",
        page,
    )
    assert 'href="/about/"' in client.get("/").content.decode()


def test_home_lists_recent_accessions(client, world):
    page = text(client.get("/"))
    assert "Recent accessions" in page
    assert f'href="/access/{world.maize_kz.pk}/"' in page


def test_home_shows_expiring_registrations_only_to_inspectors(
    inspector_client, world, frozen_today
):
    assert "Expiring soon" not in text(Client().get("/"))
    page = text(inspector_client.get("/"))
    assert "Expiring soon" in page
    assert "CKAZ01012201019901" in page


def test_access_detail_shows_status_instrument_ports_regulations_and_provenance(client, world):
    world.beef_kz.allowed_ports.set([world.alashankou])
    page = text(client.get(f"/access/{world.beef_kz.pk}/"))
    assert "in force" in page
    assert world.beef_kz.instrument_ref in page
    assert "Alashankou" in page
    assert "Source:" in page and "test fixture" in page
    assert "illustrative" in page


def test_access_detail_shows_stage_timeline_with_dates(client, world):
    page = text(client.get(f"/access/{world.maize_kz.pk}/"))
    assert "2023-05-19" in page and "protocol" in page
    assert "TR CU 015/2011" in page  # the EAEU regulation binds KZ


def test_access_detail_history_timeline(client, world):
    access = world.maize_kz
    access.status = "suspended"
    access.save()
    page = text(client.get(f"/access/{access.pk}/"))
    if connection.vendor == "postgresql":
        assert "created" in page
        assert "changed" in page
        assert "in force → suspended" in page
    else:
        assert "History is recorded on PostgreSQL" in page


def test_access_history_lists_a_change_to_any_declared_column(client, world):
    """The page's history reads the access list's declaration: a changed source address or
    Russian conditions are listed like the status (they were not before)."""
    if connection.vendor != "postgresql":
        pytest.skip("history is recorded by PostgreSQL triggers")
    access = world.maize_kz
    access.source_url = "https://example.org/announcement-2"
    access.conditions_ru = "Только для переработки."
    access.save()
    page = text(client.get(f"/access/{access.pk}/"))
    assert "https://example.org/announcement-2" in page
    assert "Только для переработки." in page


def test_country_page_groups_access_by_category_and_lists_union_regulations(client, world):
    page = text(client.get("/countries/KZ/"))
    assert "<h3>Grain</h3>" in page and "<h3>Meat</h3>" in page  # capitalised (issue 11)
    assert "TR CU 015/2011" in page
    assert "its acts bind the country" in page
    assert "Khorgos" in page and "Alashankou" in page


def test_country_without_access_says_sources_found_none(client, world):
    page = text(client.get("/countries/TJ/"))
    assert "No access entry is recorded for this country" in page
    assert "TR CU 015/2011" not in page  # Tajikistan is not an EAEU member


def test_product_page_lists_exporting_countries_and_regulations(client, world):
    page = text(client.get("/products/maize/"))
    assert "Kazakhstan" in page
    assert "For processing only." in page
    assert "TR CU 015/2011" in page
    assert "grain corn" in page  # aliases


def test_regulation_detail_shows_scope_and_supersession_chain(client, world):
    page = text(client.get(f"/regulations/{world.regulation.pk}/"))
    assert "superseded by" in page and "TR EAEU 999/2030" in page
    assert "Maize (corn)" in page
    successor = world.regulation.superseded_by
    assert "Replaces:" in text(client.get(f"/regulations/{successor.pk}/"))


@pytest.mark.parametrize(
    ("query", "present", "absent"),
    [
        ("jurisdiction=EAEU", "TR CU 015/2011", None),
        ("jurisdiction=TJ", None, "TR CU 015/2011"),
        ("kind=technical_regulation&status=in_force", "TR CU 015/2011", None),
        ("kind=standard", None, "TR CU 015/2011"),
    ],
)
def test_regulation_library_filters(client, world, query, present, absent):
    response = client.get(f"/regulations/?{query}")
    assert response.status_code == 200
    if present:
        assert present in text(response)
    if absent:
        assert absent not in text(response)


@pytest.mark.parametrize(
    "url",
    [
        "/regulations/?kind=nonsense",
        "/ports/?site=nonsense",
        "/accessions/?year=abc",
        "/accessions/?country=ZZ",
        "/regulations/?topic=%3Cscript%3E",
    ],
)
def test_invalid_filter_is_a_400_with_a_form_error(client, world, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "Some filters are not valid" in text(response)
    assert "<script>" not in response.content.decode()


def test_port_pages_show_dated_working_hours_green_channel_and_sites(client, world):
    page = text(client.get("/ports/"))
    assert "7 days × 24 hours" in page
    assert 'since <time datetime="2020">2020</time> (year only)' in page  # kept whole
    page = text(client.get("/ports/khorgos/"))
    assert "7 days × 24 hours" in page
    assert "Sources are thin" in page  # the regime's confidence is medium
    assert "No designated site is recorded" in page


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [("site=meat", "Alashankou", "Khorgos"), ("mode=rail", "Alashankou", "Khorgos")],
)
def test_port_list_filters(client, world, query, shown, hidden):
    page = text(client.get(f"/ports/?{query}"))
    assert shown in page
    assert f">{hidden}</a>" not in page


def test_accession_list_filters_by_year(client, world):
    assert "Maize (corn)" in text(client.get("/accessions/?year=2023"))
    assert "Maize (corn)" not in text(client.get("/accessions/?year=2019"))


def test_dashboard_redirects_anonymous_to_login(client, world):
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert "/login/" in response["Location"] and "next=/dashboard/" in response["Location"]


def test_dashboard_forbidden_to_signed_in_non_inspector(client, world, django_user_model):
    client.force_login(django_user_model.objects.create_user("trader", password="x-123456789"))
    response = client.get("/dashboard/")
    assert response.status_code == 403


def test_staff_status_alone_does_not_open_the_dashboard(client, world, django_user_model):
    """Staff status only opens the admin; the inspector role opens the dashboard."""
    client.force_login(
        django_user_model.objects.create_user("staff", password="x-123456789", is_staff=True)
    )
    assert client.get("/dashboard/").status_code == 403


def test_dashboard_allowed_to_an_inspector_without_staff_status(inspector_client, world):
    assert inspector_client.get("/dashboard/").status_code == 200


def test_dashboard_shows_renewal_windows_expired_and_charts(inspector_client, world, frozen_today):
    page = text(inspector_client.get("/dashboard/"))
    assert "CKAZ01012201019901" in page  # window opens 2025-03-20, within 30 days
    assert "2025-03-20" in page
    assert "≤ 30 days" in page
    assert "CKAZ01012201019902" in page  # expired 2025-01-31
    assert page.count("<svg") == 2
    assert 'class="series-0"' in page


def test_dashboard_includes_the_alerts_partial(
    inspector_client, world, frozen_today, settings, tmp_path
):
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "_alerts.html").write_text("<p>ALERTS-PARTIAL</p>")
    template_dirs = [tmp_path, *settings.TEMPLATES[0]["DIRS"]]
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": template_dirs}]
    assert "ALERTS-PARTIAL" in text(inspector_client.get("/dashboard/"))


def test_access_history_names_who_changed_it(client, world, django_user_model):
    from registry.history import history_context

    if connection.vendor != "postgresql":
        pytest.skip("history is recorded by PostgreSQL triggers")
    editor = django_user_model.objects.create_user("editor-anna", password="x-123456789")
    with history_context(user=editor.pk, reason="announcement withdrawn"):
        world.maize_kz.status = "revoked"
        world.maize_kz.save()
    page = text(client.get(f"/access/{world.maize_kz.pk}/"))
    assert "by editor-anna" in page
    assert "announcement withdrawn" in page
    assert "in force → revoked" in page


def test_the_menu_offers_the_dashboard_only_to_whom_roles_allow_it(
    client, inspector_client, world, django_user_model
):
    from django.contrib.auth.models import Group

    from accounts.roles import roles_ensure

    roles_ensure()
    trader = django_user_model.objects.create_user("trader-menu", password="pw-1234567890")
    trader.groups.add(Group.objects.get(name="trader"))
    dashboard_link = 'href="/dashboard/"'
    assert dashboard_link in inspector_client.get("/").content.decode()
    client.force_login(trader)
    assert dashboard_link not in client.get("/search/").content.decode()
    assert client.get("/dashboard/").status_code == 403


def test_the_menu_links_about_api_docs_and_subscriptions_for_who_may_open_them(
    client, world, django_user_model
):
    from django.contrib.auth.models import Group

    from accounts.roles import roles_ensure

    page = client.get("/search/").content.decode()
    assert 'href="/about/"' in page and 'href="/api/v1/docs/"' in page
    assert 'href="/accounts/subscriptions/"' not in page  # a visitor may not subscribe
    assert 'rel="icon"' in page
    roles_ensure()
    trader = django_user_model.objects.create_user("trader-subs", password="pw-1234567890")
    trader.groups.add(Group.objects.get(name="trader"))
    client.force_login(trader)
    page = client.get("/search/").content.decode()
    assert 'href="/accounts/subscriptions/"' in page
    assert client.get("/accounts/subscriptions/").status_code == 200


@pytest.mark.parametrize("url", ["/ports/", "/regulations/", "/accessions/", "/search/?q=maize"])
def test_filter_selects_offer_any_once_and_no_dashes(client, world, url):
    body = client.get(url).content.decode()
    assert "---------" not in body
    for select in re.findall(r"<select name=\"(?!language)[^>]*>.*?</select>", body, re.S):
        assert len(re.findall(r'<option value=""', select)) == 1, select[:200]
