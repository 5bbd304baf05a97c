"""API v1: the eligibility question, one at a time (answers cached per data version) and in
bulk (a fixed number of queries for up to 1,000 questions)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any, cast

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import quote_etag
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from accessions.eligibility.answer import (
    CONDITION_CODES,
    REASON_CODES,
    REQUIREMENT_KINDS,
    EligibilityAnswer,
    EligibilityQuestion,
    Verdict,
)
from accessions.eligibility.check import check_eligibility, check_eligibility_batch
from accessions.models import AccessStatus, InstrumentKind, MarketAccess
from accessions.validity import series_key
from api import answer_cache
from api.auth import ApiRateThrottle, HasApiKey
from api.base import (
    ApiView,
    problem_responses,
)
from api.caching import ConditionalGetMixin, answer_cache_get, answer_cache_key, answer_cache_set
from api.errors import ParameterError, SuggestionSerializer
from api.serializers import (
    AccessStateSerializer,
    CountryRefSerializer,
    PortRefSerializer,
    ProductRefSerializer,
    RegulationRefSerializer,
    state_entry,
    state_series_by_entry,
)
from api.text import NOT_BLANK_PATTERN, is_blank, strip_blank
from registry.errors import DomainError
from registry.models import Qualifier
from registry.selectors import country_resolve

MAX_BULK_CHECKS = 1000


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


class BulkInputSerializer(serializers.Serializer):
    checks = serializers.ListField(
        child=EligibilityInputSerializer(),
        allow_empty=False,
        min_length=1,
        max_length=MAX_BULK_CHECKS,
        help_text=f"Up to {MAX_BULK_CHECKS} questions; results come back in the same order.",
    )

    def to_internal_value(self, data):
        checks = data.get("checks") if isinstance(data, dict) else None
        if isinstance(checks, list) and len(checks) > MAX_BULK_CHECKS:
            raise serializers.ValidationError(
                {
                    "checks": [
                        f"At most {MAX_BULK_CHECKS} checks per request; this one has "
                        f"{len(checks)}. Split it."
                    ]
                }
            )
        return super().to_internal_value(data)


class ReasonSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=list(REASON_CODES))
    message = serializers.CharField()


class ConditionSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=list(CONDITION_CODES))
    message = serializers.CharField()


class RequirementSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(REQUIREMENT_KINDS))
    status = serializers.ChoiceField(choices=["required", "not_required", "not_recorded"])
    text = serializers.CharField()
    source = serializers.CharField(allow_blank=True)  # type: ignore[assignment]


class SourceSerializer(serializers.Serializer):
    record = serializers.CharField()
    kind = serializers.CharField()
    # Shadows Field.source in the stubs only: the metaclass takes declared fields off.
    source = serializers.CharField()  # type: ignore[assignment]
    source_url = serializers.CharField(allow_blank=True)
    confidence = serializers.CharField()
    is_illustrative = serializers.BooleanField()


class AnswerEstablishmentSerializer(serializers.Serializer):
    registration_number = serializers.CharField()
    name = serializers.CharField()
    country = serializers.CharField(source="country.iso2")
    status = serializers.CharField()
    registered_on = serializers.DateField()
    # The effective end on the one rule (accessions.validity.registration_effective_end).
    effective_until = serializers.DateField(source="effective_end")


class AnswerAccessSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=AccessStatus.choices)
    instrument_kind = serializers.ChoiceField(choices=InstrumentKind.choices)

    class Meta:
        model = MarketAccess
        fields = [
            "id",
            "status",
            "instrument_kind",
            "instrument_ref",
            "instrument_date",
            "valid_from",
            "valid_from_precision",
            "valid_until",
            "requires_registered_establishments",
            "required_site_kind",
            "treatment",
            "pest_free_areas",
            "conditions",
        ]


class ReportedFigureSerializer(serializers.Serializer):
    # Shadows Field.label in the stubs only: the metaclass takes declared fields off.
    label = serializers.CharField()  # type: ignore[assignment]
    value = serializers.IntegerField()
    qualifier = serializers.ChoiceField(
        choices=list(Qualifier.values), help_text="exact, more_than, at_least or approximately."
    )
    as_of = serializers.DateField(allow_null=True)
    # Shadows Field.source in the stubs only: the metaclass takes declared fields off.
    source = serializers.CharField()  # type: ignore[assignment]
    source_url = serializers.CharField(allow_blank=True)


class CoverageSerializer(serializers.Serializer):
    """What the registry records for the country, beside the official counts: it records only
    part of China's access list."""

    country = serializers.CharField(source="country.iso2", help_text="ISO alpha-2 code.")
    on = serializers.DateField(help_text="The date asked about.")
    recorded = serializers.IntegerField(
        help_text="Access entries the registry records for the country whose state on that date "
        "lets products in."
    )
    reported = ReportedFigureSerializer(
        source="figures",
        many=True,
        help_text="Official figures of products with access (for the country, or for the five "
        "countries together).",
    )


