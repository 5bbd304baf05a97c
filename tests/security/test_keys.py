"""Finding 5: invalid keys are throttled per client address before authentication (and then cost
no database lookup), a deactivated user's key is refused, and only administrators issue keys for
others (in the admin too)."""

import pytest

from api.models import ApiKey
from api.services import api_key_issue
from registry.errors import DomainError

pytestmark = pytest.mark.django_db


@pytest.fixture
def bad_key_limit(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1000/min", "key": "1000/min", "bad_key": "5/min"},
    }


def test_invalid_keys_are_throttled_by_address(client, bad_key_limit):
    answers = [
        client.get("/api/v1/countries/", HTTP_X_API_KEY=f"wrong-{n}").status_code for n in range(5)
    ]
    assert answers == [401] * 5
    throttled = client.get("/api/v1/countries/", HTTP_X_API_KEY="wrong-6")
    assert throttled.status_code == 429
    assert throttled["Content-Type"].startswith("application/problem+json")
    assert int(throttled["Retry-After"]) >= 1
    # Another address is not affected.
    other = client.get("/api/v1/countries/", HTTP_X_API_KEY="wrong-7", REMOTE_ADDR="10.9.9.9")
    assert other.status_code == 401


def test_a_throttled_key_guess_costs_no_database_lookup(
    client, bad_key_limit, django_assert_max_num_queries
):
    for n in range(5):
        client.get("/api/v1/countries/", HTTP_X_API_KEY=f"wrong-{n}")
    with django_assert_max_num_queries(0):
        assert client.get("/api/v1/countries/", HTTP_X_API_KEY="guess").status_code == 429


def test_valid_keys_are_not_counted_as_failures(client, bad_key_limit):
    raw = api_key_issue(name="good")[1]
    for _ in range(8):
        assert client.get("/api/v1/countries/", HTTP_X_API_KEY=raw).status_code == 200


def test_a_deactivated_users_key_is_refused(client, django_user_model):
    owner = django_user_model.objects.create_user("client", password="pw-client-1")
    raw = api_key_issue(name="theirs", owner=owner)[1]
    assert client.get("/api/v1/changes/", HTTP_X_API_KEY=raw).status_code == 200
    owner.is_active = False
    owner.save()
    refused = client.get("/api/v1/changes/", HTTP_X_API_KEY=raw)
    assert refused.status_code == 401
    assert refused["Content-Type"].startswith("application/problem+json")


def test_an_inspector_cannot_issue_keys_for_others(client, inspector, django_user_model):
    other = django_user_model.objects.create_user("someone", password="pw-someone-1")
    with pytest.raises(DomainError):
        api_key_issue(name="for someone", owner=other, by=inspector)
    client.force_login(inspector)
    assert client.get("/admin/api/apikey/add/").status_code == 403
    response = client.post("/admin/api/apikey/add/", {"name": "x", "owner": other.pk})
    assert response.status_code == 403
    assert not ApiKey.objects.filter(owner=other).exists()


def test_an_administrator_issues_keys_in_the_admin(client, django_user_model):
    admin = django_user_model.objects.create_superuser("boss", password="pw-boss-1")
    other = django_user_model.objects.create_user("someone", password="pw-someone-1")
    client.force_login(admin)
    response = client.post("/admin/api/apikey/add/", {"name": "for someone", "owner": other.pk})
    assert response.status_code == 302
    assert ApiKey.objects.filter(owner=other).count() == 1
