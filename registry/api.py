"""The public REST API v1: shared machinery (keys, limits, errors, paging, HTTP caching, exports)
and the catalogue endpoints (countries, products, ports).

- One error shape for every 4xx/5xx: RFC 9457 problem+json (`type`, `title`, `status`, `detail`,
  `code`, and `errors: [{parameter, reason}]`), produced by `problem_exception_handler`, which also
  turns DomainError and Django's ValidationError into it.
- ETag / Last-Modified come from the data version (the newest history event of every tracked
  table, one indexed query) plus the request itself, so a conditional request costs one query.
- Exports (`?format=csv` / `?format=xlsx`) stream the filtered rows in chunks.
"""

from __future__ import annotations

import base64
import binascii
import csv
import datetime as dt
import functools
import hashlib
import json
import logging
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection, models
from django.http import Http404, StreamingHttpResponse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe, quote_etag
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import exceptions, filters, generics, serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.common import DomainError, history_supported
from registry.filters import CountryFilter, PortFilter, ProductFilter
from registry.serializers import (
    CountryDetailSerializer,
    CountryListSerializer,
    PortSerializer,
    ProblemSerializer,
    ProductDetailSerializer,
    ProductListSerializer,
)

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
CSV_CONTENT_TYPE = "text/csv"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# --- Errors: one shape --------------------------------------------------------------------------


def _flatten_errors(detail: Any, prefix: str = "") -> list[dict[str, Any]]:
    """DRF's nested error detail as a flat list of {parameter, reason} (lines for bulk bodies)."""
    if isinstance(detail, dict):
        out: list[dict[str, Any]] = []
        for key, value in detail.items():
            name = str(key) if key != "non_field_errors" else ""
            if isinstance(key, int) or name.isdigit():
                path = f"{prefix}[{name}]"  # a list item (ListField reports {index: errors})
            else:
                path = f"{prefix}.{name}" if prefix and name else prefix or name
            out.extend(_flatten_errors(value, path))
        return out
    if isinstance(detail, list):
        if detail and all(isinstance(item, dict | list) for item in detail):
            out = []
            for index, item in enumerate(detail):
                if item:
                    out.extend(_flatten_errors(item, f"{prefix}[{index}]"))
            return out
        return [{"parameter": prefix, "reason": str(item)} for item in detail]
    return [{"parameter": prefix, "reason": str(detail)}]