VERDICT_HELP = (
    "`eligible`; `eligible_with_conditions` (see `conditions`); `not_eligible` (a record the "
    "registry holds refuses it, see `reasons`); `not_recorded`: the registry holds no record that "
    "decides the question (no entry for the product and country, or a protocol with no GACC "
    "announcement recorded). `not_recorded` is not a refusal: the registry records only part of "
    "China's access list (see `coverage`), so check GACC's official list before shipping; "
    "`unknown`: the question cannot be decided (an unknown product, country or port, or a fact "
    "the registry does not hold)."
)


def answer_series(answer: EligibilityAnswer) -> list[dict[str, Any]]:
    """The series of states of the answer's access entry, oldest first (read by
    `answer_series_read`, or here with one query)."""
    access = answer.access
    if access is None:
        return []
    series = getattr(access, "api_state_series", None)
    if series is None:
        read = getattr(access, "state_series_data", None)
        if read is not None:  # read by the engine with the entry (no further query)
            series = [state_entry(item) for item in sorted(read, key=series_key)]
        else:
            series = state_series_by_entry([access.pk])[access.pk]
        access.api_state_series = series  # type: ignore[attr-defined]
    return series


def answer_series_read(answers: list[Any]) -> None:
    """Read the series of every answer's access entry: one query for all of them."""
    accesses = [
        a.access
        for a in answers
        if isinstance(a, EligibilityAnswer)
        and a.access
        and getattr(a.access, "state_series_data", None) is None
    ]
    if not accesses:  # the engine read every series with its entry
        return
    found = state_series_by_entry(list({access.pk for access in accesses}))
    for access in accesses:
        access.api_state_series = found[access.pk]  # type: ignore[attr-defined]


def answer_state(answer: EligibilityAnswer) -> dict[str, Any] | None:
    """The state of the access entry on the date asked, as a state of the series."""
    return None if not answer.state else state_entry(answer.state)


def answer_coverage(answer: EligibilityAnswer) -> dict[str, Any] | None:
    coverage = answer.coverage
    if coverage is None:
        return None
    return {
        "country": coverage.country.iso2,
        "on": coverage.on.isoformat(),
        "recorded": coverage.recorded,
        "reported": [
            {
                "label": str(figure.label),
                "value": figure.value,
                "qualifier": figure.qualifier,
                "as_of": _day(figure.as_of),
                "source": figure.source,
                "source_url": figure.source_url,
            }
            for figure in coverage.figures
        ],
    }


class CoveredKindSerializer(serializers.Serializer):
    kind = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        help_text="The kind asked about: its `slug`, `name` and `hs_code`.",
    )
    product = serializers.CharField(help_text="The slug of the product that covers the kind.")
    kinds = serializers.ListField(
        child=serializers.CharField(), help_text="The names of every kind the product covers."
    )
    has_entry = serializers.BooleanField(
        help_text="Whether the country asked about has an access entry for the product."
    )
    note = serializers.CharField(help_text="The same in words, in the language asked for.")


