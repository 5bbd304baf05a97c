"""Paging and ordering of the API's lists: bounded page sizes, keyset (cursor) paging, and an
ordering that refuses unknown fields; opaque cursors of the change feed.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
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
    ordering: str | tuple[str, ...] = "id"

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
            raise self.invalid_cursor() from exc

    def invalid_cursor(self) -> ParameterError:
        return ParameterError(self.cursor_query_param, _("The cursor is not valid."))

    def paginate_rows(
        self,
        request,
        view,
        fetch: Callable[..., list[dict[str, Any]]],
        position_of: Callable[[str, str], Any],
        queryset: QuerySet,
    ) -> list[dict[str, Any]]:
        """DRF's `paginate_queryset` (the same page, the same `next` and `previous` cursors) for
        a page read by hand: `fetch(ordering=, keyset=, offset=, limit=)` returns the rows in
        `ordering` after the cursor's position (`keyset`: '>' or '<' and the typed position,
        None on a first page), skipping `offset`; `position_of(field, text)` types a cursor's
        position (ValueError or ValidationError: the cursor is a 400, not a failed query); the
        `queryset` (of the list's model) is the ordering filter's. The ordering is read first,
        as the list's ordering filter reads it before paging. Each row holds the value of the
        first ordering field under its name (its cursor position, written with `str`)."""
        self.request = request
        ordering: tuple[str, ...] = self.get_ordering(request, queryset, view)
        self.ordering = ordering
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.cursor = self.decode_cursor(request)
        offset, reverse = (0, False) if self.cursor is None else self.cursor[:2]
        current: str | None = None if self.cursor is None else self.cursor.position  # type: ignore[assignment]  # text (the stubs say int)
        field = ordering[0].lstrip("-")
        keyset = None
        if current is not None:
            try:
                position = position_of(field, current)
            except (ValueError, DjangoValidationError) as exc:
                raise self.invalid_cursor() from exc
            # (cursor reversed) XOR (ordering descending): before the position, else after it
            keyset = ("<" if reverse != ordering[0].startswith("-") else ">", position)
        results = fetch(
            ordering=[_reversed(term) for term in ordering] if reverse else ordering,
            keyset=keyset,
            offset=offset,
            limit=self.page_size + 1,
        )
        page = results[: self.page_size]
        following = str(results[-1][field]) if len(results) > len(page) else None
        if reverse:
            page.reverse()
            self.has_next = current is not None or offset > 0
            self.has_previous = following is not None
            self.next_position, self.previous_position = current, following
        else:
            self.has_next = following is not None
            self.has_previous = current is not None or offset > 0
            self.next_position, self.previous_position = following, current
        self.page = page
        return page


def _reversed(term: str) -> str:
    return term[1:] if term.startswith("-") else f"-{term}"


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
