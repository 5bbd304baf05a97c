"""A signed-in user's own pages: the account page (who I am, my language, my watchlist), my
subscriptions (with their deliveries and dead letters) and my API keys. Sign-in, sign-up,
password and e-mail pages are django-allauth's (/accounts/…), styled by templates/allauth/.
Thin views: the services write, accounts.roles decides (through web.guards)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.services import account_language_set, profile_of
from api import services as api_keys
from api.models import ApiKey
from notifications import services as notifications
from notifications import subscriptions as subscribing
from notifications import webhook_tests
from notifications.models import Delivery, Subscription, Watch
from notifications.selectors import recent_deliveries, subscriptions_of, watches_of
from notifications.webhook_urls import webhook_url_rules
from registry.errors import DomainError
from registry.models import Country, Product
from web.auth import language_cookie_set
from web.guards import requires
from web.saved import saved_questions_of

Ability = roles.Ability
PRODUCT_SUGGESTIONS = 1000
NEW_KEY_SESSION_KEY = "registry_new_api_key"
# A new webhook's signing secret waits server-side for the one page that shows it (never in the
# messages cookie, which is signed but not encrypted).
NEW_SECRET_SESSION_KEY = "registry_new_webhook_secret"  # noqa: S105 - a key name


def _suggestions():
    return Product.objects.only("slug", "name_en", "name_zh", "name_ru").order_by("name_en")[
        :PRODUCT_SUGGESTIONS
    ]


def _not_yours(exc: DomainError) -> None:
    """Someone else's record reads as missing (no hint that it exists)."""
    if exc.code == "not_allowed":
        raise Http404(exc.message) from exc


# --- The account page: who I am, my language, my watchlist --------------------------------------


@requires(Ability.READ)
def account_home(request):
    return _account_page(request)


def _account_page(request, *, status: int = 200, error: str = "", form_data=None):
    user = request.user
    may_watch = roles.may_watch(user)
    context = {
        "profile": profile_of(user),
        "role": roles.ROLE_LABELS[roles.main_role(user)],
        "may_watch": may_watch,
        "watches": watches_of(user) if may_watch else [],
        "countries": Country.objects.order_by("name_en"),
        "suggestions": _suggestions(),
        "watch_error": error,
        "form_data": form_data or {},
        "subscription_count": Subscription.objects.filter(user=user).count(),
        "key_count": ApiKey.objects.filter(owner=user, revoked_at__isnull=True).count(),
        "saved_questions": saved_questions_of(user) if roles.may_subscribe(user) else [],
        "may_save_questions": roles.may_subscribe(user),
    }
    return render(request, "web/account/home.html", context, status=status)


@require_POST
@requires(Ability.READ)
def account_language(request):
    language = request.POST.get("language", "")
    try:
        account_language_set(user=request.user, language=language)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("account-home")
    response = redirect("account-home")
    language_cookie_set(response, language)
    messages.success(request, _("Pages and e-mails will be in this language."))
    return response


@require_POST
@requires(Ability.WATCH)
def watch_add(request):
    try:
        watch = subscribing.watch_add(
            user=request.user,
            product=request.POST.get("product", ""),
            country=request.POST.get("country", ""),
        )
    except DomainError as exc:
        _not_yours(exc)
        return _account_page(request, status=400, error=exc.message, form_data=request.POST)
    messages.success(request, _("You now follow %(subject)s.") % {"subject": _watch_label(watch)})
    return redirect("account-home")


def _watch_label(watch: Watch) -> str:
    if watch.country is None:
        return watch.product.name
    return f"{watch.product.name} ({watch.country.name})"


@require_POST
@requires(Ability.WATCH)
def watch_remove(request, pk: int):
    watch = get_object_or_404(Watch.objects.select_related("product", "country"), pk=pk)
    try:
        subscribing.watch_remove(watch=watch, by=request.user)
    except DomainError as exc:
        _not_yours(exc)
        raise
    messages.success(
        request, _("You no longer follow %(subject)s.") % {"subject": _watch_label(watch)}
    )
    return redirect("account-home")


# --- My subscriptions ---------------------------------------------------------------------------


