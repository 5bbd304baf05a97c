"""Rules every seed row's citation keeps (issue 22), used by the seed loader and its tests.

A source URL is a well-formed http(s) address and never a page known to carry injected spam or to
imitate another site (the audit of December 2026 found these; a fact only such a page supports is
cited as a bibliographic reference with low confidence, the address in the internal note). A
citation that rests on a repost or a mirror is never rated high.
"""

from __future__ import annotations

from urllib.parse import urlsplit

# Pages with injected spam or look-alikes of other sites (seeds/README.md, "Links").
SPAM_MIRRORS = (
    "whdesign.cn",
    "kssdfs.com",
    "zbchuanghe.com",
    "sqrdapp.com",
    "cctv1204.com",
    "www28g.com",
    "wuwenjie.xyz",
    "ljiljak.com",
    "xjdql.cn",
)
# Wording that says a citation rests on a copy, not on the issuing body's own page.
COPY_WORDS = ("repost", "mirror", "copy of", "copies")


def source_url_problem(url: str) -> str | None:
    """Why `url` cannot be a source address, or None (an empty cell is allowed here)."""
    url = url.strip()
    if not url:
        return None
    if any(ch.isspace() for ch in url):
        return "source_url contains spaces"
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return f"source_url {url!r} is not a well-formed http(s) address"
    if parts.scheme not in {"http", "https"} or "." not in host:
        return f"source_url {url!r} is not a well-formed http(s) address"
    if any(host == spam or host.endswith("." + spam) for spam in SPAM_MIRRORS):
        return f"source_url {url!r} is a known spam-injected mirror ({host})"
    return None


def rests_on_a_copy(*, source: str, precision: str = "") -> bool:
    """True when the citation itself says it is a repost or a mirror (or its date is a repost's)."""
    lowered = source.lower()
    return precision == "repost" or any(word in lowered for word in COPY_WORDS)


# Columns a seed file may leave out (read as empty): the public note came later than the files
# other branches still add rows to (issue 11); the other two languages came with issue 22 and sit
# at the end of the headers.
OPTIONAL_COLUMNS = frozenset(
    {
        "public_note",
        "title_original_language",
        # Issue 22: the other two languages, added at the end of the files' headers.
        "title_translated_by_registry",
        "conditions_zh",
        "conditions_ru",
        "treatment_zh",
        "treatment_ru",
        "pest_free_areas_zh",
        "pest_free_areas_ru",
        "public_note_zh",
        "public_note_ru",
        "text_zh",
        "text_ru",
        "translated_by_registry",
    }
)
TRANSLATED_ACCESS = (
    "treatment_zh treatment_ru pest_free_areas_zh pest_free_areas_ru "
    "conditions_zh conditions_ru public_note_zh public_note_ru translated_by_registry"
)
TRANSLATED_CONDITION = "text_zh text_ru public_note_zh public_note_ru translated_by_registry"
# The public note in the other two languages, on the other records that carry one (ports and their
# regimes and sites, reported figures, regulations, legal states, accessions).
TRANSLATED_NOTE = "public_note_zh public_note_ru translated_by_registry"
