"""Saved questions (issue 25, item 6): a trader keeps an eligibility question; a daily job
re-answers every saved question through the one engine's batch entry point
(accessions.eligibility.check.check_eligibility_batch) and, where the verdict or the reasons
changed, records the change (before, after, the reasons added and removed) in the same
transaction as the new answer; the dispatcher then tells the trader by e-mail or signed webhook,
as they chose, retrying with backoff like the subscriptions' webhooks.

Set-based: the saved questions are read in key order, each distinct question (product, country,
port, producer, reading language) is asked once per batch of up to CHUNK, and the changed rows
are written with one UPDATE and one INSERT per batch (bench/saved_questions.py times 100,000).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accessions.eligibility.answer import (
    EligibilityAnswer,
    EligibilityQuestion,
    normalise_port,
    normalise_registration,
)
from accessions.eligibility.check import check_eligibility_batch
from accessions.eligibility.given import answer_changed
from accounts import roles
from notifications import emails
from notifications.models import Channel, SavedQuestion, SavedQuestionChange
from notifications.webhook_urls import webhook_url_check
from registry.errors import DomainError
from registry.models import Port
from registry.selectors.countries import country_resolve
from registry.selectors.resolution import ambiguous_product
from registry.selectors.resolver import product_resolve

logger = logging.getLogger(__name__)

CHUNK = 1000  # distinct questions a batch of the engine answers (its bulk size)
EVENT_KIND = "saved_question.answer_changed"

Key = tuple[str, str, str, str, str]  # product slug, country, port, producer, language


def _outcome(result: EligibilityAnswer | DomainError) -> tuple[str, list[dict[str, str]]]:
    """An answer as stored: its verdict and its reasons (code and words)."""
    if isinstance(result, DomainError):
        return "unknown", [{"code": result.code, "message": result.message}]
    reasons = [{"code": r.code, "message": r.message} for r in result.reasons]
    return str(result.verdict), reasons


def _answer(keys: list[Key], today: dt.date) -> dict[Key, tuple[str, list[dict[str, str]]]]:
    """Each distinct question answered once, in its reader's language (one engine batch each)."""
    answers: dict[Key, tuple[str, list[dict[str, str]]]] = {}
    by_language: dict[str, list[Key]] = {}
    for key in keys:
        by_language.setdefault(key[4], []).append(key)
    for language, group in by_language.items():
        questions = [
            EligibilityQuestion(product=k[0], country=k[1], port=k[2], establishment=k[3], on=today)
            for k in group
        ]
        with translation.override(language):
            results = check_eligibility_batch(questions)
            answers.update((k, _outcome(r)) for k, r in zip(group, results, strict=True))
    return answers


def _language(user: Any) -> str:
    return emails.reading_language(user)


def saved_question_save(
    *,
    user: Any,
    product: str,
    country: str,
    port: str = "",
    establishment: str = "",
    channel: str = Channel.EMAIL,
    webhook_url: str = "",
    today: dt.date,
) -> SavedQuestion:
    """Keep a question (product by any of its names, country by code or name, optional port
    code and producer registration number), answered now; told of changes by e-mail (the
    account's address) or a signed webhook (the URL rules of the subscriptions)."""
    if not roles.may_subscribe(user):
        raise DomainError("not_allowed", _("Sign in as a trader to save questions."))
    resolution = product_resolve(product or "")
    if resolution.ambiguous:
        raise ambiguous_product(product, resolution)
    if resolution.product is None:
        raise DomainError(
            "product_not_found",
            _("No product in the catalogue is called that."),
            {"parameter": "product"},
        )
    found_country = country_resolve(country or "")
    if found_country is None:
        raise DomainError(
            "country_not_found",
            _("No country in the registry is called that."),
            {"parameter": "country"},
        )
    found_port = None
    if port.strip():
        found_port = Port.objects.filter(code=normalise_port(port)).first()
        if found_port is None:
            raise DomainError(
                "port_not_found",
                _("No port in the registry has that code."),
                {"parameter": "port"},
            )
    if channel not in Channel.values:
        raise DomainError("invalid_channel", _("The channel must be e-mail or webhook."))
    if channel == Channel.WEBHOOK:
        webhook_url_check(webhook_url)
    elif not user.email:
        raise DomainError("no_email", _("Add an e-mail address to your account first."))
    establishment = normalise_registration(establishment)
    if len(establishment) > 32:
        raise DomainError(
            "invalid_establishment",
            _("A registration number has at most 32 characters."),
            {"parameter": "establishment"},
        )
    key = (resolution.product.slug, found_country.iso2, found_port.code if found_port else "")
    verdict, reasons = _answer([(*key, establishment, _language(user))], today)[
        (*key, establishment, _language(user))
    ]
    try:
        with transaction.atomic():
            return SavedQuestion.objects.create(
                user=user,
                product=resolution.product,
                country=found_country,
                port=found_port,
                establishment=establishment,
                channel=channel,
                webhook_url=webhook_url if channel == Channel.WEBHOOK else "",
                secret=secrets.token_hex(32) if channel == Channel.WEBHOOK else "",
                verdict=verdict,
                reasons=reasons,
                answered_on=today,
                changed_on=today,
            )
    except IntegrityError as exc:
        raise DomainError("already_saved", _("You already saved this question.")) from exc


