"""Writes of answers as given: an eligibility answer kept so it can be cited by its id."""

from __future__ import annotations

import json
import secrets

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accessions.eligibility.answer import EligibilityAnswer, Reason
from accessions.models import AnswerRecord
from registry.errors import DomainError

# 12 random bytes: 16 URL-safe characters, 96 bits (an id cannot be guessed or enumerated).
PUBLIC_ID_BYTES = 12
PUBLIC_ID_ATTEMPTS = 3


def new_public_id() -> str:
    return secrets.token_urlsafe(PUBLIC_ID_BYTES)


def _lines(reasons: list[Reason]) -> list[dict[str, str | bool]]:
    """The reasons or conditions with the language of their words and whether the registry
    translated them (issue 22: a condition's words, an instrument's reference), so the kept
    answer is marked as it was given."""
    return [
        {
            "code": reason.code,
            "message": str(reason.message),
            "language": reason.language,
            "translated_by_registry": reason.translated_by_registry,
        }
        for reason in reasons
    ]


def answer_record(*, answer: EligibilityAnswer, language: str) -> AnswerRecord:
    """Keep an eligibility answer as it was given, under a new unguessable public id.

    Rule (docs/design.md, "The eligibility question" and "Time"; issue "Citable answers"): an answer
    has a permalink that reproduces it, and a saved answer is evidence of what the registry said.
    So the record holds the question in its normal form (the date pinned), the verdict, the
    reasons and conditions in the language they were given (`language`, one of LANGUAGES), and
    the access entry with its legal state on the date asked; it is never changed afterwards (a
    database trigger refuses an UPDATE). Today's answer is computed beside it, never written
    into it. Raises DomainError('invalid_language') for a language the site does not speak.
    """
    languages = {code for code, _name in settings.LANGUAGES}
    if language not in languages:
        raise DomainError(
            "invalid_language",
            _("An answer is kept in one of the site's languages (%(languages)s), not '%(lang)s'.")
            % {"languages": ", ".join(sorted(languages)), "lang": language},
        )
    query = answer.query
    values = {
        "product": query["product"],
        "country": query["country"],
        "port": query.get("port", ""),
        "on": answer.as_of,
        "establishment": query.get("establishment", ""),
        "verdict": str(answer.verdict),
        "reasons": _lines(answer.reasons),
        "conditions": _lines(answer.conditions),
        "language": language,
        "access": answer.access,
        # As plain JSON (dates as ISO text), whatever the database returned the state as.
        "state": json.loads(json.dumps(answer.state, cls=DjangoJSONEncoder)),
    }
    for attempt in range(PUBLIC_ID_ATTEMPTS):
        try:
            with transaction.atomic():
                return AnswerRecord.objects.create(public_id=new_public_id(), **values)
        except IntegrityError:  # pragma: no cover - a 96-bit id taken already
            if attempt == PUBLIC_ID_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover
