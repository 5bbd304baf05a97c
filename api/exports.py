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
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import FieldDoesNotExist
from django.db import connection, models
from django.db.models import F
from django.db.models.expressions import RawSQL
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer

from api.errors import CSV_CONTENT_TYPE, PROBLEM_CONTENT_TYPE, XLSX_CONTENT_TYPE, ParameterError
from registry.lists import FORMULA_TRIGGERS, neutralise
from registry.replicas import read_connection

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


# OOXML's escape of a character XML cannot keep (`_xHHHH_`, read back by registry.tabular and
# by spreadsheet programs): an XML reader turns a raw carriage return into a line feed, so a cell's
# CR is written escaped, and a literal `_xHHHH_` in the text gets its underscore escaped.
_OOXML_ESCAPE = re.compile(r"_x[0-9A-Fa-f]{4}_")


def xlsx_cell(value: Any) -> Any:
    """An export cell as an XLSX file keeps it: text reads back as it was written."""
    if type(value) is str and ("\r" in value or "_x" in value):
        return _OOXML_ESCAPE.sub(r"_x005F\g<0>", value).replace("\r", "_x000D_")
    return value


def stream_xlsx(header: list[str], rows: Iterable[list[Any]], title: str) -> Iterator[bytes]:
    """openpyxl's write-only workbook writes rows to a temporary file as they come, so memory
    stays flat; the finished file is then sent in chunks.
    """
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "export")
    sheet.append(header)
    for row in rows:
        sheet.append([xlsx_cell(value) for value in row])
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
    # The export's columns, where the JSON list's serializer is not the list's declared format
    # (registry.lists): the regulations and registrations lists keep their JSON shape for their
    # clients and export their declared columns (api.export_serializers). None: the JSON's.
    export_serializer_class: type[serializers.Serializer] | None = None
    # The fast path of a large list: its export cells read as plain column values instead of one
    # serializer call per row (the serializer still names the columns and converts dates, so the
    # file is the same; tests/api/test_exports_plain.py compares both paths). `export_paths` maps
    # a column to the ORM path of its value (a nested record to its natural key); `export_many`
    # maps a list column to (many-to-many field, the related field listed). None: serialize.
    export_paths: dict[str, str] | None = None
    export_many: dict[str, tuple[str, str]] = {}  # noqa: RUF012 (read only)
    # Columns whose cell the view computes (e.g. the access list's series of states): from the
    # serialized value (`export_value`), for a chunk of rows (`export_batch`, the Python fast
    # path) and as one SQL expression (`export_expression`, the PostgreSQL path). All three write
    # the same cell.
    export_computed: tuple[str, ...] = ()

    def export_value(self, name: str, value: Any) -> Any:
        """The cell of a computed column from its serialized value."""
        return value

    def export_batch(self, name: str, ids: Sequence[Any]) -> dict[Any, Any]:
        """The cells of a computed column for these rows (by primary key): one query."""
        raise NotImplementedError(name)

    def export_expression(self, name: str) -> Any:
        """The cell of a computed column as an SQL expression over the list's model (text)."""
        raise NotImplementedError(name)

    def list(self, request, *args, **kwargs):
        fmt = getattr(request.accepted_renderer, "format", "json")
        if fmt not in ("csv", "xlsx"):
            return super().list(request, *args, **kwargs)
        # An export has every row, but a malformed paging parameter is still a 400 (as the schema
        # says), not silently ignored.
        if (validate := getattr(self.paginator, "validate_parameters", None)) is not None:
            validate(request)
        queryset = self.filter_queryset(self.get_queryset())
        serializer_class = self.export_serializer_class or cast(
            type[serializers.Serializer], self.get_serializer_class()
        )
        context = self.get_serializer_context()
        header = list(serializer_class().fields)

        # One serializer for every row: a ModelSerializer builds its fields when first asked, so
        # a new instance per row rebuilt them all each time (~90% of an export's time).
        serializer = serializer_class(context=context)

        def rows():
            for obj in queryset.iterator(chunk_size=self.export_chunk_size):
                data = serializer.to_representation(obj)
                yield [export_cell(self.export_value(name, data.get(name))) for name in header]

        if self.export_paths is not None:
            rows = functools.partial(self._plain_rows, queryset, header, serializer)

        stamp = timezone.now().strftime("%Y%m%d")
        filename = f"{self.export_title}-{stamp}.{fmt}"
        if fmt == "csv" and self.export_paths is not None and sql_lines_supported():
            response = StreamingHttpResponse(
                stream_csv_lines(header, self._sql_lines(queryset, header)),
                content_type=f"{CSV_CONTENT_TYPE}; charset=utf-8",
            )
        elif fmt == "csv":
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
        single = [
            name
            for name in header
            if name not in self.export_many and name not in self.export_computed
        ]
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
            for name in self.export_computed:
                lists[name] = self.export_batch(name, ids)
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

    def _sql_lines(self, queryset: QuerySet, header: Sequence[str]) -> Iterator[str]:
        """The CSV lines of the export, each formatted by PostgreSQL (`csv_line_sql`): Python only
        joins them, so the export runs at a good fraction of PostgreSQL's own COPY."""
        paths = cast(dict[str, str], self.export_paths)
        model = queryset.model
        values: dict[str, Any] = {}
        kinds: dict[str, str] = {}
        for index, name in enumerate(header):
            alias = f"export_{index}"
            if name in self.export_many:
                relation, attribute = self.export_many[name]
                values[alias] = RawSQL(joined_list_sql(model, relation, attribute), [])  # noqa: S611
                kinds[alias] = "text"
            elif name in self.export_computed:
                values[alias] = self.export_expression(name)
                kinds[alias] = "text"
            else:
                values[alias] = F(paths.get(name, name))
                kinds[alias] = cell_kind(model, paths.get(name, name))
        inner, params = queryset.prefetch_related(None).values(**values).query.sql_with_params()
        # A projection of the ordered subquery: PostgreSQL keeps its order (no join, no grouping).
        sql = f"SELECT {csv_line_sql(kinds)} FROM ({inner}) AS export"  # noqa: S608 (no input)
        # On the node serving the request's reads (registry.replicas): the scope lasts until the
        # streamed body is sent.
        with read_connection().chunked_cursor() as cursor:
            cursor.execute(sql, params)
            while lines := cursor.fetchmany(self.export_chunk_size):
                yield "".join([line for (line,) in lines])


