"""API v1: a citable answer (an eligibility answer saved on the checker page) as it was given,
with today's answer to the same question and date beside it."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.response import Response

from accessions.eligibility.answer import CONDITION_CODES, REASON_CODES, Verdict
from accessions.eligibility.given import AnswerComparison, answer_record_compare
from accessions.models import AnswerRecord
from accessions.selectors.answers import answer_record_detail
from api.base import ApiView, problem_responses
from api.eligibility_answer import (
    TEXT_LANGUAGE_HELP,
    TRANSLATED_BY_REGISTRY_HELP,
    VERDICT_HELP,
    ConditionSerializer,
    ReasonSerializer,
)
from api.serializers import AccessStateSerializer, state_entry
from registry.models import AliasLanguage

PUBLIC_ID_PATTERN = "^[A-Za-z0-9_-]+$"


class AnswerQuestionSerializer(serializers.Serializer):
    product = serializers.CharField(help_text="The product's slug (as typed when not found).")
    country = serializers.CharField(help_text="ISO alpha-2 code.")
    port = serializers.CharField(allow_blank=True, help_text="Port code; empty: any port.")
    date = serializers.DateField(help_text="The date asked about.")
    establishment = serializers.CharField(
        allow_blank=True, help_text="GACC registration number; empty: none given."
    )


class AnswerTodaySerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    reasons = serializers.ListField(
        child=serializers.ChoiceField(choices=list(REASON_CODES)), help_text="Reason codes."
    )
    conditions = serializers.ListField(
        child=serializers.ChoiceField(choices=list(CONDITION_CODES)), help_text="Condition codes."
    )


class GivenConditionSerializer(ConditionSerializer):
    """A condition as given. An answer kept before its conditions recorded the language of their
    words has neither `language` nor `translated_by_registry`."""

    language = serializers.ChoiceField(
        choices=AliasLanguage.choices, required=False, help_text=TEXT_LANGUAGE_HELP
    )
    translated_by_registry = serializers.BooleanField(
        required=False, help_text=TRANSLATED_BY_REGISTRY_HELP
    )


class GivenReasonSerializer(ReasonSerializer):
    """A reason as given. An answer kept before its reasons recorded the language of their words
    (issue 22: an instrument's reference in the answer's language) has neither `language` nor
    `translated_by_registry`."""

    language = serializers.ChoiceField(
        choices=AliasLanguage.choices, required=False, help_text=TEXT_LANGUAGE_HELP
    )
    translated_by_registry = serializers.BooleanField(
        required=False, help_text=TRANSLATED_BY_REGISTRY_HELP
    )


class AnswerRecordSerializer(serializers.Serializer):
    """Describes the response (the view renders it with `render_answer_record`)."""

    id = serializers.CharField(help_text="The answer's public id.")
    question = AnswerQuestionSerializer()
    verdict = serializers.ChoiceField(choices=Verdict.choices, help_text=VERDICT_HELP)
    reasons = GivenReasonSerializer(many=True, help_text="As given, in `language`.")
    conditions = GivenConditionSerializer(many=True, help_text="As given, in `language`.")
    language = serializers.CharField(help_text="The language the messages were given in.")
    access = serializers.IntegerField(
        allow_null=True, help_text="The id of the access entry the answer rests on, if any."
    )
    state = AccessStateSerializer(
        allow_null=True,
        help_text="The entry's legal state on the date asked, as it was read when the answer "
        "was given; null without an entry or a state started by then.",
    )
    given_at = serializers.DateTimeField(help_text="When the answer was given (UTC).")
    url = serializers.URLField(help_text="The answer's page.")
    permalink = serializers.URLField(help_text="The checker's live answer to the same question.")
    today = AnswerTodaySerializer(
        allow_null=True,
        help_text="Today's answer to the same question and date (verdict, reason and condition "
        "codes); null when the registry cannot answer the question today.",
    )
    changed = serializers.BooleanField(
        help_text="True when today's verdict or reason codes differ from those given: the "
        "registry's records about the question changed after the answer was given."
    )


def render_answer_record(comparison: AnswerComparison, request: Any) -> dict[str, Any]:
    """The answer as given and today's, as AnswerRecordSerializer describes them."""
    record: AnswerRecord = comparison.record
    now = comparison.today
    page = reverse("answer-detail", args=[record.public_id])
    return {
        "id": record.public_id,
        "question": record.query,
        "verdict": record.verdict,
        "reasons": record.reasons,
        "conditions": record.conditions,
        "language": record.language,
        "access": record.access_id,
        "state": state_entry(record.state) if record.state else None,
        "given_at": serializers.DateTimeField().to_representation(record.created_at),
        "url": request.build_absolute_uri(page),
        "permalink": request.build_absolute_uri(f"{reverse('check')}?{record.permalink_query}"),
        "today": None
        if now is None
        else {
            "verdict": str(now.verdict),
            "reasons": [reason.code for reason in now.reasons],
            "conditions": [condition.code for condition in now.conditions],
        },
        "changed": comparison.changed,
    }


@extend_schema_view(
    get=extend_schema(
        summary="A citable answer, as given, beside today's",
        parameters=[
            OpenApiParameter(
                "public_id",
                str,
                OpenApiParameter.PATH,
                pattern=PUBLIC_ID_PATTERN,
                description="The answer's public id (saved on the checker page).",
            )
        ],
        responses={200: AnswerRecordSerializer, **problem_responses(400, 404, 429)},
    )
)
class AnswerRecordView(ApiView):
    """An eligibility answer saved on the checker page, exactly as it was given (verdict,
    reasons and conditions in the language given, the access entry and its state on the date),
    which never changes; and today's answer to the same question and date, with `changed` true
    when the verdict or the reason codes differ (the registry's records about that date changed
    after the answer was given)."""

    def get(self, request, public_id: str, *args, **kwargs):
        record = get_object_or_404(answer_record_detail(), public_id=public_id)
        return Response(render_answer_record(answer_record_compare(record), request))
