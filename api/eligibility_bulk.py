"""API v1: many eligibility questions at once (API key): up to MAX_BULK_CHECKS in one request,
answered with a fixed number of queries whatever their number."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.response import Response

from accessions.eligibility.answer import EligibilityQuestion
from accessions.eligibility.check import check_eligibility_batch
from api.auth import HasApiKey
from api.base import ApiView, problem_responses
from api.eligibility import EligibilityInputSerializer
from api.eligibility_answer import EligibilityAnswerSerializer, answer_series_read, render_answers
from api.errors import ParameterError, SuggestionSerializer
from registry.errors import DomainError

MAX_BULK_CHECKS = 1000


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
        answers = iter(
            render_answers([o for o in outcomes if not isinstance(o, DomainError)], request)
        )
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
            results.append({"line": line, "ok": True, "error": None, **next(answers)})
        return Response({"count": len(results), "results": results})
