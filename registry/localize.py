"""A record's text in the reader's language, with the model's fallback."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import get_language


def localized(obj: Any, field: str, language: str | None = None) -> str:
    """obj.<field>_<lang> in the active language, falling back to English, then any filled one."""
    return localized_with_language(obj, field, language)[0]


def content_language(language: str | None = None) -> str:
    """The suffix of the translated fields for a UI language: "en", "zh" or "ru"."""
    lang = (language or get_language() or "en").lower()
    return {"zh-hans": "zh", "zh": "zh", "ru": "ru"}.get(lang, "en")


def localized_with_language(obj: Any, field: str, language: str | None = None) -> tuple[str, str]:
    """`localized` and the language the value is in, so a page can mark a fallback visibly
    ("(in English)") instead of passing it off as a translation (issue 11)."""
    suffix = content_language(language)
    for candidate in (suffix, "en", "zh", "ru"):
        value = getattr(obj, f"{field}_{candidate}", "")
        if value:
            return value, candidate
    return "", suffix


def names_list(names: Iterable[str], language: str | None = None) -> str:
    """Names as a list in a sentence of the reader's language: Chinese sets them apart with the
    enumeration comma (、), the others with ", "."""
    separator = "、" if content_language(language) == "zh" else ", "
    return separator.join(names)
