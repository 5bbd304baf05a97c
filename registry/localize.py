"""A record's text in the reader's language, with the model's fallback; and, for a batch of
thousands of answers in one language, that language and its translations read once
(`language_held`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Choices
from django.utils.translation import get_language
from django.utils.translation import gettext as django_gettext


@dataclass
class _Held:
    language: str | None
    words: dict[str, str] = field(default_factory=dict)
    labels: dict[tuple[type[Choices], str, str], str] = field(default_factory=dict)


_HELD: ContextVar[_Held | None] = ContextVar("registry_language_held", default=None)


@contextmanager
def language_held() -> Iterator[None]:
    """Within it, the active language is read once and each message translated once (`gettext`,
    `content_language`): answering 1,000 questions asked Django for the active language ~20,000
    times, a third of the batch's time (issue 23). Nothing inside may switch the language
    (translation.override): wrap the override, never the other way round. Nested holds share
    the outer one."""
    if _HELD.get() is not None:
        yield
        return
    token = _HELD.set(_Held(get_language()))
    try:
        yield
    finally:
        _HELD.reset(token)


def gettext(message: str) -> str:
    """django.utils.translation.gettext, each message translated once inside `language_held`."""
    held = _HELD.get()
    if held is None:
        return django_gettext(message)
    try:
        return held.words[message]
    except KeyError:
        held.words[message] = found = django_gettext(message)
        return found


def choice_label(choices: type[Choices], value: str, default: str = "") -> str:
    """The label of `value` among `choices` in the reader's language (`default` for a value not
    among them), each label rendered once inside `language_held`."""
    held = _HELD.get()
    key = (choices, value, default)
    if held is not None and key in held.labels:
        return held.labels[key]
    label = str(dict(choices.choices).get(value, default))
    if held is not None:
        held.labels[key] = label
    return label


def localized(obj: Any, field: str, language: str | None = None) -> str:
    """obj.<field>_<lang> in the active language, falling back to English, then any filled one."""
    return localized_with_language(obj, field, language)[0]


def content_language(language: str | None = None) -> str:
    """The suffix of the translated fields for a UI language: "en", "zh" or "ru"."""
    if not language:
        held = _HELD.get()
        language = held.language if held is not None else get_language()
    lang = (language or "en").lower()
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


# Fields that hold a citation (a record's source, an instrument's reference, a port's green-channel
# source): their `_zh` and `_ru` are always the registry's own translation of the English
# (seeds/citation_translations.csv), never an official one; one kept unchanged (a citation of
# names only: sites, publications, codes, dates) is no translation at all.
CITATION_FIELDS = frozenset({"source", "instrument_ref", "green_channel_source"})


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
    mapping (a row read as JSON). A citation (CITATION_FIELDS) is always the registry's
    translation where it differs from the English, whatever `translated_by_registry` says (it
    describes the record's notes and conditions)."""

    def value(name: str) -> str:
        found = record.get(name) if isinstance(record, Mapping) else getattr(record, name, "")
        return found or ""

    suffix = content_language(language)
    text = value(f"{field}_{suffix}") if suffix != "en" else ""
    if text and field in CITATION_FIELDS:
        return Translated(text, suffix, text != value(field))
    if text:
        return Translated(text, suffix, suffix in value("translated_by_registry").split())
    return Translated(value(field), "en")


def names_list(names: Iterable[str], language: str | None = None) -> str:
    """Names as a list in a sentence of the reader's language: Chinese sets them apart with the
    enumeration comma (、), the others with ", "."""
    separator = "、" if content_language(language) == "zh" else ", "
    return separator.join(names)
