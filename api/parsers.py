"""The API's JSON body parser: a nesting limit, so a hostile body is a 400, never a RecursionError.

Kept apart from the views because DRF imports its default parser classes while
rest_framework.views itself is being imported.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.parsers import JSONParser

# The bulk body is {"checks": [{...}]}: three levels. Anything far deeper is not a real client.
MAX_JSON_DEPTH = 20


def json_depth_exceeds(data: Any, limit: int) -> bool:
    """Whether parsed JSON nests deeper than `limit` (iterative: no recursion to exhaust)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return True
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class BoundedJSONParser(JSONParser):
    """JSON with at most MAX_JSON_DEPTH levels of nesting (settings.API_MAX_JSON_DEPTH)."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = getattr(settings, "API_MAX_JSON_DEPTH", MAX_JSON_DEPTH)
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise exceptions.ParseError(_("The JSON body is nested too deeply.")) from exc
        if json_depth_exceeds(data, limit):
            raise exceptions.ParseError(
                _("The JSON body is nested too deeply (at most %(limit)s levels).")
                % {"limit": limit}
            )
        return data