@requires(Ability.SUBSCRIBE)
def subscriptions(request):
    """My subscriptions, their recent deliveries and dead letters, and a form to add one.
    POST: subscribe; the service resolves the product by any of its names and checks the URL."""
    status, error, faults = 200, None, []
    if request.method == "POST":
        try:
            created = subscribing.subscription_create(
                user=request.user,
                channel=request.POST.get("channel", ""),
                country=request.POST.get("country", ""),
                product=request.POST.get("product", ""),
                hs_prefix=request.POST.get("hs_prefix", ""),
                registration=request.POST.get("registration", ""),
                webhook_url=request.POST.get("webhook_url", ""),
            )
        except DomainError as exc:
            status, error, faults = 400, exc.message, exc.extra.get("messages", [])
        else:
            if created.product is not None:  # confirm what the words resolved to
                messages.success(
                    request,
                    _("Subscribed to %(product)s.") % {"product": created.product.name},
                )
            else:
                messages.success(request, _("Subscribed."))
            if created.secret:
                request.session[NEW_SECRET_SESSION_KEY] = created.secret  # popped just below
            return redirect("subscriptions")
    subs = list(subscriptions_of(request.user))
    recent = recent_deliveries([s.pk for s in subs])
    for sub in subs:
        sub.recent = recent[sub.pk]  # type: ignore[attr-defined]  # read by the template
    context = {
        "subscriptions": subs,
        # While a test event is on its way the page reloads itself to show the result.
        "tests_open": any(t.is_open for s in subs for t in s.latest_tests[:1]),  # type: ignore[attr-defined]
        "new_secret": request.session.pop(NEW_SECRET_SESSION_KEY, None),
        "error": error,
        "faults": faults,
        "form_data": request.POST if request.method == "POST" else {},
        "countries": Country.objects.order_by("name_en"),
        "suggestions": _suggestions(),
        "webhook_rules": webhook_url_rules(),
    }
    return render(request, "web/account/subscriptions.html", context, status=status)


def _own_subscription(request, pk: int) -> Subscription:
    subscription = get_object_or_404(Subscription, pk=pk)
    if not roles.may_manage_subscription(request.user, subscription):
        raise Http404(_("No such subscription."))
    return subscription


@require_POST
@requires(Ability.SUBSCRIBE, then="subscriptions")
def subscription_pause(request, pk: int):
    subscription = _own_subscription(request, pk)
    active = request.POST.get("active") == "1"
    subscribing.subscription_set_active(subscription=subscription, by=request.user, active=active)
    messages.success(request, _("Subscription resumed.") if active else _("Subscription paused."))
    return redirect("subscriptions")


@require_POST
@requires(Ability.SUBSCRIBE, then="subscriptions")
def subscription_delete(request, pk: int):
    subscription = _own_subscription(request, pk)
    subscribing.subscription_delete(subscription=subscription, by=request.user)
    messages.success(request, _("Subscription deleted."))
    return redirect("subscriptions")


@require_POST
@requires(Ability.SUBSCRIBE, then="subscriptions")
def subscription_test(request, pk: int):
    """Ask for a signed test event: the worker sends it, the page shows the result when it comes
    (no request waits on the subscriber's receiver)."""
    subscription = _own_subscription(request, pk)
    try:
        webhook_tests.webhook_test_request(subscription=subscription, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The test event is on its way; its result appears beside the subscription."),
        )
    return redirect(reverse("subscriptions") + f"#subscription-{subscription.pk}")


@require_POST
@requires(Ability.SUBSCRIBE, then="subscriptions")
def delivery_retry(request, pk: int):
    """The subscriber asks for another round of attempts for a dead letter."""
    delivery = get_object_or_404(Delivery.objects.select_related("subscription"), pk=pk)
    try:
        notifications.delivery_retry(delivery=delivery, by=request.user)
    except DomainError as exc:
        _not_yours(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The delivery will be retried."))
    return redirect("subscriptions")


# --- My API keys --------------------------------------------------------------------------------


@requires(Ability.OWN_API_KEYS)
def api_keys_page(request):
    """My API keys: make one (the key is shown once, on the next page, then only its prefix),
    revoke one. Keys are stored hashed; each key has the per-key rate limit."""
    status, error = 200, ""
    if request.method == "POST":
        try:
            _key, raw = api_keys.api_key_issue(
                name=request.POST.get("name", ""), owner=request.user, by=request.user
            )
        except DomainError as exc:
            status, error = 400, exc.message
        except ValidationError as exc:  # no name
            status, error = 400, " ".join(exc.messages)
        else:
            request.session[NEW_KEY_SESSION_KEY] = raw  # server-side, popped on the next page
            return redirect("api-keys")
    context = {
        "keys": ApiKey.objects.filter(owner=request.user).order_by("-created_at"),
        "new_key": request.session.pop(NEW_KEY_SESSION_KEY, None),
        "error": error,
        "limit": settings.REGISTRY_API_KEYS_PER_USER,
        "rate": settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].get("key"),
    }
    return render(request, "web/account/api_keys.html", context, status=status)


@require_POST
@requires(Ability.OWN_API_KEYS, then="api-keys")
def api_key_revoke(request, pk: int):
    key = get_object_or_404(ApiKey, pk=pk)
    try:
        api_keys.api_key_revoke(key=key, by=request.user)
    except DomainError as exc:
        _not_yours(exc)
        raise
    messages.success(request, _("The key %(prefix)s… is revoked.") % {"prefix": key.prefix})
    return redirect("api-keys")