def sql_lines_supported() -> bool:
    """PostgreSQL formats the CSV lines itself when times are written in UTC (what the
    serializer's DateTimeField writes then, with a Z); elsewhere (SQLite, another time zone) the
    Python path writes them."""
    return connection.vendor == "postgresql" and timezone.get_current_timezone_name() == "UTC"


def cell_kind(model: type[models.Model], path: str) -> str:
    """How a column's value is written: 'text', 'date', 'datetime', 'bool' or 'number'."""
    field: Any = None
    for part in path.split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:  # an annotation (the access list's status on a date): text
            return "text"
        if field.is_relation:
            model = field.related_model
    if isinstance(field, models.DateTimeField):
        return "datetime"
    if isinstance(field, models.DateField):
        return "date"
    if isinstance(field, models.BooleanField):
        return "bool"
    if isinstance(field, models.IntegerField | models.AutoField | models.BigAutoField):
        return "number"
    return "text"


def joined_list_sql(model: type[models.Model], relation: str, attribute: str) -> str:
    """A correlated subquery: the related records' `attribute`, ordered and joined with '; ' (as
    `_plain` joins a list). Names from model metadata only (no input)."""
    qn = connection.ops.quote_name
    field: Any = model._meta.get_field(relation)  # a ManyToManyField
    through = field.remote_field.through._meta.db_table
    related: Any = field.related_model
    column = qn(related._meta.get_field(attribute).column)
    return (
        f"(SELECT string_agg(r.{column}, '; ' ORDER BY r.{column}) "  # noqa: S608
        f"FROM {qn(through)} l JOIN {qn(related._meta.db_table)} r "
        f"ON r.{qn(related._meta.pk.column)} = l.{qn(field.m2m_reverse_name())} "
        f"WHERE l.{qn(field.m2m_column_name())} = {qn(model._meta.db_table)}."
        f"{qn(str(model._meta.pk.column))})"
    )


def iso_datetime_sql(value: str) -> str:
    """A time as DRF writes it in UTC (ISO 8601: microseconds only when there are any, UTC as
    Z), from the SQL expression `value` (a timestamptz, not NULL)."""
    return (
        f"to_char({value} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
        f"CASE WHEN date_trunc('second', {value}) = {value} THEN '' "
        f"ELSE to_char({value} AT TIME ZONE 'UTC', '.US') END || 'Z'"
    )


# PostgreSQL's spelling of `export_cell` and csv.writer (excel dialect, QUOTE_MINIMAL) for one
# cell: a formula trigger gets its apostrophe, a cell holding a comma, quote, CR or LF is quoted
# with its quotes doubled, NULL is empty. The line ends in CRLF, as csv.writer's does.
_NEUTRALISED = (
    "(CASE WHEN left({v}, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) "
    "THEN '''' || {v} ELSE {v} END)"
)
_CELL_SQL = {
    "text": (
        "CASE WHEN {v} IS NULL THEN '' "
        "WHEN strpos({v}, ',') > 0 OR strpos({v}, '\"') > 0 OR strpos({v}, chr(13)) > 0 "
        "OR strpos({v}, chr(10)) > 0 "
        "THEN '\"' || replace(" + _NEUTRALISED + ", '\"', '\"\"') || '\"' "
        "ELSE " + _NEUTRALISED + " END"
    ),
    "number": "COALESCE({v}::text, '')",
    "bool": "CASE WHEN {v} THEN 'True' WHEN NOT {v} THEN 'False' ELSE '' END",
    "date": "COALESCE(to_char({v}, 'YYYY-MM-DD'), '')",
    "datetime": "CASE WHEN {v} IS NULL THEN '' ELSE " + iso_datetime_sql("{v}") + " END",
}


def csv_line_sql(kinds: dict[str, str]) -> str:
    """One CSV line per row of the columns named in `kinds` (alias → kind)."""
    cells = [_CELL_SQL[kind].format(v=f"export.{alias}") for alias, kind in kinds.items()]
    return "(" + ") || ',' || (".join(cells) + ") || chr(13) || chr(10)"


def stream_csv_lines(header: list[str], lines: Iterable[str]) -> Iterator[str]:
    """`stream_csv` for lines already written (by `csv_line_sql`)."""
    yield "\ufeff" + csv.writer(_Echo()).writerow(header)
    yield from lines
