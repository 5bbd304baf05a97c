"""The eligibility checker page: verdicts, reasons, provenance, permalink and bad input."""

import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.staticfiles import finders

from tests import factories as f


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def verdict(response) -> str:
    match = re.search(r'data-verdict="([a-z_]+)"', response.content.decode())
    return match.group(1) if match else ""


def test_empty_checker_shows_the_form_with_product_suggestions(client, world):
    response = client.get("/check/")
    page = text(response)
    assert response.status_code == 200
    assert 'list="product-suggestions"' in page
    assert '<datalist id="product-suggestions">' in page
    # A suggestion is the product's name, which the checker resolves, never its slug (issue 24).
    assert f'<option value="{world.maize.name_en}">' in page
    assert '<option value="maize">' not in page
    assert 'for="id_product"' in page  # labelled fields
    assert "data-verdict" not in page


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"product": "maize", "country": "KZ"}, "eligible_with_conditions"),
        # Grain enters only through designated grain sites, which the registry does not record.
        ({"product": "wheat", "country": "KZ"}, "eligible_with_conditions"),
        ({"product": "wheat", "country": "TJ"}, "not_recorded"),
        ({"product": "chilled-beef", "country": "KZ", "port": "khorgos"}, "not_eligible"),
        ({"product": "chilled-beef", "country": "KZ", "port": "alashankou"}, "eligible"),
        ({"product": "玉米", "country": "kz"}, "eligible_with_conditions"),
        ({"product": "Кукуруза", "country": "KZ"}, "eligible_with_conditions"),
        ({"product": "100590", "country": "KZ"}, "eligible_with_conditions"),
        ({"product": "maize", "country": "KZ", "date": "2020-01-01"}, "not_eligible"),
    ],
)
def test_checker_verdicts(client, world, params, expected):
    response = client.get("/check/", params)
    assert response.status_code == 200
    assert verdict(response) == expected


def test_checker_shows_every_reason_condition_regulation_port_and_provenance(client, world):
    page = text(client.get("/check/", {"product": "maize", "country": "KZ", "date": "2024-06-01"}))
    assert "Eligible with conditions" in page
    assert 'data-code="access_in_force"' in page
    assert 'data-code="registered_establishment_required"' in page
    assert "For processing only." in page  # the treatment condition
    assert "TR CU 015/2011" in page  # applicable regulation (EAEU binds KZ)
    assert "Khorgos" in page and "Alashankou" in page  # allowed ports
    assert "test fixture" in page and "illustrative" in page  # provenance
    assert '<time datetime="2024-06-01">' in page  # as-of date


def test_port_not_designated_is_explained(client, world):
    page = text(
        client.get("/check/", {"product": "chilled-beef", "country": "KZ", "port": "khorgos"})
    )
    assert 'data-code="port_not_designated"' in page
    assert "Khorgos is not designated for this product." in page


def test_permalink_pins_the_date_and_reproduces_the_answer(client, world, frozen_today):
    response = client.get("/check/", {"product": "maize", "country": "KZ"})
    href = re.search(r'class="permalink" href="([^"]+)"', response.content.decode()).group(1)
    query = parse_qs(urlparse(href.replace("&amp;", "&")).query)
    assert query["date"] == [frozen_today.isoformat()]
    assert query["product"] == ["maize"] and query["country"] == ["KZ"]
    again = client.get(href.replace("&amp;", "&"))
    assert verdict(again) == verdict(response) == "eligible_with_conditions"


def test_checker_has_a_print_stylesheet(client, world):
    page = text(client.get("/check/", {"product": "maize", "country": "KZ"}))
    assert 'href="/static/css/print.css" media="print"' in page
    assert 'class="check-form no-print"' in page
    with open(finders.find("css/print.css"), encoding="utf-8") as handle:
        css = handle.read()
    assert "@media print" in css
    assert ".check-form" in css and "display: none" in css


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"product": "maize", "country": "KZ", "date": "2024-13-45"}, "date", "Enter a valid date"),
        ({"product": "maize", "country": "KZ", "date": "yesterday"}, "date", "Enter a valid date"),
        ({"product": "maize", "country": "ZZ"}, "country", "Select a valid choice"),
        ({"product": "maize", "country": "<script>"}, "country", "Select a valid choice"),
        ({"product": "maize", "country": "KZ", "port": "nowhere"}, "port", "Select a valid choice"),
        ({"product": "", "country": "KZ"}, "product", "This field is required"),
        ({"product": "x" * 1000, "country": "KZ"}, "product", "at most 200 characters"),
    ],
)
def test_bad_input_is_a_form_error_not_a_500(client, world, params, field, message):
    response = client.get("/check/", params)
    assert response.status_code == 400  # like search and the lists
    page = text(response)
    assert message in page
    assert f'id="id_{field}_error"' in page
    assert "data-verdict" not in page
    assert "<script>" not in page


