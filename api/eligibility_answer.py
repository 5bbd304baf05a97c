"""API v1: the eligibility answer as JSON. Its serializers define the answer's shape (and the
OpenAPI schema); the plain functions below them render it on the hot path, side by side, and
tests/api/test_eligibility_render.py requires the two equal."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accessions.eligibility.answer import (
    CONDITION_CODES,
    REASON_CODES,
    REQUIREMENT_KINDS,
    EligibilityAnswer,
    Verdict,
)
from accessions.models import AccessStatus, InstrumentKind, MarketAccess
from accessions.validity import series_key
from api.serializers import (
    AccessStateSerializer,
    CountryRefSerializer,
    PortRefSerializer,
    ProductRefSerializer,
    RegulationRefSerializer,
    state_entry,
    state_series_by_entry,
)
from registry.localize import language_held
from registry.models import AliasLanguage, Qualifier

# A condition's or a checklist line's words can be a record's (a condition of the access entry),
# kept in three languages (issue 22): the answer says which text it gives, as the pages mark it.
TEXT_LANGUAGE_HELP = (
    "The language of the words: the answer's, or `en` where the registry holds no translation of "
    'a record\'s words (the pages mark it "(in English)").'
)
TRANSLATED_BY_REGISTRY_HELP = (
    "True when the words are the registry's own translation of a record's words, not an official "
    'one (the pages mark it "(the registry\'s translation)").'
)


class ReasonSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=list(REASON_CODES))
    message = serializers.CharField()
    # A reason naming an instrument gives its reference in the answer's language (issue 22).
    language = serializers.ChoiceField(choices=AliasLanguage.choices, help_text=TEXT_LANGUAGE_HELP)
    translated_by_registry = serializers.BooleanField(help_text=TRANSLATED_BY_REGISTRY_HELP)


SOURCE_ZH_HELP = "The source in Chinese: the registry's translation ('' where it has none)."
SOURCE_RU_HELP = "The source in Russian: the registry's translation ('' where it has none)."


class ConditionSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=list(CONDITION_CODES))
    message = serializers.CharField()
    language = serializers.ChoiceField(choices=AliasLanguage.choices, help_text=TEXT_LANGUAGE_HELP)
    translated_by_registry = serializers.BooleanField(help_text=TRANSLATED_BY_REGISTRY_HELP)


class RequirementSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(REQUIREMENT_KINDS))
    status = serializers.ChoiceField(choices=["required", "not_required", "not_recorded"])
    text = serializers.CharField()
    source = serializers.CharField(  # type: ignore[assignment]
        allow_blank=True,
        help_text="The instrument or source the line rests on, in the answer's language where "
        "the registry holds a translation.",
    )
    language = serializers.ChoiceField(choices=AliasLanguage.choices, help_text=TEXT_LANGUAGE_HELP)
    translated_by_registry = serializers.BooleanField(help_text=TRANSLATED_BY_REGISTRY_HELP)
    source_language = serializers.ChoiceField(
        choices=AliasLanguage.choices, help_text="The language of `source`, as `language`."
    )
    source_translated_by_registry = serializers.BooleanField(
        help_text="True when `source` is the registry's own translation of the citation."
    )


class SourceSerializer(serializers.Serializer):
    record = serializers.CharField()
    kind = serializers.CharField()
    # Shadows Field.source in the stubs only: the metaclass takes declared fields off.
    source = serializers.CharField()  # type: ignore[assignment]
    source_zh = serializers.CharField(allow_blank=True, help_text=SOURCE_ZH_HELP)
    source_ru = serializers.CharField(allow_blank=True, help_text=SOURCE_RU_HELP)
    source_url = serializers.CharField(allow_blank=True)
    confidence = serializers.CharField()
    is_illustrative = serializers.BooleanField()


class AnswerEstablishmentSerializer(serializers.Serializer):
    registration_number = serializers.CharField()
    name = serializers.CharField()
    country = serializers.CharField(source="country.iso2")
    status = serializers.CharField()
    registered_on = serializers.DateField()
    # The effective end on the one rule
    # (accessions.registration_validity.registration_effective_end).
    effective_until = serializers.DateField(source="effective_end")


# The access entry as an answer shows it: the fields a trader needs beside the verdict (the
# access list's own columns are accessions.lists.ACCESS). The serializer and the plain
# rendering (`_access`) both read this one list.
ANSWER_ACCESS_FIELDS = (
    "id",
    "status",
    "instrument_kind",
    "instrument_ref",
    # The reference in Chinese and Russian: the registry's translation (issue 22).
    "instrument_ref_zh",
    "instrument_ref_ru",
    "instrument_date",
    "valid_from",
    "valid_from_precision",
    "valid_until",
    "requires_registered_establishments",
    "required_site_kind",
    "treatment",
    "pest_free_areas",
    "conditions",
    # The treatment, areas and other conditions in Chinese and Russian, as the access list gives
    # them (issue 22).
    "treatment_zh",
    "treatment_ru",
    "pest_free_areas_zh",
    "pest_free_areas_ru",
    "conditions_zh",
    "conditions_ru",
    "translated_by_registry",
)


class AnswerAccessSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=AccessStatus.choices)
    instrument_kind = serializers.ChoiceField(choices=InstrumentKind.choices)

    class Meta:
        model = MarketAccess
        fields = list(ANSWER_ACCESS_FIELDS)


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
    source_zh = serializers.CharField(allow_blank=True, help_text=SOURCE_ZH_HELP)
    source_ru = serializers.CharField(allow_blank=True, help_text=SOURCE_RU_HELP)
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
                "source_zh": figure.source_zh,
                "source_ru": figure.source_ru,
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
    shown = {name: getattr(access, name) for name in ANSWER_ACCESS_FIELDS if name != "id"}
    return {"id": access.pk} | {
        name: value.isoformat() if isinstance(value, dt.date) else value
        for name, value in shown.items()
    }


def render_answer(answer: EligibilityAnswer, request: Any = None) -> dict[str, Any]:
    """The answer as EligibilityAnswerSerializer shapes it, without building serializers."""
    with language_held():  # the names and labels of one answer read the language ~10 times
        return _render(answer, request)


def render_answers(answers: list[EligibilityAnswer], request: Any = None) -> list[dict[str, Any]]:
    """`render_answer` for many answers, the language and its words read once for all."""
    with language_held():
        return [_render(answer, request) for answer in answers]


def _render(answer: EligibilityAnswer, request: Any) -> dict[str, Any]:
    establishment = answer.establishment
    path = f"/check/?{answer.permalink_query}"
    return {
        "verdict": str(answer.verdict),
        "as_of": answer.as_of.isoformat(),
        "query": {key: str(value) for key, value in answer.query.items()},
        "reasons": [
            {
                "code": r.code,
                "message": str(r.message),
                "language": r.language,
                "translated_by_registry": r.translated_by_registry,
            }
            for r in answer.reasons
        ],
        "conditions": [
            {
                "code": c.code,
                "message": str(c.message),
                "language": c.language,
                "translated_by_registry": c.translated_by_registry,
            }
            for c in answer.conditions
        ],
        "checklist": [
            {
                "kind": r.kind,
                "status": r.status,
                "text": str(r.text),
                "source": str(r.source),
                "language": r.language,
                "translated_by_registry": r.translated_by_registry,
                "source_language": r.source_language,
                "source_translated_by_registry": r.source_translated_by_registry,
            }
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
            # The effective end on the rule
            # (accessions.registration_validity.registration_effective_end).
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


@functools.cache
def answer_shape() -> str:
    """A digest of the answer's fields, nested (EligibilityAnswerSerializer, which the plain
    rendering matches): part of the answer cache's keys (api.answer_cache)."""

    def fields(serializer: serializers.BaseSerializer) -> list[Any]:
        found: list[Any] = []
        for name, field in serializer.fields.items():  # type: ignore[attr-defined]
            inner = getattr(field, "child", field)
            kind = fields(inner) if hasattr(inner, "fields") else type(inner).__name__
            found.append([name, type(field).__name__, kind])
        return found

    digest = hashlib.sha256(json.dumps(fields(EligibilityAnswerSerializer())).encode())
    return digest.hexdigest()[:12]
