"""Finding 7: no secret in cookies or messages (the webhook secret is shown once, on the page that
created it); the HTML checker shares the API's rate limit and answers invalid input with 400; an
unsafe `next` after the admin's sign-in lands on a real page."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from notifications.models import Subscription
from tests.factories import CountryFactory, MarketAccessFactory, ProductFactory


@pytest.fixture
def trader(django_user_model):
    from accounts.roles import roles_ensure

    roles_ensure()
    user = django_user_model.objects.create_user(
        "trader", email="trader@example.org", password="pw-trader-1"
    )
    user.groups.add(Group.objects.get(name="trader"))
    return user


def test_the_webhook_secret_is_shown_once_and_never_put_in_a_cookie(client, trader):
    CountryFactory(iso2="KZ", iso3="KAZ")
    client.force_login(trader)
    created = client.post(
        reverse("subscriptions"),
        {"channel": "webhook", "country": "KZ", "webhook_url": "https://example.org/hook"},
    )
    assert created.status_code == 302
    secret = Subscription.objects.get().secret
    for cookie in created.cookies.values():
        assert secret not in cookie.value
    shown = client.get(reverse("subscriptions"))
    assert secret in shown.content.decode()
    for cookie in shown.cookies.values():
        assert secret not in cookie.value
    assert secret not in client.get(reverse("subscriptions")).content.decode()


@pytest.fixture
def maize_from_kz(db):
    """The one pair the checker is asked about (a made-up record, not the seeds)."""
    return MarketAccessFactory(
        product=ProductFactory(slug="maize", name_en="Maize"),
        country=CountryFactory(iso2="KZ", iso3="KAZ"),
    )


@pytest.mark.parametrize(
    "query",
    [
        {"product": "maize", "country": "ZZZ"},
        {"product": "maize", "country": "KZ", "date": "2024-02-30"},
        {"product": "", "country": "KZ"},
    ],
)
def test_the_checker_answers_invalid_input_with_400(client, maize_from_kz, query):
    response = client.get("/check/", query)
    assert response.status_code == 400
    assert b'class="form-error' in response.content or b"errorlist" in response.content


def test_the_checker_answers_a_valid_question_with_200(client, maize_from_kz):
    assert client.get("/check/", {"product": "maize", "country": "KZ"}).status_code == 200
    assert client.get("/check/").status_code == 200  # the empty form


def test_the_checker_shares_the_apis_rate_limit(client, maize_from_kz, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "4/min", "key": "100/min", "bad_key": "30/min"},
    }
    assert client.get("/api/v1/countries/").status_code == 200
    assert client.get("/api/v1/countries/").status_code == 200
    for _ in range(2):
        assert client.get("/check/", {"product": "maize", "country": "KZ"}).status_code == 200
    # The API's four requests a minute are used up by the pages and the API together.
    limited = client.get("/check/", {"product": "maize", "country": "KZ"})
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) >= 1
    assert client.get("/api/v1/countries/").status_code == 429


@pytest.mark.parametrize("unsafe", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_an_unsafe_next_after_the_admin_sign_in_lands_on_a_real_page(
    client, django_user_model, unsafe
):
    from allauth.account.models import EmailAddress

    boss = django_user_model.objects.create_superuser(
        "boss", email="boss@example.org", password="pw-boss-1"
    )
    EmailAddress.objects.create(user=boss, email=boss.email, verified=True, primary=True)
    to_login = client.get("/admin/login/", {"next": unsafe}, follow=True)
    assert to_login.status_code == 200
    login_url = to_login.redirect_chain[-1][0] if to_login.redirect_chain else "/admin/login/"
    response = client.post(
        login_url,
        {"login": "boss", "username": "boss", "password": "pw-boss-1", "next": unsafe},
        follow=True,
    )
    assert response.status_code == 200
    assert response.redirect_chain
    final = response.redirect_chain[-1][0]
    assert "evil.example" not in final
    assert final == reverse("account-home")
