"""Content negotiation and exports: `?format=csv|xlsx` on every list streams all the rows its
filters select (CSV through a writer that never buffers, XLSX through openpyxl's write-only mode).
"""

from __future__ import annotations

import builtins
import csv
import functools
import itertools
import json
import logging
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, cast

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer

from api.errors import CSV_CONTENT_TYPE, PROBLEM_CONTENT_TYPE, XLSX_CONTENT_TYPE, ParameterError

logger = logging.getLogger(__name__)


class CSVRenderer(BaseRenderer):
    media_type = CSV_CONTENT_TYPE
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        # Exports never go through a renderer (they stream); errors arrive here as problems.
        return json.dumps(data, default=str).encode()


class XLSXRenderer(BaseRenderer):
    media_type = XLSX_CONTENT_TYPE
    format = "xlsx"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return json.dumps(data, default=str).encode()


class ProblemJSONRenderer(JSONRenderer):
    media_type = PROBLEM_CONTENT_TYPE
    format = "problem"


class StrictContentNegotiation(DefaultContentNegotiation):
    """An unknown `?format=` is a 400 naming the parameter (DRF would answer 404)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        fmt = format_suffix or request.query_params.get("format")
        if fmt and not any(r.format == fmt for r in renderers):
            choices = ", ".join(r.format for r in renderers if r.format != "problem")
            raise ParameterError(
                "format",
                _("Unknown format '%(f)s'; choose one of: %(c)s.") % {"f": fmt, "c": choices},
            )
        return super().select_renderer(request, renderers, format_suffix)


# A spreadsheet program reads a cell starting with one of these as a formula (OWASP, "CSV
# Injection"): such text is exported with a leading apostrophe, which shows it as plain text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Text that a spreadsheet would run as a formula, made inert (a leading apostrophe)."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def export_cell(value: Any) -> Any:
    """One export cell: nested records become their natural key, lists are joined, and text is
    never a formula (numbers stay numbers)."""
    kind = type(value)
    if kind is str:  # the common cells first (an export calls this once per cell)
        return "'" + value if value.startswith(FORMULA_TRIGGERS) else value
    if value is None:
        return ""
    if kind is int or kind is bool:
        return value
    return neutralise(value) if isinstance(value := _plain(value), str) else value


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dict):
        for key in ("code", "slug", "iso2", "registration_number", "id"):
            if key in value:
                return _plain(value[key])
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, list | tuple):
        return "; ".join(str(_plain(item)) for item in value)
    if isinstance(value, bool | int | float):
        return value
    return str(value)


class _Echo:
    def write(self, value: str) -> str:
        return value


def stream_csv(header: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)  # BOM: spreadsheet programs then read UTF-8
    # Rows leave in chunks of a few hundred: one chunk per row cost a response write each.
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, 500)):
        yield "".join(writer.writerow(row) for row in chunk)


def stream_xlsx(header: list[str], rows: Iterable[list[Any]], title: str) -> Iterator[bytes]:
    """openpyxl's write-only workbook writes rows to a temporary file as they come, so memory
    stays flat; the finished file is then sent in chunks.
    """
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "export")
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    with tempfile.TemporaryFile() as handle:
        workbook.save(handle)
        handle.seek(0)
        while chunk := handle.read(64 * 1024):
            yield chunk


if TYPE_CHECKING:
    from django.db.models import QuerySet
    from rest_framework.generics import ListAPIView

    _ListView = ListAPIView
else:
    _ListView = object


class ExportMixin(_ListView):
    """`?format=csv|xlsx` on a list: every row that the filters select, streamed in chunks."""

    export_chunk_size = 2000
    export_title = "export"
    # The fast path of a large list: its export cells read as plain column values instead of one
    # serializer call per row (the serializer still names the columns and converts dates, so the
    # file is the same; tests/api/test_exports_plain.py compares both paths). `export_paths` maps
    # a column to the ORM path of its value (a nested record to its natural key); `export_many`
    # maps a list column to (many-to-many field, the related field listed). None: serialize.
    export_paths: dict[str, str] | None = None
    export_many: dict[str, tuple[str, str]] = {}  # noqa: RUF012 (read only)

    def list(self, request, *args, **kwargs):
        fmt = getattr(request.accepted_renderer, "format", "json")
        if fmt not in ("csv", "xlsx"):
            return super().list(request, *args, **kwargs)
        # An export has every row, but a malformed paging parameter is still a 400 (as the schema
        # says), not silently ignored.
        if (validate := getattr(self.paginator, "validate_parameters", None)) is not None:
            validate(request)
        queryset = self.filter_queryset(self.get_queryset())
        serializer_class = cast(type[serializers.Serializer], self.get_serializer_class())
        context = self.get_serializer_context()
        header = list(serializer_class().fields)

        # One serializer for every row: a ModelSerializer builds its fields when first asked, so
        # a new instance per row rebuilt them all each time (~90% of an export's time).
        serializer = serializer_class(context=context)

        def rows():
            for obj in queryset.iterator(chunk_size=self.export_chunk_size):
                data = serializer.to_representation(obj)
                yield [export_cell(data.get(name)) for name in header]

        if self.export_paths is not None:
            rows = functools.partial(self._plain_rows, queryset, header, serializer)

        stamp = timezone.now().strftime("%Y%m%d")
        filename = f"{self.export_title}-{stamp}.{fmt}"
        if fmt == "csv":
            response = StreamingHttpResponse(
                stream_csv(header, rows()), content_type=f"{CSV_CONTENT_TYPE}; charset=utf-8"
            )
        else:
            response = StreamingHttpResponse(
                stream_xlsx(header, rows(), self.export_title), content_type=XLSX_CONTENT_TYPE
            )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def _plain_rows(
        self, queryset: QuerySet, header: Sequence[str], serializer: serializers.Serializer
    ) -> Iterator[Sequence[Any]]:
        """The export's rows from plain column values, one query per chunk for each list column
        (as a prefetch would), dates converted by the serializer's own fields."""
        paths = cast(dict[str, str], self.export_paths)
        fields = serializer.fields
        single = [name for name in header if name not in self.export_many]
        convert = {
            name: fields[name].to_representation
            for name in single
            if isinstance(fields[name], serializers.DateField | serializers.DateTimeField)
        }
        values = (
            queryset.prefetch_related(None)
            .values_list("pk", *(paths.get(name, name) for name in single))
            .iterator(chunk_size=self.export_chunk_size)
        )
        model = queryset.model
        while batch := list(itertools.islice(values, self.export_chunk_size)):
            ids = [row[0] for row in batch]
            lists: dict[str, dict[Any, list[Any]]] = {}
            for name, (relation, attribute) in self.export_many.items():
                lists[name] = {pk: [] for pk in ids}
                related = f"{relation}__{attribute}"
                pairs = model._default_manager.filter(pk__in=ids, **{f"{related}__isnull": False})
                for pk, item in pairs.order_by(related).values_list("pk", related):
                    lists[name][pk].append(item)
            for row in batch:
                cells = dict(zip(single, row[1:], strict=True))
                out: builtins.list[Any] = []
                for name in header:
                    if name in lists:
                        value: Any = lists[name][row[0]]
                    else:
                        value = cells[name]
                        if name in convert and value is not None:
                            value = convert[name](value)
                    out.append(export_cell(value))
                yield out
