"""E-mails: each subscriber's digest of their pending e-mail deliveries, and the e-mail to the
reviewers about a proposal waiting for them; each in the language its reader chose.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accessions.models import Proposal, ProposalBatch, ProposalState
from accounts import roles
from accounts.models import AccountProfile
from notifications.models import Channel, Delivery, DeliveryState
from notifications.services import events_fan_out
from registry.site_url import site_url

logger = logging.getLogger(__name__)

# --- E-mail digests ------------------------------------------------------------------------------


def reading_language(user: Any) -> str:
    """The language a user chose on their account page (else the site's default)."""
    chosen = AccountProfile.objects.filter(user=user).values_list("language", flat=True).first()
    return chosen or settings.LANGUAGE_CODE


def _digest_line(delivery: Delivery) -> str:
    event = delivery.event
    subject = event.registration or event.market_access
    return f"- {event.occurred_on.isoformat()} {event.get_kind_display()}: {subject}"


def digests_send(*, batch_size: int = 500) -> int:
    """Send each subscriber one e-mail listing their pending e-mail deliveries; returns the count.

    Deliveries are claimed with SKIP LOCKED and marked delivered in the same transaction as the
    send, so two digest runs never mail the same event twice.
    """
    events_fan_out()
    sent = 0
    pending = Delivery.objects.filter(
        channel=Channel.EMAIL, state__in=(DeliveryState.PENDING, DeliveryState.RETRYING)
    )
    user_ids = list(pending.values_list("subscription__user_id", flat=True).distinct().order_by())
    for user_id in user_ids:
        with transaction.atomic():
            claimed = list(
                pending.filter(subscription__user_id=user_id)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related(
                    "subscription__user",
                    "event__registration",
                    "event__market_access__product",
                    "event__market_access__country",
                )
                .order_by("event_id")[:batch_size]
            )
            if not claimed:
                continue
            user = claimed[0].subscription.user
            with translation.override(reading_language(user)):
                lines = "\n".join(_digest_line(d) for d in claimed)
                body = (
                    _("Changes in the market-access registry you subscribed to:") + "\n\n" + lines
                )
                count = len(claimed)
                subject = ngettext(
                    "Registry digest: %(count)s change", "Registry digest: %(count)s changes", count
                ) % {"count": count}
            now = timezone.now()
            try:
                send_mail(subject, body, None, [user.email])
            except OSError as exc:  # SMTP errors are OSErrors
                Delivery.objects.filter(id__in=[d.pk for d in claimed]).update(
                    state=DeliveryState.RETRYING, last_error=str(exc)[:500], last_attempt_at=now
                )
                continue
            Delivery.objects.filter(id__in=[d.pk for d in claimed]).update(
                state=DeliveryState.DELIVERED, delivered_at=now, last_attempt_at=now
            )
            sent += 1
    return sent


def reviewers_notify(*, proposal_id: int | None = None, batch_id: int | None = None) -> int:
    """E-mail every senior inspector (and administrator) but the author about a proposal or an
    import waiting for review; returns the number of e-mails sent. A proposal already reviewed
    (or gone) sends nothing."""
    item: Proposal | ProposalBatch | None = None
    if proposal_id is not None:
        item = Proposal.objects.select_related("author").filter(pk=proposal_id).first()
    elif batch_id is not None:
        item = ProposalBatch.objects.select_related("author").filter(pk=batch_id).first()
    if item is None or item.state != ProposalState.PENDING:
        return 0
    reviewers = (
        get_user_model()
        .objects.filter(
            Q(is_active=True)
            & (roles.holders_q(roles.SENIOR_INSPECTOR) | roles.holders_q(roles.ADMINISTRATOR))
        )
        .exclude(pk=item.author_id)
        .exclude(email="")
        .distinct()
    )
    sent = 0
    for user in reviewers:
        with translation.override(reading_language(user)):
            if isinstance(item, Proposal):
                subject = _("Proposal to review: %(record)s") % {"record": item.object_repr}
                path = f"/proposals/{item.pk}/"
            else:
                subject = _("Import to review: %(file)s") % {"file": item.file_name}
                path = f"/proposals/imports/{item.pk}/"
            body = _(
                "%(author)s proposed a change to the registry. It takes effect only when a senior "
                "inspector publishes it.\n\nReview it at %(path)s"
            ) % {"author": item.author.get_username(), "path": site_url(path)}
        try:
            send_mail(subject, body, None, [user.email])
        except OSError as exc:  # SMTP errors; the queue page still lists the proposal
            logger.warning("reviewer e-mail to %s failed: %s", user.pk, exc)
            continue
        sent += 1
    return sent
