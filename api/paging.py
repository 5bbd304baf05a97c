"""Paging and ordering of the API's lists: bounded page sizes, keyset (cursor) paging, and an
ordering that refuses unknown fields; opaque cursors of the change feed.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions, filters
from rest_framework.pagination import CursorPagination, PageNumberPagination

from api.errors import ParameterError

logger = logging.getLogger(__name__)


def bounded_paging_schema(parameters: list[dict], maximum: int) -> list[dict]:
    """The paging parameters as the pagination checks them: page ≥ 1, 1 ≤ page_size ≤ maximum."""
    for parameter in parameters:
        schema = parameter.setdefault("schema", {})
        if parameter["name"] == "page_size":
            schema.update(type="integer", minimum=1, maximum=maximum)
        elif parameter["name"] == "page":
            schema.update(type="integer", minimum=1)
    return parameters


def bounded_page_size(request, param: str, default: int, maximum: int) -> int:
    raw = request.query_params.get(param)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= maximum:
        raise ParameterError(
            param, _("Page size must be a whole number from 1 to %(max)d.") % {"max": maximum}
        )
    return value


class BoundedPageNumberPagination(PageNumberPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"

    def get_page_size(self, request):
        return bounded_page_size(
            request, self.page_size_query_param, self.page_size, self.max_page_size
        )

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        return bounded_paging_schema(parameters, self.max_page_size)

    def validate_parameters(self, request) -> None:
        """The paging parameters are checked even where they do not apply (an export)."""
        self.get_page_size(request)
        raw = request.query_params.get(self.page_query_param, "1")
        if not raw.isdigit() or int(raw) < 1:
            raise ParameterError(self.page_query_param, _("A page is a whole number from 1."))

    def paginate_queryset(self, queryset, request, view=None):
        self.validate_parameters(request)
        return super().paginate_queryset(queryset, request, view)


class BoundedCursorPagination(CursorPagination):
    """Keyset paging: a page follows the last row seen, so inserts never shift or repeat rows."""

    page_size = 50
    max_page_size = 500
    page_size_query_param = "page_size"
    ordering = "id"

    def get_page_size(self, request):
        return bounded_page_size(
            request, self.page_size_query_param, self.page_size, self.max_page_size
        )

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        return bounded_paging_schema(parameters, self.max_page_size)

    def validate_parameters(self, request) -> None:
        self.get_page_size(request)

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound as exc:
            raise ParameterError(self.cursor_query_param, _("The cursor is not valid.")) from exc


class StrictOrderingFilter(filters.OrderingFilter):
    """An unknown `ordering` value is a 400, not silently ignored. A view that names its
    `ordering_unique_field` gets it added last when the ordering lacks it: rows equal in the
    ordering asked then come in one order, so a cursor's offset among them is exact."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params:
            fields = [param.strip() for param in params.split(",") if param.strip()]
            valid = {
                name for name, _label in self.get_valid_fields(queryset, view, {"request": request})
            }
            bad = [f for f in fields if f.lstrip("-") not in valid]
            if bad or not fields:
                raise ParameterError(
                    self.ordering_param,
                    _("Unknown ordering '%(bad)s'; choose from: %(valid)s.")
                    % {"bad": ", ".join(bad), "valid": ", ".join(sorted(valid))},
                )
        ordering = super().get_ordering(request, queryset, view)
        unique = getattr(view, "ordering_unique_field", None)
        if ordering and unique and all(term.lstrip("-") != unique for term in ordering):
            ordering = [*ordering, unique]
        return ordering


def encode_cursor(payload: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload, default=str).encode()).decode().rstrip("=")


def decode_cursor(token: str) -> list[Any] | None:
    try:
        padded = token + "=" * (-len(token) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    return value if isinstance(value, list) else None
