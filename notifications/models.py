"""Subscriptions, and the delivery of outbox events to them (webhooks and e-mail digests)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accessions.models import EstablishmentRegistration, OutboxEvent
from registry.constraints import choices_constraint, exactly_one_of
from registry.models import Country, Product


class Channel(models.TextChoices):
    EMAIL = "email", _("e-mail digest")
    WEBHOOK = "webhook", _("webhook")


HS_PREFIX_REGEX = r"^[0-9]{2,6}$"


class Subscription(models.Model):
    """A trader or inspector who wants to hear about one country, product, HS prefix or producer."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="registry_subscriptions"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    country = models.ForeignKey(
        Country, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    hs_prefix = models.CharField(_("HS code prefix"), max_length=6, null=True, blank=True)
    registration = models.ForeignKey(
        EstablishmentRegistration,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="subscriptions",
    )
    webhook_url = models.URLField(_("webhook URL"), max_length=500, blank=True)
    secret = models.CharField(_("signing secret"), max_length=64, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["user", "id"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.CheckConstraint(
                condition=exactly_one_of("country", "product", "hs_prefix", "registration"),
                name="subscription_one_target",
                violation_error_message=_(
                    "Subscribe to exactly one country, product, HS prefix or establishment."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(hs_prefix__isnull=True)
                | models.Q(hs_prefix__regex=HS_PREFIX_REGEX),
                name="subscription_hs_prefix_digits",
                violation_error_message=_("An HS prefix is 2 to 6 digits."),
            ),
            models.CheckConstraint(
                condition=models.Q(channel="email")
                | (
                    models.Q(webhook_url__startswith="http://")
                    | models.Q(webhook_url__startswith="https://")
                ),
                name="subscription_webhook_http",
                violation_error_message=_("A webhook URL must start with http:// or https://."),
            ),
            choices_constraint("subscription", "channel", Channel),
        ]

    def __str__(self) -> str:
        target = self.country or self.product or self.hs_prefix or self.registration
        return f"{self.user} → {target} ({self.channel})"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("pending")
    RETRYING = "retrying", _("retrying")
    DELIVERED = "delivered", _("delivered")
    DEAD = "dead", _("dead letter")


class Delivery(models.Model):
    """One event for one subscription: sent at most once on success, retried with backoff, then
    a dead letter the subscriber can see. The unique constraint keeps it one per pair."""

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    state = models.CharField(
        _("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(
        _("last HTTP status"), null=True, blank=True
    )
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "subscription"], name="delivery_once_per_event_subscription"
            ),
            choices_constraint("delivery", "state", DeliveryState),
            choices_constraint("delivery", "channel", Channel),
        ]
        indexes = [
            models.Index(fields=["channel", "state", "next_attempt_at"], name="delivery_due")
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription} ({self.state})"

    @property
    def idempotency_key(self) -> str:
        return f"{self.event_id}:{self.subscription_id}"


