"""Template filters for the web pages: dates as precise as the sources allow, never broken across
lines (each date is a <time> element, kept whole by the stylesheet)."""

from __future__ import annotations

import datetime as dt
import re

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext

from accessions.models import instrument_phrase
from registry.dates import DaySpan, format_dated, format_days
from registry.localize import Translated, content_language, translated_text
from registry.provenance import Confidence

register = template.Library()

_ISO_DATE = re.compile(r"\b\d{4}(?:-\d{2}){0,2}\b")


def _time(match: re.Match) -> str:
    return f'<time datetime="{match.group(0)}">{match.group(0)}</time>'


@register.filter
def split_list(value: str, separator: str = ";") -> list[str]:
    """A seed list cell ("Almaty region;Zhetisu region") as its items, for a proper list."""
    return [item.strip() for item in (value or "").split(separator) if item.strip()]


@register.filter
def other_names(record) -> list[dict]:
    """A record's names in the languages other than the page's (the name shown first is the
    page's): for a result found by a name in another script, each once, with its language."""
    names = [("en", record.name_en), ("zh-Hans", record.name_zh), ("ru", record.name_ru)]
    shown = record.name
    return [{"lang": lang, "name": name} for lang, name in names if name and name != shown]


@register.filter
def confidence_label(value: str) -> str:
    """A confidence code ("medium") as the word in the page language, never the code."""
    try:
        return str(Confidence(value).label)
    except ValueError:
        return value


@register.simple_tag
def fallback_marker(shown_language: str, text_language: str | None = None) -> str:
    """A small visible "(in English)" when the value shown is not in the page's language (or in
    `text_language`, that of the text around it: an answer kept in another language): a missing
    translation is never passed off silently (issue 11)."""
    if not shown_language or shown_language == content_language(text_language):
        return ""
    words = {
        "en": gettext("in English"),
        "ru": gettext("in Russian"),
        "zh": gettext("in Chinese"),
    }.get(shown_language, shown_language)
    return format_html(
        ' <span class="lang-marker" lang="{}">({})</span>', content_language(), words
    )


def _registry_translation_marker() -> SafeString:
    return format_html(
        ' <span class="lang-marker translation-marker">({})</span>',
        gettext("the registry's translation"),
    )


@register.simple_tag
def language_marker(
    language: str, translated_by_registry: bool = False, text_language: str | None = None
) -> SafeString | str:
    """The marker beside words taken from a record (a condition in an answer, a checklist line):
    "(the registry's translation)" when the registry translated them, "(in English)" when they
    are not in the page's language (or `text_language`, an answer kept in another), nothing
    otherwise."""
    if translated_by_registry and language and language != "en":
        return _registry_translation_marker()
    return fallback_marker(language, text_language)


@register.simple_tag
def translated(record, field: str, limit: int = 0, url: str = "") -> SafeString:
    """`record.<field>` in the page's language (`<field>_zh`, `<field>_ru`; the plain field is
    English), marked "(in English)" when the translation is missing and "(the registry's
    translation)" when the registry wrote it (issue 22, registry.localize.translated_text): a
    reader always sees which text is the source's and which is ours. `limit` shortens the text
    (a table cell), never the marker; `url` makes the text a link (a citation's source URL),
    the marker beside it."""
    shown = translated_text(record, field)
    if not shown.text:
        return mark_safe("")  # noqa: S308 (an empty string)
    value = Truncator(shown.text).chars(limit) if limit else shown.text
    marker = language_marker(shown.language, shown.translated_by_registry)
    if url:
        return format_html('<a href="{}" rel="noopener noreferrer">{}</a>{}', url, value, marker)
    return format_html("{}{}", value, marker)


@register.simple_tag
def translation(record, field: str) -> Translated:
    """registry.localize.translated_text for a template that shapes the text itself (a list of
    areas): `{% translation access "pest_free_areas" as areas %}`, then its `text`, and
    `{% language_marker areas.language areas.translated_by_registry %}`."""
    return translated_text(record, field)


@register.simple_tag
def instrument(record) -> SafeString:
    """The instrument of an access entry or a legal state as one phrase (instrument_phrase: its
    kind and reference), the reference in the page's language and marked as `translated` marks
    it; the kind alone where no reference is recorded."""
    shown = translated_text(record, "instrument_ref")
    phrase = instrument_phrase(getattr(record, "instrument_kind", "") or "", shown.text)
    if not shown.text:
        return format_html("{}", phrase)
    return format_html(
        "{}{}", phrase, language_marker(shown.language, shown.translated_by_registry)
    )


@register.simple_tag
def title_translation_marker(regulation) -> SafeString:
    """ "(the registry's translation)" beside a regulation's title when the registry wrote it."""
    if getattr(regulation, "title_is_registry_translation", False):
        return _registry_translation_marker()
    return mark_safe("")  # noqa: S308 (an empty string)


_FULL_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


@register.filter
def whole_dates(value) -> SafeString:
    """Free text (a reason, a condition, a checklist line) with each full date in a <time>
    element, so the stylesheet keeps it on one line ("2019-08-15", never "2019-" / "08-15")."""
    text = str(conditional_escape(value))
    return mark_safe(_FULL_DATE.sub(_time, text))  # noqa: S308 (escaped above; digits only added)


@register.filter
def dated(value, precision: str = "") -> SafeString:
    """`{{ record.valid_from|dated:record.valid_from_precision }}` via registry.dates; the date
    itself as a <time> element ("не позднее <time>2025-09-22</time> (дата перепечатки)")."""
    text = str(conditional_escape(format_dated(value, precision or "exact")))
    return mark_safe(_ISO_DATE.sub(_time, text))  # noqa: S308 (escaped above; digits only added)


@register.filter
def days_text(span: DaySpan | None) -> str:
    """A duration between recorded dates as their precision allows (registry.dates.format_days):
    '13 days', 'between 706 and 1,071 days', 'at least 40 days'."""
    return format_days(span)


@register.filter
def iso(value) -> SafeString | str:
    """A date as YYYY-MM-DD in a <time> element; empty for no date."""
    if not isinstance(value, dt.date):
        return ""
    day = value.date() if isinstance(value, dt.datetime) else value
    return format_html('<time datetime="{0}">{0}</time>', day.isoformat())
