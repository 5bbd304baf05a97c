"""A record's text in the reader's language, with the model's fallback."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Translated:
    """A record's words as a reader is shown them: the text, the language it is in ("en", "zh",
    "ru") and whether it is a translation the registry wrote itself (not an official one)."""

    text: str
    language: str
    translated_by_registry: bool = False


def translated_text(record: Any, field: str, language: str | None = None) -> Translated:
    """`<field>` of a record that keeps its words in three languages (issue 22): the plain field
    is the English, `<field>_zh` and `<field>_ru` the translations, and `translated_by_registry`
    names the languages ("zh ru") whose text the registry translated. The reader's language when
    there is a translation, else the English, and which of the two it is, so a page or an answer
    can say "(the registry's translation)" or "(in English)" beside it. `record` is a model or a
    mapping (a row read as JSON)."""

    def value(name: str) -> str:
        found = record.get(name) if isinstance(record, Mapping) else getattr(record, name, "")
        return found or ""

    suffix = content_language(language)
    text = value(f"{field}_{suffix}") if suffix != "en" else ""
    if text:
        return Translated(text, suffix, suffix in value("translated_by_registry").split())
    return Translated(value(field), "en")


def names_list(names: Iterable[str], language: str | None = None) -> str:
    """Names as a list in a sentence of the reader's language: Chinese sets them apart with the
    enumeration comma (、), the others with ", "."""
    separator = "、" if content_language(language) == "zh" else ", "
    return separator.join(names)