def saved_question_delete(*, question: SavedQuestion, by: Any) -> None:
    if question.user_id != getattr(by, "pk", None):
        raise DomainError("not_allowed", _("This is not your saved question."))
    question.delete()


def saved_questions_today(
    questions: list[SavedQuestion], *, today: dt.date, language: str
) -> list[Any]:
    """Today's answer to each of a user's saved questions (one engine batch), for their page, in
    the page's language (`language`; the e-mails use the reader's own)."""
    keys = [_key(q, language) for q in questions]
    answers = _answer(list(dict.fromkeys(keys)), today) if keys else {}
    return [answers[key] for key in keys]


def _key(question: SavedQuestion, language: str) -> Key:
    return (
        question.product.slug,
        question.country.iso2,
        question.port.code if question.port else "",
        question.establishment,
        language,
    )


# --- The job: re-answer every saved question, record the changes --------------------------------


@dataclass
class ReanswerSummary:
    questions: int = 0
    distinct: int = 0
    changed: int = 0


_ROW_FIELDS = (
    "pk",
    "product__slug",
    "country__iso2",
    "port__code",
    "establishment",
    "user__profile__language",
    "verdict",
    "reasons",
)


def _rows() -> Iterator[tuple]:
    return (
        SavedQuestion.objects.order_by("product_id", "country_id", "port_id", "establishment")
        .values_list(*_ROW_FIELDS)
        .iterator(chunk_size=5000)
    )


def _chunks(rows: Iterator[tuple]) -> Iterator[dict[Key, list[tuple]]]:
    """Saved questions grouped by their distinct question, CHUNK distinct questions at a time."""
    chunk: dict[Key, list[tuple]] = {}
    for row in rows:
        key = (row[1], row[2], row[3] or "", row[4], row[5] or settings.LANGUAGE_CODE)
        if key not in chunk and len(chunk) >= CHUNK:
            yield chunk
            chunk = {}
        chunk.setdefault(key, []).append(row)
    if chunk:
        yield chunk


def saved_questions_reanswer(*, today: dt.date) -> ReanswerSummary:
    """Ask every saved question again on `today`; where the answer changed (the rule of
    accessions.eligibility.given.answer_changed: the verdict or the reasons' codes), store the new
    answer, date the change and record it for delivery, in one transaction per batch. Safe to run
    twice: the second run finds nothing changed, and a change is recorded once a day at most."""
    summary = ReanswerSummary()
    now = timezone.now()
    for chunk in _chunks(_rows()):
        answers = _answer(list(chunk), today)
        summary.distinct += len(chunk)
        updates: list[SavedQuestion] = []
        changes: list[SavedQuestionChange] = []
        for key, rows in chunk.items():
            verdict, reasons = answers[key]
            for pk, *_rest, old_verdict, old_reasons in rows:
                summary.questions += 1
                if not answer_changed(old_verdict, old_reasons, verdict, reasons):
                    continue
                updates.append(
                    SavedQuestion(
                        pk=pk, verdict=verdict, reasons=reasons, answered_on=today, changed_on=today
                    )
                )
                changes.append(
                    SavedQuestionChange(
                        question_id=pk,
                        changed_on=today,
                        verdict_before=old_verdict,
                        verdict_after=verdict,
                        reasons_before=old_reasons,
                        reasons_after=reasons,
                        next_attempt_at=now,
                    )
                )
        if updates:
            with transaction.atomic():
                SavedQuestion.objects.bulk_update(
                    updates, ["verdict", "reasons", "answered_on", "changed_on"], batch_size=2000
                )
                SavedQuestionChange.objects.bulk_create(
                    changes, batch_size=2000, ignore_conflicts=True
                )
            summary.changed += len(updates)
    return summary
