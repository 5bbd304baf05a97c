"""Admin of subscriptions and deliveries. Subscriptions are created by their users; writes go
through notifications.services (actions), so the admin follows the same rules as the pages."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from accessions.admin import ReadOnlyAdmin
from accounts import roles
from notifications import models, services
from registry.errors import DomainError


class DeliveryAttemptInline(admin.TabularInline):
    model = models.DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("attempted_at", "status_code", "error", "duration_ms")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    """Subscriptions are created by their users (notifications.subscriptions.subscription_create
    validates the target and the URL); staff can see them and switch them off."""

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

    # A subscriber's webhook address is theirs: inspectors see the subscription, not where it
    # posts (accounts.roles.may_see_subscriber_addresses).
    def _hides_addresses(self, request) -> bool:
        return not roles.may_see_subscriber_addresses(request.user)

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        return [f for f in shown if f != "webhook_url"] if self._hides_addresses(request) else shown

    def get_search_fields(self, request):
        shown = super().get_search_fields(request)
        return [f for f in shown if f != "webhook_url"] if self._hides_addresses(request) else shown

    def get_readonly_fields(self, request, obj=None):
        shown = super().get_readonly_fields(request, obj)
        return [f for f in shown if f != "webhook_url"] if self._hides_addresses(request) else shown

    def get_exclude(self, request, obj=None):
        hidden = tuple(super().get_exclude(request, obj) or ())
        return (*hidden, "webhook_url") if self._hides_addresses(request) else hidden


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
