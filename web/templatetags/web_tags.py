"""Template filters for the web pages: dates as precise as the sources allow."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext

from registry.common import Confidence, content_language, format_dated

register = template.Library()


@register.filter
def dated(value, precision: str = "") -> str:
    """`{{ record.valid_from|dated:record.valid_from_precision }}` via registry.common."""
    return format_dated(value, precision or "exact")


@register.filter
def split_list(value: str, separator: str = ";") -> list[str]:
    """A seed list cell ("Almaty region;Zhetisu region") as its items, for a proper list."""
    return [item.strip() for item in (value or "").split(separator) if item.strip()]


@register.filter
def confidence_label(value: str) -> str:
    """A confidence code ("medium") as the word in the page language, never the code."""
    try:
        return str(Confidence(value).label)
    except ValueError:
        return value


@register.simple_tag
def fallback_marker(shown_language: str) -> str:
    """A small visible "(in English)" when the value shown is not in the page's language: a
    missing translation is never passed off silently (issue 11)."""
    if not shown_language or shown_language == content_language():
        return ""
    words = {
        "en": gettext("in English"),
        "ru": gettext("in Russian"),
        "zh": gettext("in Chinese"),
    }.get(shown_language, shown_language)
    return format_html(
        ' <span class="lang-marker" lang="{}">({})</span>', content_language(), words
    )
