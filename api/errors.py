"""The API's one error shape: RFC 9457 problem+json (`type`, `title`, `status`, `detail`, `code`,
`errors: [{parameter, reason, line?}]`) for every 4xx/5xx, DomainError and Django's
ValidationError included.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from registry.errors import DomainError

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
CSV_CONTENT_TYPE = "text/csv"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ProblemErrorSerializer(serializers.Serializer):
    parameter = serializers.CharField(
        help_text="The parameter or body field (`checks[3].country`)."
    )
    reason = serializers.CharField()
    line = serializers.IntegerField(required=False, help_text="Bulk bodies: the 1-based line.")


class SuggestionSerializer(serializers.Serializer):
    slug = serializers.CharField(help_text="The product's slug, to ask again with.")
    name = serializers.CharField(help_text="The product's name in the language asked for.")
    kind = serializers.CharField(
        allow_blank=True, help_text="The covered kind meant, by its name ('' for the product)."
    )
    reason = serializers.CharField(
        allow_blank=True,
        help_text="Why it matched: name, plural, hs_code, hs_heading, kind, dried_form, typo, "
        "words, contains, related.",
    )


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details, the one shape of every 4xx/5xx answer."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField(
        help_text="Stable machine-readable code, e.g. `ambiguous_product`."
    )
    # A declared field shadows Serializer.errors only in the stubs: the metaclass takes it off.
    errors = ProblemErrorSerializer(many=True)  # type: ignore[assignment]
    candidates = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="ambiguous_product: the slugs of the products the identifier matches.",
    )
    suggestions = SuggestionSerializer(
        many=True,
        required=False,
        help_text="ambiguous_product, product_not_found: the candidates with their names in the "
        "language asked for (and the covered kind meant, if any).",
    )


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
    if isinstance(exc, RequestDataTooBig):
        return problem_response(
            413,
            _("The request body is larger than the %(limit)s bytes this API accepts.")
            % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE},
            code="too_large",
        )
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
        messages = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        exc = exceptions.ValidationError(messages)
    if isinstance(exc, exceptions.APIException):
        if auth_header := getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = auth_header
        if wait := getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(wait) + (0 if float(wait).is_integer() else 1))
        if isinstance(exc, exceptions.ValidationError):
            errors = _add_line_numbers(_flatten_errors(exc.detail))
            detail = "; ".join(
                f"{e['parameter']}: {e['reason']}" if e["parameter"] else e["reason"]
                for e in errors[:5]
            )
            return problem_response(400, detail, code="invalid", errors=errors, headers=headers)
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        listed = getattr(exc, "errors", None)
        return problem_response(
            exc.status_code, str(exc.detail), code=str(code), errors=listed, headers=headers
        )
    logger.exception("Unhandled API error", exc_info=exc)
    return problem_response(500, _("The server failed to answer this request."), code="error")


class ParameterError(exceptions.ValidationError):
    """A 400 naming one query parameter."""

    def __init__(self, parameter: str, reason: str) -> None:
        super().__init__({parameter: [reason]})
