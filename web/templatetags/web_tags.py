"""Template filters for the web pages: dates as precise as the sources allow."""

from __future__ import annotations

from django import template

from registry.common import format_dated

register = template.Library()


@register.filter
def dated(value, precision: str = "") -> str:
    """`{{ record.valid_from|dated:record.valid_from_precision }}` via registry.common."""
    return format_dated(value, precision or "exact")
