"""The expiry sweep's alerts for inspectors and the outbox: the events subscribers hear about,
written in the same transaction as the change."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accessions.models.access import MarketAccess
from accessions.models.registrations import EstablishmentRegistration
from registry.constraints import choices_constraint, exactly_one_of
from registry.models import Country, Product


class AlertKind(models.TextChoices):
    WINDOW_OPENED = "window_opened", _("renewal window opened")
    EXPIRING = "expiring", _("expires soon")
    EXPIRED = "expired", _("registration expired")
    EXTENDED = "extended", _("registration automatically extended")
    ACCESS_EXPIRING = "access_expiring", _("market access ends soon")
    ACCESS_EXPIRED = "access_expired", _("market access expired")


class Alert(models.Model):
    """What the expiry sweep raised for inspectors: one per subject, kind, threshold, expiry date.

    `due_on` is the expiry date the alert is about, so a registration extended for five more years
    gets fresh alerts for its next expiry while a rerun of the sweep gets none (the partial unique
    constraints refuse the duplicate, also between two concurrent sweeps).
    """

    kind = models.CharField(_("kind"), max_length=20, choices=AlertKind.choices)
    threshold_days = models.PositiveSmallIntegerField(
        _("days before expiry"), default=0, help_text=_("0 for alerts without a threshold.")
    )
    due_on = models.DateField(_("expiry date"))
    raised_on = models.DateField(_("raised on"))
    # No separate FK indexes: the partial unique indexes below lead with these columns. Fewer
    # indexes keep the sweep's bulk inserts cheap (bench/sweep.py).
    registration = models.ForeignKey(
        EstablishmentRegistration,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
        db_index=False,
    )
    market_access = models.ForeignKey(
        MarketAccess,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
        db_index=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
        db_index=False,
    )

    class Meta:
        ordering = ["acknowledged_at", "due_on", "id"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.CheckConstraint(
                condition=exactly_one_of("registration", "market_access"),
                name="alert_one_subject",
                violation_error_message=_("An alert is about one registration or one access."),
            ),
            models.UniqueConstraint(
                fields=["registration", "kind", "threshold_days", "due_on"],
                condition=models.Q(registration__isnull=False),
                name="alert_once_per_registration",
            ),
            models.UniqueConstraint(
                fields=["market_access", "kind", "threshold_days", "due_on"],
                condition=models.Q(market_access__isnull=False),
                name="alert_once_per_access",
            ),
            choices_constraint("alert", "kind", AlertKind),
        ]
        indexes = [models.Index(fields=["acknowledged_at", "due_on"], name="alert_open_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.registration or self.market_access} {self.due_on}"


class EventKind(models.TextChoices):
    NEW_ACCESS = "new_access", _("new market access")
    STATUS_CHANGED = "status_changed", _("status changed")
    WINDOW_ENTERED = "window_entered", _("renewal window entered")
    EXPIRED = "expired", _("expired")
    EXTENDED = "extended", _("automatically extended")


class OutboxEvent(models.Model):
    """A change subscribers hear about, written in the same transaction as the change itself.

    The dispatcher fans each event out to the matching subscriptions (`fanned_out_at`), so an event
    survives a broker outage: it waits here until the next dispatcher run.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    occurred_on = models.DateField(_("occurred on"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    registration = models.ForeignKey(
        EstablishmentRegistration,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbox_events",
    )
    market_access = models.ForeignKey(
        MarketAccess,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbox_events",
    )
    # Denormalised for matching subscriptions; catalogue rows are rarely deleted, so no index.
    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="+", db_index=False)
    product = models.ForeignKey(
        Product,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        help_text=_("The access's product; registrations list theirs in their products."),
    )
    status_from = models.CharField(_("status before"), max_length=20, blank=True)
    status_to = models.CharField(_("status after"), max_length=20, blank=True)
    alert = models.OneToOneField(
        Alert, on_delete=models.SET_NULL, null=True, blank=True, related_name="event"
    )
    data = models.JSONField(_("data"), default=dict, blank=True)
    fanned_out_at = models.DateTimeField(_("fanned out at"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        constraints = [
            models.CheckConstraint(
                condition=exactly_one_of("registration", "market_access"),
                name="event_one_subject",
                violation_error_message=_("An event is about one registration or one access."),
            ),
            choices_constraint("event", "kind", EventKind),
        ]
        indexes = [
            models.Index(
                fields=["id"],
                condition=models.Q(fanned_out_at__isnull=True),
                name="event_not_fanned_out",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.registration or self.market_access}"
