"""API v1: the eligibility question, one at a time (answers cached per data version); many at
once: api.eligibility_bulk."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import replace
from typing import cast

from django.http import HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.http import quote_etag
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from accessions.eligibility.answer import (
    EligibilityAnswer,
    EligibilityQuestion,
)
from accessions.eligibility.check import check_eligibility, check_eligibility_batch
from accessions.windows import Window, window_starts
from api import answer_cache
from api.auth import ApiRateThrottle, anonymous_client, has_api_key
from api.base import (
    ApiView,
    problem_responses,
)
from api.caching import (
    ConditionalGetMixin,
    answer_cache_get,
    answer_cache_key,
    answer_cache_set,
    conditional_headers,
)
from api.eligibility_answer import (
    EligibilityAnswerSerializer,
    render_answer,
)
from api.text import NOT_BLANK_PATTERN, is_blank, strip_blank
from registry.selectors.countries import country_resolve


class StrictRegexField(serializers.RegexField):
    """Text only: DRF would take the number 0 as "0", which the schema refuses. A code (`exact`)
    is taken as written: trimming would turn "\n" into the blank the pattern allows. Free text
    is trimmed of what api.text calls blank (the schema's pattern says the same), not of what
    Python's str.strip() alone calls whitespace."""

    def __init__(self, regex, *, exact: bool = True, **kwargs):
        self.exact = exact
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(regex, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or (self.exact and data != strip_blank(data)):
            self.fail("invalid")
        if not self.exact:
            if is_blank(data):
                self.fail("invalid")
            data = strip_blank(data)
        return super().to_internal_value(data)


# `as_of` stays accepted as an alias of `date` but is not documented: the schema cannot say "not
# both with different values", so it names one way of asking.
@extend_schema_serializer(exclude_fields=["as_of"])
class EligibilityInputSerializer(serializers.Serializer):
    """One eligibility question. `date` (or its alias `as_of`) defaults to today."""

    product = StrictRegexField(
        NOT_BLANK_PATTERN,  # not blank: blanks are trimmed, so "  " is no product
        exact=False,
        min_length=1,
        max_length=200,
        error_messages={"invalid": "Name a product: its slug, HS code or name."},
        help_text="Product slug, HS code (6 digits) or name in any language.",
    )
    country = StrictRegexField(
        NOT_BLANK_PATTERN,  # not blank: a code or a name
        exact=False,
        min_length=1,
        max_length=100,
        error_messages={"invalid": "Name the exporting country: its ISO code or its name."},
        help_text="Exporting country: ISO 3166-1 alpha-2 or alpha-3, or its name in English, "
        "Chinese or Russian.",
    )
    port = StrictRegexField(
        r"^(?:[A-Za-z0-9_-]{1,40})?$",  # blank: no port
        required=False,
        allow_blank=True,
        default="",
        help_text="Port code (e.g. khorgos).",
        error_messages={"invalid": "A port is its code, e.g. khorgos."},
    )
    date = serializers.DateField(required=False, help_text="YYYY-MM-DD; default today.")
    as_of = serializers.DateField(required=False, help_text="Alias of `date`.")
    establishment = StrictRegexField(
        r"^(?:(?:[Dd][Ee][Mm][Oo]-)?[Cc][A-Za-z]{3}[0-9]{14})?$",  # blank: no establishment
        required=False,
        allow_blank=True,
        default="",
        help_text="GACC registration number: C + 3 letters + 14 digits (DEMO- + that for the "
        "illustrative demo set).",
        error_messages={
            "invalid": "A GACC registration number is 'C', a 3-letter country code and 14 digits."
        },
    )

    def validate_country(self, value: str) -> str:
        """An ISO alpha-2 code passes as given (the check says when the registry has no such
        country); a name or alpha-3 code is resolved to its alpha-2 code."""
        if re.fullmatch(r"[A-Za-z]{2}", value):
            return value
        country = country_resolve(value)
        if country is None:
            raise serializers.ValidationError(
                "A country is its ISO code (KZ, KAZ) or its name in English, Chinese or Russian."
            )
        return country.iso2

    def validate(self, attrs):
        date, as_of = attrs.get("date"), attrs.pop("as_of", None)
        if date and as_of and date != as_of:
            raise serializers.ValidationError({"as_of": ["Give date or as_of, not two dates."]})
        attrs["date"] = date or as_of
        return attrs


# --- Eligibility ---------------------------------------------------------------------------------

ELIGIBILITY_PARAMETERS = [
    OpenApiParameter(
        "product",
        {"type": "string", "minLength": 1, "maxLength": 200, "pattern": NOT_BLANK_PATTERN},
        required=True,
        description="Slug, HS code (6 digits) or product name.",
    ),
    OpenApiParameter(
        "country",
        {"type": "string", "minLength": 1, "maxLength": 100, "pattern": NOT_BLANK_PATTERN},
        required=True,
        description="ISO alpha-2 or alpha-3, or the name in English, Chinese or Russian.",
    ),
    OpenApiParameter("port", str, pattern="^[A-Za-z0-9_-]{1,40}$", description="Port code."),
    OpenApiParameter("date", OpenApiTypes.DATE, description="The date asked about; default today."),
    OpenApiParameter(
        "establishment",
        str,
        pattern="^(?:[Dd][Ee][Mm][Oo]-)?[Cc][A-Za-z]{3}[0-9]{14}$",
        description="GACC registration number of the producer.",
    ),
]


class EligibilityAnswerView(ApiView):
    """Answers one question (EligibilityView adds the conditional GET in front of it)."""

    def get(self, request, *args, **kwargs):
        # Keyed by the raw question, so a repeated question skips validation and rendering:
        # only valid questions are ever stored. The data version in the key makes it exact.
        validators = getattr(self, "conditional_validators", None)
        cache_key = answer_cache_key(request, validators[0]) if validators is not None else None
        if cache_key is not None and (cached := answer_cache_get(cache_key)) is not None:
            return HttpResponse(cached, content_type="application/json")
        answer = self.answer(request)
        rendered = JSONRenderer().render(render_answer(answer, request))
        if cache_key is not None:
            answer_cache_set(cache_key, rendered)
        return HttpResponse(rendered, content_type="application/json")

    @staticmethod
    def question(request) -> EligibilityQuestion:
        """The question asked, validated (a 400 naming the parameter when it is not)."""
        question = EligibilityInputSerializer(data=request.query_params)
        question.is_valid(raise_exception=True)
        data = question.validated_data
        return EligibilityQuestion(
            product=data["product"],
            country=data["country"],
            port=data["port"],
            on=data["date"] or timezone.localdate(),
            establishment=data["establishment"],
        )

    def answer(self, request) -> EligibilityAnswer:
        return self.check(self.question(request))

    @staticmethod
    def check(asked: EligibilityQuestion) -> EligibilityAnswer:
        return check_eligibility(
            product=asked.product,
            country=asked.country,
            port=asked.port,
            on=asked.on,
            establishment=asked.establishment,
        )


@extend_schema_view(
    get=extend_schema(
        summary="May this product enter China?",
        parameters=ELIGIBILITY_PARAMETERS,
        responses={
            200: EligibilityAnswerSerializer,
            **problem_responses(304, 400, 429),
        },
    )
)
class EligibilityView(ConditionalGetMixin, EligibilityAnswerView):
    """The eligibility answer: verdict, reasons (stable codes, translated messages), conditions,
    the access record with its legal state on the date asked (`state`) and its dated series
    (`states`), applicable regulations (a union's acts included), allowed ports, sources and a
    permalink. An HS code or name matching several products is a 400 listing them.

    `not_recorded` means the registry holds no record that decides the question (no entry for
    the pair, or a protocol with no announcement recorded): it is not a refusal. Such answers
    carry `coverage`, what the registry records for the country beside the official figures.

    Every answer says over which dates it holds (`holds_from`, `holds_until`). Answers are kept
    per data version and window, so a repeated question, or another date inside a known window,
    costs one Redis call and no query, and a change to the registry is never answered from a
    stale cache.
    """

    def check_throttles(self, request):
        """Counted in `get`: with the answer, in one Redis round trip (api.answer_cache)."""

    def get(self, request, *args, **kwargs):
        throttle = ApiRateThrottle()
        counter = throttle.counter(request, self)
        # Looked up already when the request came by the early path (repeated_answer below).
        question, found = getattr(request, "answer_lookup", (None, None))
        if question is None and answer_cache.usable():
            question = answer_cache.question_of(
                request.query_params, get_language(), request.build_absolute_uri("/")
            )
            if question is not None:
                found = answer_cache.lookup(
                    counter, throttle.duration + 1 if counter else 0, *question
                )
        if found is None:  # the database path: throttle, data version, Django cache
            if counter is not None and not throttle.allow_request(request, self):
                self.throttled(request, throttle.wait())
            return super().get(request, *args, **kwargs)
        hits, version, body, known = found
        if counter is not None and hits > throttle.num_requests:
            self.throttled(request, throttle.wait())
        key, day = cast(tuple[str, dt.date], question)
        if body is None:
            if version is None:
                version = answer_cache.version_from_database()
            body = self._answered(request, version, key, timeline=known)
        etag, last_modified = _validators(version, key, day)
        if self._not_modified(request, etag, last_modified):
            return self._decorate(
                Response(status=status.HTTP_304_NOT_MODIFIED), etag, last_modified
            )
        response = HttpResponse(answer_cache.fill(body, day), content_type="application/json")
        return self._decorate(response, etag, last_modified)

    def _answered(self, request, version: str, key: str, *, timeline: bool) -> bytes:
        """Answer the question and keep the answer for its window. A question already answered
        for another window (a recorded pair on a new date) gets the rest of its timeline
        answered in the same go (at most two more batches of the engine: `_timeline`), so
        every later date of it is a repeated question; a question never asked pays only its
        own window."""
        asked = self.question(request)
        answer = self.check(asked)
        answers = [answer]
        if timeline:
            answers += _timeline(asked, answer)
        rendered = [
            (
                (each.holds_from, each.holds_until),
                JSONRenderer().render(
                    answer_cache.template(render_answer(each, request), each.as_of)
                ),
            )
            for each in answers
        ]
        answer_cache.store(version, key, rendered)
        return rendered[0][1]


# The most windows of a question's timeline answered at once (the nearest to the date asked).
TIMELINE_WINDOWS = 64


def _timeline(asked: EligibilityQuestion, answer: EligibilityAnswer) -> list[EligibilityAnswer]:
    """The answers of the question's other windows, nearest to the date asked first, at most
    TIMELINE_WINDOWS in all: those its change days draw, then those the change days of their
    answers add (a window where the pair is not recorded changes with the country's coverage,
    whose days only such an answer carries). Two batches of the engine at most."""
    found: list[EligibilityAnswer] = []
    for _batch in range(2):
        known = [answer, *found]
        days = sorted({d for each in known for d in each.change_days})
        starts = [
            d
            for d in window_starts(days, answer.as_of, TIMELINE_WINDOWS)
            if not any(answer_holds(each, d) for each in known)
        ][: TIMELINE_WINDOWS - len(known)]
        if not starts:
            break
        batch = check_eligibility_batch([replace(asked, on=d) for d in starts])
        found += [a for a in batch if isinstance(a, EligibilityAnswer)]
    return found


def answer_holds(answer: EligibilityAnswer, day: dt.date) -> bool:
    """The answer's window holds the day."""
    return day in Window(answer.holds_from, answer.holds_until)


def _validators(version: str, key: str, day: dt.date) -> tuple[str, dt.datetime | None]:
    """The answer's ETag (the data version, the question, the day) and Last-Modified."""
    stamp, last_modified = answer_cache.decode(version)
    digest = hashlib.sha256(json.dumps([stamp, key, day.isoformat()]).encode()).hexdigest()
    return quote_etag(digest[:32]), last_modified


# --- The early path: a repeated question before the rest of the stack --------------------------

# What an Accept header may name for the early path; anything else goes through DRF's content
# negotiation (a 406 where it asks for what the API does not serve).
_PLAIN_ACCEPT = frozenset({"*/*", "application/*", "application/json"})


def _plain_query(request) -> bool:
    """Every parameter named, given once and not empty, and JSON acceptable: what ApiView.initial
    and the content negotiation would let through (anything else takes the full path, which
    answers it)."""
    for name, values in request.GET.lists():
        if not name.strip() or len(values) != 1 or values[0] == "":
            return False
    accept = request.META.get("HTTP_ACCEPT")
    if not accept:
        return True
    for media_range in accept.split(","):
        kind, *params = (part.strip() for part in media_range.split(";"))
        refused = any(p.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000") for p in params)
        if kind in _PLAIN_ACCEPT and not refused:
            return True
    return False


def repeated_answer(request) -> HttpResponse | None:
    """A repeated question without an API key, answered before DRF, the URL resolver and the
    middleware an API read does not need (web.middleware.RepeatedAnswerMiddleware): the rate
    limit, the data version and the answer in one Redis call (api.answer_cache), no query. None
    when the full path must answer (a question not yet answered in its window, one over the rate
    limit, a key, a malformed query); the lookup it made is left on the request, so the view
    counts the request once and does not ask Redis again."""
    if has_api_key(request) or not answer_cache.usable() or not _plain_query(request):
        return None
    question = answer_cache.question_of(
        request.GET, get_language(), request.build_absolute_uri("/")
    )
    if question is None:
        return None
    throttle = ApiRateThrottle()
    counter = throttle.counter(anonymous_client(request), None)
    found = answer_cache.lookup(counter, throttle.duration + 1 if counter else 0, *question)
    if found is None:
        return None
    request.answer_lookup = (question, found)
    hits, version, body, _known = found
    if body is None or (counter is not None and hits > throttle.num_requests):
        return None
    etag, last_modified = _validators(version, *question)
    response: HttpResponse
    if ConditionalGetMixin._not_modified(request, etag, last_modified):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(
            answer_cache.fill(body, question[1]), content_type="application/json"
        )
    response["Allow"] = _ALLOW
    return conditional_headers(response, etag, last_modified, private=False)


# As DRF says it for the view (Django serves HEAD with get); tests/api/test_answer_early.py.
_ALLOW = "GET, HEAD, OPTIONS"