def answer_covered_kind(answer: EligibilityAnswer) -> dict[str, Any] | None:
    covered = answer.covered_kind
    if covered is None:
        return None
    kind = covered.kind
    return {
        "kind": {"slug": kind.slug, "name": str(kind.name), "hs_code": kind.hs_code},
        "product": covered.product.slug,
        "kinds": [str(k.name) for k in covered.kinds],
        "has_entry": covered.has_entry,
        "note": str(covered.note),
    }


class EligibilityAnswerSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=Verdict.choices, help_text=VERDICT_HELP)
    as_of = serializers.DateField()
    query = serializers.DictField(child=serializers.CharField(allow_blank=True))
    reasons = ReasonSerializer(many=True)
    conditions = ConditionSerializer(many=True)
    checklist = RequirementSerializer(
        many=True,
        help_text="The access entry's requirements as a checklist; `not_recorded` where the "
        "registry does not hold them.",
    )
    product = ProductRefSerializer(allow_null=True)
    country = CountryRefSerializer(allow_null=True)
    port = PortRefSerializer(allow_null=True)
    establishment = AnswerEstablishmentSerializer(allow_null=True)
    access = AnswerAccessSerializer(allow_null=True)
    state = serializers.SerializerMethodField(
        help_text="The access entry's legal state on the date asked (the latest state starting "
        "on or before it); null when there is no entry or no state has started by then."
    )
    states = serializers.SerializerMethodField(
        help_text="The access entry's dated legal states, oldest first (empty without an entry)."
    )
    coverage = serializers.SerializerMethodField(
        help_text="On `not_recorded` answers about a known country: what the registry records "
        "for it on that date, beside the official figures; null otherwise."
    )
    covered_by = serializers.SerializerMethodField(
        help_text="When the product asked about is a kind a broader entry covers (dried "
        "apricots in Kyrgyzstan's dried-fruit entry): the kind, the covering product and its "
        "kinds; null otherwise."
    )
    regulations = RegulationRefSerializer(many=True)
    allowed_ports = PortRefSerializer(many=True)
    holds_from = serializers.DateField(
        allow_null=True,
        help_text="This answer holds from this date (included): the same records give the same "
        "answer on every date from `holds_from` to `holds_until`. Null: open, no change recorded "
        "before the date asked.",
    )
    holds_until = serializers.DateField(
        allow_null=True,
        help_text="This answer holds until this date (included); the next day a recorded state, "
        "condition, registration, regulation or union membership changes. Null: open, no change "
        "recorded after the date asked. Tells how long the answer stays true on today's records.",
    )
    sources = SourceSerializer(many=True)
    is_illustrative = serializers.BooleanField()
    permalink = serializers.SerializerMethodField()

    @extend_schema_field(CoveredKindSerializer(allow_null=True))
    def get_covered_by(self, answer) -> dict[str, Any] | None:
        return answer_covered_kind(answer)

    @extend_schema_field(AccessStateSerializer(allow_null=True))
    def get_state(self, answer) -> dict[str, Any] | None:
        if not answer.state:
            return None
        return AccessStateSerializer(answer.state).data

    @extend_schema_field(AccessStateSerializer(many=True))
    def get_states(self, answer) -> Any:
        return AccessStateSerializer(answer_series(answer), many=True).data

    @extend_schema_field(CoverageSerializer(allow_null=True))
    def get_coverage(self, answer) -> dict[str, Any] | None:
        if answer.coverage is None:
            return None
        return CoverageSerializer(answer.coverage).data

    @extend_schema_field(serializers.URLField())
    def get_permalink(self, answer) -> str:
        request = self.context.get("request")
        path = f"/check/?{answer.permalink_query}"
        return request.build_absolute_uri(path) if request is not None else path


