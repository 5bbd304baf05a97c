"""Telling a trader that a saved question's answer changed (notifications.saved records the
change): by e-mail in their language, or by a signed webhook to a re-checked address; retried
with the subscriptions' backoff, then a dead letter. Claimed with SKIP LOCKED, so two dispatchers
never send one change twice."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from notifications import emails, services
from notifications.models import Channel, DeliveryState, SavedQuestionChange
from notifications.saved import EVENT_KIND

logger = logging.getLogger(__name__)


def _codes(reasons: list[dict[str, str]]) -> set[str]:
    return {r["code"] for r in reasons}


def change_payload(change: SavedQuestionChange) -> dict[str, Any]:
    """What a webhook receives: the question, the answer before and after, and the reasons that
    came and went (codes are stable; messages are in the trader's language)."""
    question = change.question
    before, after = _codes(change.reasons_before), _codes(change.reasons_after)
    return {
        "idempotency_key": f"saved-question-change:{change.pk}",
        "event": {"kind": EVENT_KIND, "occurred_on": change.changed_on.isoformat()},
        "question": {
            "id": question.pk,
            "product": question.product.slug,
            "country": question.country.iso2,
            "port": question.port.code if question.port else "",
            "establishment": question.establishment,
        },
        "before": {"verdict": change.verdict_before, "reasons": change.reasons_before},
        "after": {"verdict": change.verdict_after, "reasons": change.reasons_after},
        "reasons_added": [r for r in change.reasons_after if r["code"] not in before],
        "reasons_removed": [r for r in change.reasons_before if r["code"] not in after],
    }


def _email_body(change: SavedQuestionChange) -> tuple[str, str]:
    payload = change_payload(change)
    question = change.question
    where = question.product.name + " — " + question.country.name
    lines = [
        _("The answer to your saved question changed on %(date)s.")
        % {"date": change.changed_on.isoformat()},
        "",
        where + (f" ({question.port.name})" if question.port else ""),
        _("Before: %(verdict)s") % {"verdict": change.verdict_before},
        _("Now: %(verdict)s") % {"verdict": change.verdict_after},
    ]
    for title, key in ((_("New reasons:"), "reasons_added"), (_("Gone:"), "reasons_removed")):
        if payload[key]:
            lines += ["", title] + [f"- {r['message']}" for r in payload[key]]
    subject = _("Your saved question changed: %(where)s") % {"where": where}
    return subject, "\n".join(lines)


def _send(change: SavedQuestionChange) -> tuple[bool, int | None, str]:
    question = change.question
    if question.channel == Channel.WEBHOOK:
        outcome = services.webhook_post(
            change.pk,
            question.webhook_url,
            question.secret,
            change_payload(change),
            float(getattr(settings, "REGISTRY_WEBHOOK_TIMEOUT", 5.0)),
        )
        return outcome.ok, outcome.status_code, outcome.error
    with translation.override(emails.reading_language(question.user)):
        subject, body = _email_body(change)
    send_mail(subject, body, None, [question.user.email])
    return True, None, ""


def saved_changes_deliver(*, now: dt.datetime | None = None, batch_size: int = 100) -> int:
    """Send the due changes; returns how many were delivered."""
    now = now or timezone.now()
    max_attempts = int(getattr(settings, "REGISTRY_WEBHOOK_MAX_ATTEMPTS", 8))
    delivered = 0
    with transaction.atomic():
        due = list(
            SavedQuestionChange.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("question__user", "question__product", "question__country")
            .select_related("question__port")
            .filter(
                state__in=[DeliveryState.PENDING, DeliveryState.RETRYING], next_attempt_at__lte=now
            )
            .order_by("next_attempt_at", "id")[:batch_size]
        )
        for change in due:
            ok, status, error = _send(change)
            change.attempts += 1
            change.last_status_code, change.last_error = status, error
            if ok:
                change.state, change.delivered_at = DeliveryState.DELIVERED, timezone.now()
                delivered += 1
            elif change.attempts >= max_attempts:
                change.state = DeliveryState.DEAD
            else:
                change.state = DeliveryState.RETRYING
                change.next_attempt_at = now + dt.timedelta(
                    seconds=services.backoff_seconds(change.attempts)
                )
            change.save(
                update_fields=[
                    "attempts",
                    "last_status_code",
                    "last_error",
                    "state",
                    "delivered_at",
                    "next_attempt_at",
                ]
            )
    return delivered
