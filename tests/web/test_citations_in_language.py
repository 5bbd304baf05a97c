"""Issue 22, item 3: "the pages in zh and ru show no English content except names that have none".
Every public page that shows a citation (a record's source, an instrument's reference, a port's
green-channel source) or an access entry's treatment shows it in the page's language, marked
"(the registry's translation)". Before: /access/<KZ beef>/ in Chinese cited "Xinjiang Daily
2019-08-21 … (repost news.jsnol.com)" and the checker's answer "GACC & MARA joint announcement
2024 No.20" in English.

The seeded citations kept unchanged (names only: "agrosektor.kz", "today.az (Trend) 2019-04-28")
are names that have no other language, and may appear as they are.
"""

from __future__ import annotations

import csv
import html
import re

import pytest
from django.urls import reverse

from accessions.models import AccessCondition, MarketAccess
from accessions.seeding import CITATIONS_FILE, SEEDS_DIR
from registry.models import Country, HsHeading, Port, Product
from regulations.models import Regulation

pytestmark = pytest.mark.django_db

LANGUAGES = {"zh-hans": ("zh", "(本登记库的译文)"), "ru": ("ru", "(перевод реестра)")}
# Seeded pairs asked on the checker (an entry with a dated condition and a joint announcement,
# one with a treatment, one with its GACC number and a treatment), on a day each is in force.
CHECKED = [
    ("beef", "KZ", "2025-06-01"),
    ("feed-barley-powder", "KZ", "2025-06-01"),
    ("fresh-sweet-cherries", "UZ", "2025-06-01"),
    ("peanuts", "UZ", "2025-06-01"),
]


def _english_texts(suffix: str) -> list[str]:
    """The seeded citations whose text in the language differs from the English (and does not
    hold it whole: "Доклад USDA GAIN RS1382 (docslib.org)"), and the treatments and pest-free
    areas the entries keep."""
    with (SEEDS_DIR / CITATIONS_FILE).open(encoding="utf-8", newline="") as handle:
        texts = [
            row["text"]
            for row in csv.DictReader(handle)
            if row["text"] not in row[f"text_{suffix}"]
        ]
    for access in MarketAccess.objects.all():
        texts += [text for text in (access.treatment, access.pest_free_areas) if text]
    # The dated conditions' texts too, where they are kept in the language (the changes page
    # showed them in English).
    texts += [
        condition.text
        for condition in AccessCondition.objects.all()
        if getattr(condition, f"text_{suffix}")
        and condition.text not in getattr(condition, f"text_{suffix}")
    ]
    return texts


def _public_urls() -> list[str]:
    urls = [reverse("home"), reverse("about"), reverse("regulation-list"), reverse("port-list")]
    urls += [reverse("accession-list"), reverse("hs-tree")]
    urls += [
        reverse("access-detail", args=[pk])
        for pk in MarketAccess.objects.values_list("pk", flat=True)
    ]
    urls += [
        reverse("country-detail", args=[c]) for c in Country.objects.values_list("iso2", flat=True)
    ]
    urls += [reverse("port-detail", args=[c]) for c in Port.objects.values_list("code", flat=True)]
    urls += [
        reverse("product-detail", args=[s]) for s in Product.objects.values_list("slug", flat=True)
    ]
    urls += [
        reverse("regulation-detail", args=[pk])
        for pk in Regulation.objects.values_list("pk", flat=True)
    ]
    urls += [
        reverse("hs-node", args=[code]) for code in HsHeading.objects.values_list("code", flat=True)
    ]
    urls += [
        f"{reverse('check')}?product={product}&country={country}&date={on}"
        for product, country, on in CHECKED
    ]
    # What changed in law over the registry's whole span: each change names its instrument.
    urls.append(f"{reverse('changes-between')}?from=2013-01-01&to=2026-12-31")
    return urls


def _text(body: bytes) -> str:
    """The page's words: tags off, entities read, spaces collapsed."""
    words = re.sub(r"<[^>]+>", " ", body.decode())
    return re.sub(r"\s+", " ", html.unescape(words))


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_seeded_citation_or_treatment_is_shown_in_english(client, seeded, language):
    suffix, ours = LANGUAGES[language]
    english = _english_texts(suffix)
    assert len(english) > 100
    urls = _public_urls()
    assert len(urls) > 150
    client.cookies["django_language"] = language
    found = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = _text(response.content)
        found += [(url, shown) for shown in english if shown in text]
    assert not found, "\n".join(f"{url}: {shown}" for url, shown in found)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_citation_is_shown_in_the_pages_language_and_marked(client, seeded, language):
    """KZ beef: its source, the instrument of its dated condition and of its restored state."""
    suffix, ours = LANGUAGES[language]
    access = MarketAccess.objects.get(country__iso2="KZ", product__slug="beef")
    condition = access.dated_conditions.get(kind="origin_area")
    restored = access.states.get(kind="restored")
    client.cookies["django_language"] = language
    text = _text(client.get(reverse("access-detail", args=[access.pk])).content)
    for record, field in ((access, "source"), (condition, "instrument_ref"), (restored, "source")):
        translated = getattr(record, f"{field}_{suffix}")
        assert translated and f"{translated} {ours}" in text, (field, translated)
    # The restored state's instrument names its kind once (the reference says it already).
    label = {"zh": "联合公告", "ru": "совместное объявление"}[suffix]
    instrument = getattr(restored, f"instrument_ref_{suffix}")
    assert label in instrument.lower() and f"{label} {instrument}" not in text.lower()


def test_the_english_page_shows_the_citations_unmarked(client, seeded):
    access = MarketAccess.objects.get(country__iso2="KZ", product__slug="beef")
    client.cookies["django_language"] = "en"
    text = _text(client.get(reverse("access-detail", args=[access.pk])).content)
    assert access.source in text
    assert f"{access.source} (" not in text  # no marker beside it
