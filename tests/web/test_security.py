"""CSP without 'unsafe-inline', no inline scripts or styles, CSRF on every form, keyboard use."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

URLS = [
    "/",
    "/search/?q=maize",
    "/check/?product=maize&country=KZ",
    "/countries/KZ/",
    "/products/maize/",
    "/regulations/",
    "/ports/",
    "/ports/khorgos/",
    "/accessions/",
    "/dashboard/",
]


@pytest.fixture
def pages(inspector_client, world):
    def fetch(url):
        return inspector_client.get(url)

    return fetch


@pytest.mark.parametrize("url", URLS)
def test_every_page_sends_a_csp_without_unsafe_inline(pages, url):
    policy = pages(url)["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


@pytest.mark.parametrize("url", URLS)
def test_pages_have_no_inline_script_style_or_handlers(pages, url):
    body = pages(url).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body)
    assert "<style" not in body
    assert not re.search(r"\sstyle=", body)
    assert not re.search(r"\son[a-z]+=", body)


@pytest.mark.parametrize("url", URLS)
def test_every_post_form_carries_a_csrf_token(pages, url):
    body = pages(url).content.decode()
    forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", body, flags=re.S)
    assert forms  # at least the language switcher
    for form in forms:
        assert 'name="csrfmiddlewaretoken"' in form


def test_language_switch_without_csrf_token_is_refused(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    assert response.status_code == 403


@pytest.mark.parametrize("url", URLS)
def test_skip_link_and_main_landmark(pages, url):
    body = pages(url).content.decode()
    assert '<a class="skip-link" href="#main">' in body
    assert '<main id="main"' in body


def test_stylesheet_has_visible_focus_and_tablet_layout():
    with open(finders.find("css/site.css"), encoding="utf-8") as handle:
        css = handle.read()
    assert ":focus-visible" in css
    assert "@media (max-width: 48rem)" in css


def test_every_form_field_is_labelled(client, world):
    body = client.get("/check/").content.decode() + client.get("/search/?q=x").content.decode()
    ids = re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', body)
    assert ids
    for field_id in ids:
        assert f'for="{field_id}"' in body, field_id


def test_static_assets_are_served_by_the_app(client, world, live_server):
    from urllib.request import urlopen

    with urlopen(f"{live_server.url}/static/css/site.css") as response:  # noqa: S310
        assert response.status == 200
        assert b":focus-visible" in response.read()