# --- The answer as JSON, on the hot path ---------------------------------------------------------
# The serializers above define the answer's shape (and the OpenAPI schema); rendering thousands of
# answers through nested DRF serializers cost more than the engine's SQL, so the views render
# with the plain functions below. tests/api/test_eligibility_render.py renders every answer to
# every seeded question both ways and requires them equal; tests/api/test_schema.py validates
# answers against the schema.


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _day(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _ref(record: Any, *fields: str) -> dict[str, Any] | None:
    if record is None:
        return None
    return {name: _text(getattr(record, name)) for name in fields}


def _access(access: MarketAccess | None) -> dict[str, Any] | None:
    if access is None:
        return None
    return {
        "id": access.pk,
        "status": access.status,
        "instrument_kind": access.instrument_kind,
        "instrument_ref": access.instrument_ref,
        "instrument_date": _day(access.instrument_date),
        "valid_from": _day(access.valid_from),
        "valid_from_precision": access.valid_from_precision,
        "valid_until": _day(access.valid_until),
        "requires_registered_establishments": access.requires_registered_establishments,
        "required_site_kind": access.required_site_kind,
        "treatment": access.treatment,
        "pest_free_areas": access.pest_free_areas,
        "conditions": access.conditions,
    }


def render_answer(answer: EligibilityAnswer, request: Any = None) -> dict[str, Any]:
    """The answer as EligibilityAnswerSerializer shapes it, without building serializers."""
    establishment = answer.establishment
    path = f"/check/?{answer.permalink_query}"
    return {
        "verdict": str(answer.verdict),
        "as_of": answer.as_of.isoformat(),
        "query": {key: str(value) for key, value in answer.query.items()},
        "reasons": [{"code": r.code, "message": str(r.message)} for r in answer.reasons],
        "conditions": [{"code": c.code, "message": str(c.message)} for c in answer.conditions],
        "checklist": [
            {"kind": r.kind, "status": r.status, "text": str(r.text), "source": str(r.source)}
            for r in answer.checklist
        ],
        "product": _ref(answer.product, "slug", "name", "hs_code"),
        "country": _ref(answer.country, "iso2", "name"),
        "port": _ref(answer.port, "code", "name"),
        "establishment": None
        if establishment is None
        else {
            "registration_number": establishment.registration_number,
            "name": establishment.name,
            "country": establishment.country.iso2,
            "status": establishment.status,
            "registered_on": _day(establishment.registered_on),
            # The effective end on the rule (accessions.validity.registration_effective_end).
            "effective_until": _day(establishment.effective_end),  # type: ignore[attr-defined]
        },
        "access": _access(answer.access),
        "state": answer_state(answer),
        "states": answer_series(answer),
        "coverage": answer_coverage(answer),
        "covered_by": answer_covered_kind(answer),
        "regulations": [
            {
                "id": r.pk,
                "slug": r.slug,
                "code": r.code,
                "title": str(r.title),
                "jurisdiction": r.jurisdiction_code,
                "status": r.status,
            }
            for r in answer.regulations
        ],
        "allowed_ports": [{"code": p.code, "name": str(p.name)} for p in answer.allowed_ports],
        "holds_from": _day(answer.holds_from),
        "holds_until": _day(answer.holds_until),
        "sources": answer.sources,
        "is_illustrative": answer.is_illustrative,
        "permalink": request.build_absolute_uri(path) if request is not None else path,
    }


class BulkLineErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    candidates = serializers.ListField(child=serializers.CharField(), required=False)
    suggestions = SuggestionSerializer(many=True, required=False)


class BulkResultSerializer(EligibilityAnswerSerializer):
    line = serializers.IntegerField(help_text="1-based position of the question in `checks`.")
    ok = serializers.BooleanField()
    error = BulkLineErrorSerializer(
        allow_null=True,
        help_text="Set when the line could not be answered (`ok` is false, answer fields empty).",
    )


class BulkResponseSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = BulkResultSerializer(many=True)


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
    def answer(request) -> EligibilityAnswer:
        question = EligibilityInputSerializer(data=request.query_params)
        question.is_valid(raise_exception=True)
        data = question.validated_data
        return check_eligibility(
            product=data["product"],
            country=data["country"],
            port=data["port"],
            on=data["date"] or timezone.localdate(),
            establishment=data["establishment"],
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

    Answers are cached per data version, so a repeated question costs one query and a change to
    the registry is never answered from a stale cache.
    """

    def check_throttles(self, request):
        """Counted in `get`: with the answer, in one Redis round trip (api.answer_cache)."""

    def get(self, request, *args, **kwargs):
        question = answer_cache.question_of(request) if answer_cache.usable() else None
        throttle = ApiRateThrottle()
        counter = throttle.counter(request, self)
        found = None
        if question is not None:
            ttl = throttle.duration + 1 if counter else 0
            found = answer_cache.lookup(counter, ttl, *question)
        if found is None:  # the database path: throttle, data version, Django cache
            if counter is not None and not throttle.allow_request(request, self):
                self.throttled(request, throttle.wait())
            return super().get(request, *args, **kwargs)
        hits, version, body = found
        if counter is not None and hits > throttle.num_requests:
            self.throttled(request, throttle.wait())
        key, day = cast(tuple[str, dt.date], question)
        if body is None:
            if version is None:
                version = answer_cache.version_from_database()
            answer = self.answer(request)
            data = render_answer(answer, request)
            body = JSONRenderer().render(answer_cache.template(data, answer.as_of))
            answer_cache.store(version, key, (answer.holds_from, answer.holds_until), body)
        stamp, last_modified = answer_cache.decode(version)
        etag = quote_etag(
            hashlib.sha256(json.dumps([stamp, key, day.isoformat()]).encode()).hexdigest()[:32]
        )
        if self._not_modified(request, etag, last_modified):
            return self._decorate(
                Response(status=status.HTTP_304_NOT_MODIFIED), etag, last_modified
            )
        response = HttpResponse(answer_cache.fill(body, day), content_type="application/json")
        return self._decorate(response, etag, last_modified)


@extend_schema_view(
    post=extend_schema(
        summary="Many eligibility questions at once (API key)",
        request=BulkInputSerializer,
        responses={200: BulkResponseSerializer, **problem_responses(400, 401, 429)},
        description=(
            f"Up to {MAX_BULK_CHECKS} questions in `checks`; one result per question, in order, "
            "each with its 1-based `line`. A malformed body is a 400 naming every bad line; a "
            "question that cannot be answered (an ambiguous product) has `ok: false` and an "
            "`error`. Answered with a fixed number of queries, whatever the number of lines."
        ),
    )
)
class EligibilityBulkView(ApiView):
    permission_classes = [HasApiKey]
    # A POST that changes nothing: its reads may go to a replica, and it pins no one to the
    # primary (web.middleware.ReadRoutingMiddleware).
    reads_only = True

    def post(self, request, *args, **kwargs):
        if not isinstance(request.data, dict):
            raise ParameterError("checks", _('The body is an object: {"checks": [...]}.'))
        payload = BulkInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        today = timezone.localdate()
        questions = [
            EligibilityQuestion(
                product=item["product"],
                country=item["country"],
                port=item["port"],
                on=item["date"] or today,
                establishment=item["establishment"],
            )
            for item in payload.validated_data["checks"]
        ]
        outcomes = check_eligibility_batch(questions)
        answer_series_read(outcomes)  # one query for every answer's series of states
        results = []
        for line, (question, outcome) in enumerate(zip(questions, outcomes, strict=True), start=1):
            if isinstance(outcome, DomainError):
                results.append(
                    {
                        "line": line,
                        "ok": False,
                        "error": {
                            "code": outcome.code,
                            "detail": outcome.message,
                            **{
                                str(key): outcome.extra[key]
                                for key in ("candidates", "suggestions")
                                if key in outcome.extra
                            },
                        },
                        "verdict": "unknown",
                        "as_of": question.on,
                        "query": question.query,
                        "reasons": [],
                        "conditions": [],
                        "product": None,
                        "country": None,
                        "port": None,
                        "establishment": None,
                        "access": None,
                        "state": None,
                        "states": [],
                        "coverage": None,
                        "regulations": [],
                        "allowed_ports": [],
                        "holds_from": None,
                        "holds_until": None,
                        "checklist": [],
                        "sources": [],
                        "is_illustrative": False,
                        "permalink": "",
                    }
                )
                continue
            results.append(
                {"line": line, "ok": True, "error": None, **render_answer(outcome, request)}
            )
        return Response({"count": len(results), "results": results})
