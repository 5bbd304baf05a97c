"""The base of every v1 view (JSON, problem+json errors, strict format negotiation, conditional
GET, exports), the schema helpers, the API-key security scheme, the docs page and the catch-all
404 in the one error shape.
"""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import exceptions, generics
from rest_framework.pagination import BasePagination
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from api.auth import API_KEY_HEADER
from api.caching import ConditionalGetMixin
from api.errors import (
    CSV_CONTENT_TYPE,
    PROBLEM_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    ParameterError,
    ProblemSerializer,
)
from api.exports import CSVRenderer, ExportMixin, StrictContentNegotiation, XLSXRenderer
from api.paging import BoundedPageNumberPagination

logger = logging.getLogger(__name__)


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "api.auth.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": API_KEY_HEADER}


PROBLEM = OpenApiResponse(ProblemSerializer, description=str(gettext_lazy("A problem (RFC 9457).")))


def problem_responses(*codes: int) -> dict:
    descriptions = {
        304: "Not modified since the ETag / date sent.",
        400: "Invalid parameter: the problem names it.",
        401: "Missing, invalid or revoked API key.",
        403: "The key may not do this (saved questions need a key with an owner account).",
        404: "No such record (for a list: no such page).",
        429: "Rate limit reached; see Retry-After.",
        503: "Unavailable for a moment (the change feed needs the primary database); retry.",
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
    """Base of every v1 view: JSON plus problem+json for errors, strict format negotiation, no
    empty query parameter (`?as_of=` is a 400 naming it: give a value or leave it out; `?=x`
    is a 400 too) and no parameter given twice (every query parameter of the API takes one value:
    `?country=KZ&country=UZ` would silently mean only the last)."""

    renderer_classes = [JSONRenderer]
    content_negotiation_class = StrictContentNegotiation

    def initial(self, request, *args, **kwargs):
        for name, values in request.query_params.lists():
            if not name.strip():
                raise ParameterError(name, _("A query parameter needs a name."))
            if any(value == "" for value in values):
                raise ParameterError(name, _("Give a value, or leave the parameter out."))
            if len(values) > 1:
                raise ParameterError(name, _("Give this parameter once: it takes one value."))
        super().initial(request, *args, **kwargs)


# Query parameters (and bulk-question fields) that name a registry record: a country, a product,
# a port, a union, an event, a regulation's jurisdiction or topic, a registration, a change-feed
# cursor. A well-formed name of a record the registry does not hold is a 400 naming the parameter,
# not an empty list: a typo must not look like "no results". No schema can list the records (they
# change with the data), so the schema marks these parameters with REFERENCE_EXTENSION and says so
# in the 400 response; schemathesis.toml and tests/api/test_schema.py read the mark.
REFERENCE_PARAMETERS = frozenset(
    {
        "country",
        "facing_country",
        "product",
        "port",
        "union",
        "event",
        "jurisdiction",
        "topic",
        "cursor",
        "registration_number",
    }
)
REFERENCE_EXTENSION = "x-registry-reference"
REFERENCE_NOTE = (
    " Names a registry record: one the registry does not hold is a 400 naming this parameter."
)
UNKNOWN_REFERENCE_400 = (
    "Invalid parameter, or a parameter naming a record the registry does not hold "
    f"(those marked `{REFERENCE_EXTENSION}`): the problem names it."
)


def _mark_reference(holder: dict) -> None:
    holder[REFERENCE_EXTENSION] = True
    holder["description"] = (holder.get("description", "") + REFERENCE_NOTE).strip()


def schema_precision(result, generator, request, public):
    """drf-spectacular post-processing: the schema says what the views check. A query parameter
    is never empty (ApiView), an enum of words is a string enum, and a parameter naming a record
    is marked as such (REFERENCE_PARAMETERS), with the 400 it may answer described."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            references = False
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter.get("in") != "query":
                    continue
                enum = schema.get("enum")
                if enum and all(isinstance(value, str) for value in enum):
                    schema["type"] = "string"
                if schema.get("type") == "string" and not enum:
                    schema["minLength"] = max(1, schema.get("minLength", 0))
                if parameter["name"] in REFERENCE_PARAMETERS:
                    _mark_reference(parameter)
                    references = True
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None:
                references |= _body_references(result, body["schema"])
            if references and "400" in operation.get("responses", {}):
                operation["responses"]["400"]["description"] = UNKNOWN_REFERENCE_400
    return result


def _body_references(result: dict, schema: dict, seen: frozenset = frozenset()) -> bool:
    """Marks the reference fields of a request body's components; True when it has any."""
    components = result.get("components", {}).get("schemas", {})
    found = False
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen or name not in components:
            return False
        return _body_references(result, components[name], seen | {name})
    for name, field in schema.get("properties", {}).items():
        if name in REFERENCE_PARAMETERS and field.get("type") == "string":
            if not field.get(REFERENCE_EXTENSION):
                _mark_reference(field)
            found = True
        else:
            found |= _body_references(result, field, seen)
    if "items" in schema:
        found |= _body_references(result, schema["items"], seen)
    return found


class ListApiView(ConditionalGetMixin, ExportMixin, ApiView, generics.ListAPIView):
    renderer_classes = [JSONRenderer, CSVRenderer, XLSXRenderer]
    pagination_class: type[BasePagination] | None = BoundedPageNumberPagination


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
            **problem_responses(304, 400, 404, 429, *extra_codes),
        },
        **kwargs,
    )


def detail_schema(serializer, **kwargs):
    return extend_schema(
        responses={200: serializer, **problem_responses(304, 400, 404, 429)}, **kwargs
    )


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

    def initial(self, request, *args, **kwargs):
        APIView.initial(self, request, *args, **kwargs)  # any query string: still a 404
        raise exceptions.NotFound(_("No such API endpoint."))

    def get(self, request, *args, **kwargs):  # pragma: no cover - initial() always raises
        raise exceptions.NotFound()

    post = put = patch = delete = head = options = get
