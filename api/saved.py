"""API v1: a key holder's saved questions (issue 25, item 6). The key's owner keeps eligibility
questions; the registry re-answers them daily and tells the owner when an answer changes (by
e-mail or signed webhook). Key-only: an anonymous caller or a key without an owner is refused."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accessions.eligibility.answer import Verdict
from api.auth import HasApiKey
from api.base import ApiView, problem_responses
from notifications import saved
from notifications.models import Channel, SavedQuestion


class SavedQuestionInputSerializer(serializers.Serializer):
    product = serializers.CharField(
        max_length=200, help_text="Any of the product's names, its slug or HS code."
    )
    country = serializers.CharField(
        max_length=100, help_text="ISO alpha-2 or alpha-3 code, or the name."
    )
    port = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=40, help_text="Port code."
    )
    establishment = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=32,
        help_text="GACC registration number.",
    )
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.EMAIL)
    webhook_url = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=500,
        help_text="For the webhook channel: an https address on a public host.",
    )


class SavedReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class SavedQuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    product = serializers.CharField(help_text="The product's slug.")
    country = serializers.CharField(help_text="ISO alpha-2 code.")
    port = serializers.CharField(help_text="Port code; empty: any port.")
    establishment = serializers.CharField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    verdict = serializers.ChoiceField(choices=Verdict.choices, help_text="As last answered.")
    reasons = SavedReasonSerializer(many=True)
    answered_on = serializers.DateField()
    changed_on = serializers.DateField(help_text="The day the answer last changed.")


class SavedQuestionListSerializer(serializers.Serializer):
    results = SavedQuestionSerializer(many=True)


def _render(question: SavedQuestion) -> dict[str, Any]:
    return {
        "id": question.pk,
        "product": question.product.slug,
        "country": question.country.iso2,
        "port": question.port.code if question.port else "",
        "establishment": question.establishment,
        "channel": question.channel,
        "verdict": question.verdict,
        "reasons": question.reasons,
        "answered_on": question.answered_on,
        "changed_on": question.changed_on,
    }


def _owner(request) -> Any:
    owner = getattr(request.auth, "owner", None)
    if owner is None:  # a valid key that cannot do this: forbidden, before the body is read
        raise PermissionDenied(_("This key has no owner account to keep questions."))
    return owner


@extend_schema_view(
    get=extend_schema(
        operation_id="saved_questions_list",
        responses={200: SavedQuestionListSerializer, **problem_responses(400, 401, 403, 429)},
        description="The key owner's saved questions, each with its last answer and the day "
        "that answer last changed.",
    ),
    post=extend_schema(
        operation_id="saved_questions_create",
        request=SavedQuestionInputSerializer,
        responses={201: SavedQuestionSerializer, **problem_responses(400, 401, 403, 429)},
        description="Save a question; it is answered now and again every day, and the owner is "
        "told (e-mail or signed webhook) when the verdict or the reasons change.",
    ),
)
class SavedQuestionListView(ApiView):
    permission_classes = [HasApiKey]

    def get(self, request, *args, **kwargs):
        rows = SavedQuestion.objects.filter(user=_owner(request)).select_related(
            "product", "country", "port"
        )
        return Response({"results": [_render(q) for q in rows]})

    def post(self, request, *args, **kwargs):
        owner = _owner(request)
        payload = SavedQuestionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        question = saved.saved_question_save(
            user=owner, today=timezone.localdate(), **payload.validated_data
        )
        return Response(_render(question), status=201)


@extend_schema_view(
    delete=extend_schema(
        operation_id="saved_questions_delete",
        responses={204: None, **problem_responses(400, 401, 403, 404, 429)},
        description="Forget a saved question.",
    )
)
class SavedQuestionDetailView(ApiView):
    permission_classes = [HasApiKey]

    def delete(self, request, pk: int, *args, **kwargs):
        question = get_object_or_404(SavedQuestion, pk=pk, user=_owner(request))
        saved.saved_question_delete(question=question, by=question.user)
        return Response(status=204)
