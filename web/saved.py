"""A trader's saved questions on the web: saved from the checker (POST), listed on the account
page with today's answer and the day the answer last changed, and forgotten."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import roles
from notifications import saved
from notifications.models import SavedQuestion
from registry.errors import DomainError
from web.answers import verdict_label
from web.guards import requires


def saved_questions_of(user) -> list[dict]:
    """The user's saved questions with today's answer (one engine batch for all of them)."""
    questions = list(
        SavedQuestion.objects.filter(user=user).select_related("product", "country", "port")
    )
    today = timezone.localdate()
    answers = saved.saved_questions_today(
        questions, today=today, language=translation.get_language() or settings.LANGUAGE_CODE
    )
    return [
        {
            "question": question,
            "verdict": verdict,
            "verdict_label": verdict_label(verdict),
            "reasons": reasons,
            "check_query": urlencode(
                {
                    k: v
                    for k, v in {
                        "product": question.product.slug,
                        "country": question.country.iso2,
                        "port": question.port.code if question.port else "",
                        "establishment": question.establishment,
                    }.items()
                    if v
                }
            ),
        }
        for question, (verdict, reasons) in zip(questions, answers, strict=True)
    ]


@require_POST
@requires(roles.Ability.SUBSCRIBE, then="check")
def saved_question_add(request):
    data = request.POST
    try:
        question = saved.saved_question_save(
            user=request.user,
            product=data.get("product", ""),
            country=data.get("country", ""),
            port=data.get("port", ""),
            establishment=data.get("establishment", ""),
            channel=data.get("channel", "email"),
            webhook_url=data.get("webhook_url", ""),
            today=timezone.localdate(),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("account-home")
    messages.success(
        request,
        _("Saved: you will be told when the answer for %(product)s from %(country)s changes.")
        % {"product": question.product.name, "country": question.country.name},
    )
    return redirect("account-home")


@require_POST
@requires(roles.Ability.SUBSCRIBE)
def saved_question_delete(request, pk: int):
    question = get_object_or_404(SavedQuestion, pk=pk)
    try:
        saved.saved_question_delete(question=question, by=request.user)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    messages.success(request, _("The saved question is forgotten."))
    return redirect("account-home")