def test_unknown_product_gives_unknown_verdict_with_reason(client, world):
    response = client.get("/check/", {"product": "unobtainium'; DROP TABLE x;--", "country": "KZ"})
    assert response.status_code == 200
    assert verdict(response) == "unknown"
    assert 'data-code="unknown_product"' in text(response)
    assert "DROP TABLE x;--" in text(response)  # echoed, escaped
    assert "unobtainium&#x27;;" in text(response)


def test_unknown_establishment_is_not_eligible_with_reason(client, world):
    response = client.get(
        "/check/", {"product": "maize", "country": "KZ", "establishment": "CKAZ99999999999999"}
    )
    assert verdict(response) == "not_eligible"
    assert 'data-code="establishment_not_registered"' in text(response)


def test_registered_establishment_is_shown(client, world, frozen_today):
    response = client.get(
        "/check/", {"product": "maize", "country": "KZ", "establishment": "ckaz01012201019901"}
    )
    assert verdict(response) == "eligible_with_conditions"  # the treatment is still a condition
    assert 'data-code="establishment_registered"' in text(response)
    assert 'data-code="registered_establishment_required"' not in text(response)
    assert "Illustrative Establishment" in text(response)


def test_ambiguous_product_lists_the_candidates_as_a_suggestion(client, world):
    other = f.ProductFactory(slug="maize-for-feed", name_en="Maize for feed", hs_code="100590")
    f.MarketAccessFactory(product=other, country=world.kz)
    response = client.get("/check/", {"product": "100590", "country": "KZ"})
    page = text(response)
    assert response.status_code == 400
    # A suggestion, not an error of the form (issue 24).
    assert "can mean more than one product" in page and 'role="alert"' not in text(response)
    html = response.content.decode()
    # "Did you mean": each candidate a link that reruns the check with it.
    assert 'data-slug="maize"' in html and 'data-slug="maize-for-feed"' in html
    assert "product=maize-for-feed" in html and "country=KZ" in html
    assert "data-verdict" not in page


def test_illustrative_answer_is_visibly_flagged(client, world):
    page = text(client.get("/check/", {"product": "wheat", "country": "KZ"}))
    assert "Part of this answer rests on illustrative demo data" in page


@pytest.mark.parametrize("words", ["Kazakhstan", "казахстан", "哈萨克斯坦", "KAZ", "kz"])
def test_the_checker_takes_a_country_by_code_or_name(client, world, words):
    page = text(client.get("/check/", {"product": "maize", "country": words}))
    assert "data-verdict" in page and "Kazakhstan (KZ)" in page


def test_close_words_give_did_you_mean_links_not_unknown_product(client, world):
    response = client.get("/check/", {"product": "mazie", "country": "KZ"})
    html = response.content.decode()
    assert 'data-slug="maize"' in html and "product=maize" in html
    assert "unknown_product" not in html


def test_dates_in_reasons_and_checklist_are_kept_whole(client, world):
    """A reason or checklist line that names a day shows it as one <time> element (the stylesheet
    keeps it on one line): at 360 px "2019-08-15" once broke into "2019-" and "08-15"."""
    page = text(client.get("/check/", {"product": "maize", "country": "KZ"}))
    reasons = re.search(r'<ul class="reasons">(.*?)</ul>', page).group(1)
    dates = re.findall(r"\d{4}-\d{2}-\d{2}", re.sub(r'datetime="[^"]*"', "", reasons))
    assert dates, reasons  # the access reason names the day access began
    for day in dates:
        assert f'<time datetime="{day}">{day}</time>' in reasons