class DeliveryAttempt(models.Model):
    """The delivery log: every attempt, its HTTP status or error, and how long it took."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="log")
    attempted_at = models.DateTimeField(_("attempted at"))
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        ordering = ["delivery", "attempted_at"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.attempted_at:%Y-%m-%d %H:%M} {self.status_code or '-'}"


class Watch(models.Model):
    """A product, or a country-product pair, that a signed-in user follows on their account page
    (no delivery: the page shows its access entries and their latest changes)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="registry_watches"
    )
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    country = models.ForeignKey(
        Country, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["user", "-created_at"]
        verbose_name = _("watched product")
        verbose_name_plural = _("watched products")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "product"],
                condition=models.Q(country__isnull=True),
                name="watch_unique_product",
                violation_error_message=_("You already follow this product."),
            ),
            models.UniqueConstraint(
                fields=["user", "product", "country"],
                condition=models.Q(country__isnull=False),
                name="watch_unique_pair",
                violation_error_message=_("You already follow this product from this country."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.product}" + (f" / {self.country}" if self.country else "")


class WebhookTestState(models.TextChoices):
    QUEUED = "queued", _("waiting for the worker")
    SENDING = "sending", _("being sent")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed")


WEBHOOK_TEST_OPEN = (WebhookTestState.QUEUED, WebhookTestState.SENDING)
# The failure classes of notifications.outbound (and an interrupted send), as a subscriber reads
# them; never the error text of a connection.
FAILURE_LABELS = {
    "blocked": _("address not allowed"),
    "unresolved": _("host not found"),
    "refused": _("connection refused"),
    "timeout": _("no answer in time"),
    "tls": _("TLS failed"),
    "network": _("network error"),
    "interrupted": _("interrupted"),
}


class WebhookTest(models.Model):
    """A signed test event a subscriber asked for ("Send a test event"): sent by the worker, never
    inside the request, its result shown on the subscriptions page when it comes. At most one is
    open (queued or being sent) per subscription."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="webhook_tests"
    )
    state = models.CharField(
        _("state"), max_length=10, choices=WebhookTestState.choices, default=WebhookTestState.QUEUED
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    # While being sent: a worker that dies leaves it to be taken again once the lease is over.
    lease_until = models.DateTimeField(_("leased until"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=100, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("webhook test")
        verbose_name_plural = _("webhook tests")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription"],
                condition=models.Q(state__in=["queued", "sending"]),
                name="webhook_test_one_open",
            ),
            choices_constraint("webhook_test", "state", WebhookTestState),
        ]

    def __str__(self) -> str:
        return f"test {self.pk} → {self.subscription_id} ({self.state})"

    @property
    def idempotency_key(self) -> str:
        return f"test-{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state in WEBHOOK_TEST_OPEN

    @property
    def error_label(self) -> str:
        return str(FAILURE_LABELS.get(self.error, self.error))


class SavedQuestion(models.Model):
    """An eligibility question a trader keeps (product, country, optional port and producer),
    with the answer the registry last gave it and the day that answer last changed. The daily
    job re-answers every saved question through the one engine and, when the verdict or the
    reasons change, writes a SavedQuestionChange (the saved questions' outbox) in the same
    transaction; the change is told by e-mail or signed webhook, as the trader chose."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_questions"
    )
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="+")
    port = models.ForeignKey(
        "registry.Port", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    establishment = models.CharField(
        _("establishment registration number"), max_length=32, blank=True
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    webhook_url = models.URLField(_("webhook URL"), max_length=500, blank=True)
    secret = models.CharField(_("signing secret"), max_length=64, blank=True)
    verdict = models.CharField(_("verdict"), max_length=30)
    # [{"code": ..., "message": ...}] as last answered (messages in the owner's language).
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    answered_on = models.DateField(_("answered on"))
    changed_on = models.DateField(_("answer last changed on"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["user", "-created_at", "-id"]
        verbose_name = _("saved question")
        verbose_name_plural = _("saved questions")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "product", "country", "port", "establishment"],
                nulls_distinct=False,
                name="saved_question_once",
                violation_error_message=_("You already saved this question."),
            ),
            models.CheckConstraint(
                condition=models.Q(channel="email")
                | models.Q(webhook_url__startswith="http://")
                | models.Q(webhook_url__startswith="https://"),
                name="saved_question_webhook_http",
                violation_error_message=_("A webhook URL must start with http:// or https://."),
            ),
            choices_constraint("saved_question", "channel", Channel),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.product} / {self.country}"


class SavedQuestionChange(models.Model):
    """A saved question's answer changed: before and after, written with the new answer, and
    delivered at most once on success (retried with backoff, then a dead letter)."""

    question = models.ForeignKey(SavedQuestion, on_delete=models.CASCADE, related_name="changes")
    changed_on = models.DateField(_("changed on"))
    verdict_before = models.CharField(_("verdict before"), max_length=30)
    verdict_after = models.CharField(_("verdict after"), max_length=30)
    reasons_before = models.JSONField(_("reasons before"), default=list, blank=True)
    reasons_after = models.JSONField(_("reasons after"), default=list, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(
        _("last HTTP status"), null=True, blank=True
    )
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("saved question change")
        verbose_name_plural = _("saved question changes")
        constraints = [
            models.UniqueConstraint(
                fields=["question", "changed_on"], name="saved_question_change_once_a_day"
            ),
            choices_constraint("saved_question_change", "state", DeliveryState),
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="saved_change_due")]

    def __str__(self) -> str:
        return f"{self.question_id} {self.changed_on}: {self.verdict_before} → {self.verdict_after}"