def _add_line_numbers(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`checks[4].country` is line 5 of a bulk body: say so, so a consumer can fix its input."""
    for error in errors:
        parameter = error["parameter"]
        if parameter.startswith("checks[") and "]" in parameter:
            index = parameter[len("checks[") : parameter.index("]")]
            if index.isdigit():
                error["line"] = int(index) + 1
    return errors


_TITLES = {
    400: gettext_lazy("Bad request"),
    401: gettext_lazy("Not authenticated"),
    403: gettext_lazy("Forbidden"),
    404: gettext_lazy("Not found"),
    405: gettext_lazy("Method not allowed"),
    406: gettext_lazy("Not acceptable"),
    413: gettext_lazy("Request too large"),
    415: gettext_lazy("Unsupported media type"),
    429: gettext_lazy("Too many requests"),
    500: gettext_lazy("Server error"),
}


def problem_response(
    status_code: int,
    detail: str,
    *,
    code: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body = {
        "type": f"urn:agrifood-registry:problem:{code}",
        "title": str(_TITLES.get(status_code, _("Error"))),
        "status": status_code,
        "detail": str(detail),
        "code": code,
        "errors": errors or [],
        **extra,
    }
    response = Response(body, status=status_code, headers=headers)
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """Every error of the API in one shape (RFC 9457), DomainError and ValidationError included.

    Unexpected exceptions are logged and answered as a 500 problem, never an HTML page.
    """
    headers: dict[str, str] = {}
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, DomainError):
        extra = {k: v for k, v in exc.extra.items() if k not in {"type", "title", "status"}}
        return problem_response(
            400,
            exc.message,
            code=exc.code,
            errors=[{"parameter": extra.pop("parameter", ""), "reason": exc.message}],
            **extra,
        )
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        exc = exceptions.ValidationError(detail)
    if isinstance(exc, exceptions.APIException):
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait) + (0 if float(exc.wait).is_integer() else 1))
        if isinstance(exc, exceptions.ValidationError):
            errors = _add_line_numbers(_flatten_errors(exc.detail))
            detail = "; ".join(
                f"{e['parameter']}: {e['reason']}" if e["parameter"] else e["reason"]
                for e in errors[:5]
            )
            return problem_response(400, detail, code="invalid", errors=errors, headers=headers)
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        errors = getattr(exc, "errors", None)
        return problem_response(
            exc.status_code, str(exc.detail), code=str(code), errors=errors, headers=headers
        )
    logger.exception("Unhandled API error", exc_info=exc)
    return problem_response(500, _("The server failed to answer this request."), code="error")


class ParameterError(exceptions.ValidationError):
    """A 400 naming one query parameter."""

    def __init__(self, parameter: str, reason: str) -> None:
        super().__init__({parameter: [reason]})


# --- API keys ----------------------------------------------------------------------------------


from registry.api_auth import (  # noqa: E402  (kept apart: DRF imports them early)
    API_KEY_HEADER,
    ApiKeyAuthentication,
    ApiRateThrottle,
    HasApiKey,
)


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "registry.api_auth.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": API_KEY_HEADER}


# --- Content negotiation and exports -----------------------------------------------------------


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


def _cell(value: Any) -> Any:
    """One export cell: nested records become their natural key, lists are joined."""
    if value is None:
        return ""
    if isinstance(value, dict):
        for key in ("code", "slug", "iso2", "registration_number", "id"):
            if key in value:
                return _cell(value[key])
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, list | tuple):
        return "; ".join(str(_cell(item)) for item in value)
    if isinstance(value, bool | int | float):
        return value
    return str(value)


class _Echo:
    def write(self, value: str) -> str:
        return value


def stream_csv(header: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)  # BOM: spreadsheet programs then read UTF-8
    for row in rows:
        yield writer.writerow(row)


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


# --- Paging -----------------------------------------------------------------------------------


def _bounded_page_size(request, param: str, default: int, maximum: int) -> int:
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
        return _bounded_page_size(
            request, self.page_size_query_param, self.page_size, self.max_page_size
        )

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get(self.page_query_param, "1")
        if not raw.isdigit() or int(raw) < 1:
            raise ParameterError(self.page_query_param, _("A page is a whole number from 1."))
        return super().paginate_queryset(queryset, request, view)


class BoundedCursorPagination(CursorPagination):
    """Keyset paging: a page follows the last row seen, so inserts never shift or repeat rows."""

    page_size = 50
    max_page_size = 500
    page_size_query_param = "page_size"
    ordering = "id"

    def get_page_size(self, request):
        return _bounded_page_size(
            request, self.page_size_query_param, self.page_size, self.max_page_size
        )

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound as exc:
            raise ParameterError(self.cursor_query_param, _("The cursor is not valid.")) from exc


class StrictOrderingFilter(filters.OrderingFilter):
    """An unknown `ordering` value is a 400, not silently ignored."""

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
        return super().get_ordering(request, queryset, view)


# --- HTTP caching -----------------------------------------------------------------------------

_UNTRACKED_TABLES = (
    "registry.ProductAlias",
    "registry.Union",
    "registry.ReportedFigure",
    "regulations.Topic",
    "accessions.DiplomaticEvent",
)


def _event_models() -> list[type[models.Model]]:
    from pghistory.models import Event

    return [
        model
        for model in apps.get_models()
        if issubclass(model, Event) and not model._meta.proxy and not model._meta.abstract
    ]


def _through_tables() -> list[type[models.Model]]:
    """Auto-created many-to-many tables of tracked models (allowed ports, registration products,
    regulation topics): pghistory does not track them."""
    tracked = {m.pgh_tracked_model for m in _event_models()}
    return [
        field.remote_field.through
        for model in tracked
        for field in model._meta.local_many_to_many
        if field.remote_field.through._meta.auto_created
    ]


@functools.cache
def _data_version_sql() -> str:
    """One row per table, each an index-only probe; all in one statement.

    Tracked tables: the newest history event (id and time). Small untracked tables: row count and
    highest id. Many-to-many tables (possibly large): highest id, so a link added is seen; a link
    removed without touching its record is not (the admin and services save the record too).
    """
    # Table names come from model metadata (quoted), never from input: no injection possible.
    qn = connection.ops.quote_name
    parts = []
    for index, model in enumerate(_event_models()):
        parts.append(
            f"(SELECT {index}, pgh_id, pgh_created_at FROM {qn(model._meta.db_table)} "  # noqa: S608
            f"ORDER BY pgh_id DESC LIMIT 1)"
        )
    offset = len(parts)
    for index, label in enumerate(_UNTRACKED_TABLES, start=offset):
        table = qn(apps.get_model(label)._meta.db_table)
        parts.append(
            f"(SELECT {index}, COUNT(*) * 4294967296 + COALESCE(MAX(id), 0), "  # noqa: S608
            f"NULL::timestamptz FROM {table})"
        )
    offset = len(parts)
    for index, through in enumerate(_through_tables(), start=offset):
        table = qn(through._meta.db_table)
        parts.append(f"(SELECT {index}, MAX(id), NULL::timestamptz FROM {table})")  # noqa: S608
    return " UNION ALL ".join(parts)


_SNAPSHOT_SQL = "SELECT pg_current_snapshot()::text, txid_current_if_assigned() IS NULL"
_VERSION_BY_SNAPSHOT: dict[str, tuple[str, dt.datetime | None]] = {}
_VERSION_MEMO_SIZE = 512


def data_version() -> tuple[str, dt.datetime | None]:
    """The registry's data version and when it last changed (pghistory triggers record every write
    to a tracked table, raw SQL included).

    First a probe of the current MVCC snapshot (as cheap as a primary-key lookup): two equal
    snapshots see exactly the same committed data, so a version already computed under this
    snapshot is reused and the request costs that one query. Only after a write has committed
    anywhere (or inside a transaction that has itself written) does the full version query run.
    """
    with connection.cursor() as cursor:
        cursor.execute(_SNAPSHOT_SQL)
        snapshot, clean = cursor.fetchone()
        if clean and snapshot in _VERSION_BY_SNAPSHOT:
            return _VERSION_BY_SNAPSHOT[snapshot]
        cursor.execute(_data_version_sql())
        rows = cursor.fetchall()
    version = ",".join(f"{index}:{value}" for index, value, _stamp in sorted(rows))
    stamps = [stamp for _index, _value, stamp in rows if stamp is not None]
    result = version, max(stamps) if stamps else None
    if clean:
        # Stored under the probe's snapshot: if a write committed between the two statements,
        # that snapshot can never be seen again (its xmax only grows), so nothing stale is served.
        if len(_VERSION_BY_SNAPSHOT) >= _VERSION_MEMO_SIZE:
            _VERSION_BY_SNAPSHOT.clear()
        _VERSION_BY_SNAPSHOT[snapshot] = result
    return result


class ConditionalGetMixin:
    """ETag and Last-Modified from the data version plus the request (path, parameters, format,
    language and today's date, since answers without `as_of` mean "today"); a matching
    If-None-Match or If-Modified-Since gets 304 for the price of one query.
    History (and so the version) exists on PostgreSQL only; the embedded SQLite mode sends none.
    """

    cache_privately = False

    def _validators(self, request) -> tuple[str, dt.datetime | None] | None:
        if not history_supported():
            return None
        version, last_modified = data_version()
        params = sorted(request.query_params.lists())
        basis = json.dumps(
            [
                version,
                request.path,
                params,
                getattr(request, "accepted_media_type", ""),
                get_language(),
                timezone.localdate().isoformat(),
            ],
            default=str,
        )
        etag = quote_etag(hashlib.sha256(basis.encode()).hexdigest()[:32])
        return etag, last_modified

    @staticmethod
    def _not_modified(request, etag: str, last_modified: dt.datetime | None) -> bool:
        if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
        if if_none_match:
            tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
            return "*" in tags or etag in tags
        ims = request.META.get("HTTP_IF_MODIFIED_SINCE")
        if ims and last_modified is not None:
            since = parse_http_date_safe(ims)
            return since is not None and int(last_modified.timestamp()) <= since
        return False

    def _decorate(self, response, etag: str, last_modified: dt.datetime | None):
        response["ETag"] = etag
        if last_modified is not None:
            response["Last-Modified"] = http_date(last_modified.timestamp())
        response["Cache-Control"] = (
            "private, no-cache" if self.cache_privately else "public, max-age=0, must-revalidate"
        )
        patch_vary_headers(response, ("Accept", "Accept-Language"))
        return response

    def get(self, request, *args, **kwargs):
        validators = self._validators(request)
        if validators and self._not_modified(request, *validators):
            return self._decorate(Response(status=status.HTTP_304_NOT_MODIFIED), *validators)
        self.conditional_validators = validators
        response = super().get(request, *args, **kwargs)
        if validators and response.status_code == 200:
            self._decorate(response, *validators)
        return response


# --- Base views -------------------------------------------------------------------------------

PROBLEM = OpenApiResponse(ProblemSerializer, description=str(gettext_lazy("A problem (RFC 9457).")))


def problem_responses(*codes: int) -> dict:
    descriptions = {
        304: "Not modified since the ETag / date sent.",
        400: "Invalid parameter: the problem names it.",
        401: "Missing, invalid or revoked API key.",
        404: "No such record.",
        429: "Rate limit reached; see Retry-After.",
    }
    responses: dict = {}
    for code in codes:
        if code == 304:
            responses[304] = OpenApiResponse(description=descriptions[304])
            continue
        responses[(code, PROBLEM_CONTENT_TYPE)] = OpenApiResponse(
            ProblemSerializer, description=descriptions.get(code, "A problem (RFC 9457).")
        )
    return responses


FORMAT_PARAMETER = OpenApiParameter(
    "format",
    str,
    enum=["json", "csv", "xlsx"],
    description="json (default), or an export of every filtered row as CSV or XLSX (streamed).",
)


class ApiView(APIView):
    """Base of every v1 view: JSON plus problem+json for errors, strict format negotiation."""

    renderer_classes = [JSONRenderer]
    content_negotiation_class = StrictContentNegotiation


class ExportMixin:
    """`?format=csv|xlsx` on a list: every row that the filters select, streamed in chunks."""

    export_chunk_size = 2000
    export_title = "export"

    def list(self, request, *args, **kwargs):
        fmt = getattr(request.accepted_renderer, "format", "json")
        if fmt not in ("csv", "xlsx"):
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset())
        serializer_class = self.get_serializer_class()
        context = self.get_serializer_context()
        header = list(serializer_class().fields)

        def rows():
            for obj in queryset.iterator(chunk_size=self.export_chunk_size):
                data = serializer_class(obj, context=context).data
                yield [_cell(data.get(name)) for name in header]

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


class ListApiView(ConditionalGetMixin, ExportMixin, ApiView, generics.ListAPIView):
    renderer_classes = [JSONRenderer, CSVRenderer, XLSXRenderer]
    pagination_class = BoundedPageNumberPagination


class DetailApiView(ConditionalGetMixin, ApiView, generics.RetrieveAPIView):
    pass


def list_schema(serializer, *, extra_codes: tuple[int, ...] = (), **kwargs):
    """The schema of a list endpoint: JSON page, CSV and XLSX exports, the problem responses."""
    return extend_schema(
        parameters=[FORMAT_PARAMETER, *kwargs.pop("parameters", [])],
        responses={
            (200, "application/json"): serializer,
            (200, CSV_CONTENT_TYPE): OpenApiTypes.STR,
            (200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY,
            **problem_responses(304, 400, 429, *extra_codes),
        },
        **kwargs,
    )


def detail_schema(serializer, **kwargs):
    return extend_schema(
        responses={200: serializer, **problem_responses(304, 400, 404, 429)}, **kwargs
    )


# --- Catalogue endpoints ------------------------------------------------------------------------


@extend_schema_view(get=list_schema(CountryListSerializer(many=True), summary="Countries"))
class CountryListView(ListApiView):
    """Exporting countries with their union memberships (dated; binding or not)."""

    serializer_class = CountryListSerializer
    filterset_class = CountryFilter
    export_title = "countries"

    def get_queryset(self):
        from registry.selectors import country_api_list

        return country_api_list()


@extend_schema_view(get=detail_schema(CountryDetailSerializer, summary="A country"))
class CountryDetailView(DetailApiView):
    serializer_class = CountryDetailSerializer
    lookup_field = "iso2"
    lookup_url_kwarg = "iso2"

    def get_object(self):
        self.kwargs["iso2"] = self.kwargs["iso2"].upper()
        return super().get_object()

    def get_queryset(self):
        from registry.selectors import country_api_list

        return country_api_list()


@extend_schema_view(get=list_schema(ProductListSerializer(many=True), summary="Products"))
class ProductListView(ListApiView):
    """Product kinds as GACC lists them; `q` searches names in three languages and aliases."""

    serializer_class = ProductListSerializer
    filterset_class = ProductFilter
    export_title = "products"

    def get_queryset(self):
        from registry.selectors import product_api_list

        return product_api_list()


@extend_schema_view(get=detail_schema(ProductDetailSerializer, summary="A product"))
class ProductDetailView(DetailApiView):
    serializer_class = ProductDetailSerializer
    lookup_field = "slug"

    def get_queryset(self):
        from registry.selectors import product_api_list

        return product_api_list()


@extend_schema_view(get=list_schema(PortSerializer(many=True), summary="Ports of entry"))
class PortListView(ListApiView):
    """China's ports of entry facing Central Asia: modes, working hours, designated sites."""

    serializer_class = PortSerializer
    filterset_class = PortFilter
    export_title = "ports"

    def get_queryset(self):
        from registry.selectors import port_api_list

        return port_api_list()


@extend_schema(exclude=True)
class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI from the vendored drf-spectacular-sidecar assets; its start-up script is served
    as a file, so scripts stay same-origin only. Swagger UI sets inline styles, so this page (and
    only this page) allows them."""

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = (
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
            "frame-ancestors 'none'"
        )
        return response


@extend_schema(exclude=True)
class NotFoundView(ApiView):
    """Unknown paths under /api/v1/ answer in the one error shape too."""

    authentication_classes: list = []
    throttle_classes: list = []

    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise exceptions.NotFound(_("No such API endpoint."))

    def get(self, request, *args, **kwargs):  # pragma: no cover - initial() always raises
        raise exceptions.NotFound()

    post = put = patch = delete = head = options = get


def encode_cursor(payload: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload, default=str).encode()).decode().rstrip("=")


def decode_cursor(token: str) -> list[Any] | None:
    try:
        padded = token + "=" * (-len(token) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    return value if isinstance(value, list) else None


__all__ = [
    "ApiKeyAuthentication",
    "ApiRateThrottle",
    "BoundedCursorPagination",
    "HasApiKey",
    "ParameterError",
    "problem_exception_handler",
    "serializers",
]
