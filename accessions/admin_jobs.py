"""Admin for the background jobs: alerts, subscriptions, the outbox and the delivery log.

Imported at the bottom of accessions/admin.py. Writes go through accessions.services (actions),
so the admin follows the same rules as the web pages; the rest is read-only.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from accessions import models, services
from registry.common import DomainError


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(models.Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = (
        "kind",
        "threshold_days",
        "due_on",
        "registration",
        "market_access",
        "raised_on",
        "acknowledged_at",
        "acknowledged_by",
    )
    list_filter = ("kind", "threshold_days", ("acknowledged_at", admin.EmptyFieldListFilter))
    list_select_related = (
        "registration",
        "market_access__product",
        "market_access__country",
        "acknowledged_by",
    )
    search_fields = ("registration__registration_number", "market_access__product__slug")
    date_hierarchy = "due_on"
    actions = ["acknowledge"]

    @admin.action(description=_("Acknowledge the selected alerts"))
    def acknowledge(self, request, queryset):
        try:
            for alert_id in queryset.filter(acknowledged_at__isnull=True).values_list(
                "pk", flat=True
            ):
                services.alert_acknowledge(alert_id=alert_id, by=request.user)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)


class DeliveryAttemptInline(admin.TabularInline):
    model = models.DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("attempted_at", "status_code", "error", "duration_ms")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    """Subscriptions are created by their users (services.subscription_create validates the
    target and the URL); staff can see them and switch them off."""

    list_display = (
        "user",
        "channel",
        "country",
        "product",
        "hs_prefix",
        "registration",
        "webhook_url",
        "is_active",
        "created_at",
    )
    list_filter = ("channel", "is_active")
    list_select_related = ("user", "country", "product", "registration")
    search_fields = ("user__username", "user__email", "webhook_url", "hs_prefix")
    readonly_fields = (
        "user",
        "channel",
        "country",
        "product",
        "hs_prefix",
        "registration",
        "webhook_url",
        "created_at",
    )
    exclude = ("secret",)

    def has_add_permission(self, request):
        return False


@admin.register(models.OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "kind",
        "occurred_on",
        "registration",
        "market_access",
        "status_from",
        "status_to",
        "fanned_out_at",
    )
    list_filter = ("kind", ("fanned_out_at", admin.EmptyFieldListFilter))
    list_select_related = ("registration", "market_access__product", "market_access__country")


@admin.register(models.Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "event",
        "subscription",
        "channel",
        "state",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "delivered_at",
    )
    list_filter = ("state", "channel")
    list_select_related = ("event", "subscription__user")
    inlines = [DeliveryAttemptInline]
    actions = ["retry"]

    @admin.action(description=_("Retry the selected dead letters"))
    def retry(self, request, queryset):
        for delivery in queryset.filter(state=models.DeliveryState.DEAD):
            try:
                services.delivery_retry(delivery=delivery, by=request.user)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return
