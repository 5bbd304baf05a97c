"""Citable answers: the checker's answer saved under an unguessable id, and the answer's page,
which shows it as given beside today's answer to the same question and date (issue "Citable
answers"; docs/design.md, "The eligibility question")."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.views.decorators.http import require_POST

from accessions.eligibility.answer import Verdict
from accessions.eligibility.given import answer_record_compare
from accessions.models import AnswerRecord, StateKind
from accessions.selectors.answers import answer_record_detail
from accessions.services.answers import answer_record
from api.auth import page_write_rate_limit
from registry.errors import DomainError
from web.forms import EligibilityForm
from web.views import checker, clock

# The rate of DEFAULT_THROTTLE_RATES that limits saving (API_RATE_ANSWER_SAVE).
ANSWER_SAVE_SCOPE = "answer_save"


@require_POST
def answer_save(request):
    """Save the answer to the posted question as a citable record, then show it. Anyone may
    (CSRF-protected, so many per client address: API_RATE_ANSWER_SAVE). The question is asked
    again here: what is kept is the engine's answer, never text from the form."""
    if (wait := page_write_rate_limit(request, ANSWER_SAVE_SCOPE)) is not None:
        response = render(request, "429.html", {"wait": wait, "saving": True}, status=429)
        response["Retry-After"] = str(wait)
        return response
    form = EligibilityForm(request.POST)
    if form.is_valid():
        try:
            answer = form.answer(clock.today())
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            language = translation.get_language() or "en"
            record = answer_record(answer=answer, language=language)
            return redirect("answer-detail", public_id=record.public_id)
    return checker.check_page(request, form)


def verdict_label(code: str) -> str:
    """A verdict in words ("not eligible"); the code itself for one the engine no longer gives."""
    return str(Verdict(code).label) if code in Verdict.values else code


def _state_shown(record: AnswerRecord) -> dict[str, Any] | None:
    """The entry's legal state on the date asked, as given: its kind in words and its start."""
    state = record.state
    if not state:
        return None
    kind = state.get("kind", "")
    starts_on = state.get("starts_on")
    return {
        "label": str(StateKind(kind).label) if kind in StateKind.values else kind,
        "starts_on": dt.date.fromisoformat(str(starts_on)[:10]) if starts_on else None,
        "precision": state.get("starts_on_precision", ""),
    }


def answer_detail(request, public_id: str):
    """An answer as given (immutable), and today's answer to the same question and date beside
    it: a notice when the verdict or the reasons' codes differ, a line saying so when not."""
    record = get_object_or_404(answer_record_detail(), public_id=public_id)
    comparison = answer_record_compare(record)
    now = comparison.today
    return render(
        request,
        "web/answer_detail.html",
        {
            "record": record,
            "comparison": comparison,
            "was": verdict_label(record.verdict),
            "now": verdict_label(str(now.verdict)) if now is not None else "",
            "state": _state_shown(record),
            "today": clock.today(),
        },
    )
