"""Issue 27, items 6 and 7: allauth's own rate limits (31st sign-in a minute from one address,
6th password reset for one address) answer with the 429 page, not a TemplateSyntaxError; sign-up
does the same work (a password hash and the new account's rows) whether or not the address has
an account, so its time tells nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import roles
from accounts.services import account_create

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-passphrase-7"


def test_the_31st_sign_in_in_a_minute_gets_the_429_page(db):
    account_create(username="busy", email="busy@example.org", password=PASSWORD, role="trader")
    client = Client(REMOTE_ADDR="203.0.113.7")
    statuses = []
    for _ in range(31):
        response = client.post(
            reverse("account_login"), {"login": "busy@example.org", "password": PASSWORD}
        )
        statuses.append(response.status_code)
        client.cookies.clear()  # signed out again: the next post is a sign-in too
    assert statuses[:30] == [302] * 30
    assert statuses[30] == 429
    assert "Too many attempts from your address" in response.content.decode()


def test_the_6th_password_reset_for_one_address_gets_the_429_page(db):
    statuses = []
    for _ in range(6):
        response = Client().post(reverse("account_reset_password"), {"email": "x@example.org"})
        statuses.append(response.status_code)
    assert statuses == [302] * 5 + [429]
    assert "Too many attempts from your address" in response.content.decode()


class CountingHasher(MD5PasswordHasher):
    """The test hasher, counting the hashes it makes."""

    algorithm = "counting_md5"
    made = 0

    def encode(self, password, salt):
        CountingHasher.made += 1
        return super().encode(password, salt).replace("md5$", "counting_md5$", 1)


def _sign_up(email: str) -> tuple[int, int, int]:
    """(status, hashes made, SQL statements) of one sign-up."""
    CountingHasher.made = 0
    with CaptureQueriesContext(connection) as queries:
        response = Client().post(
            reverse("account_signup"),
            {"email": email, "password1": PASSWORD, "password2": PASSWORD},
        )
    return response.status_code, CountingHasher.made, len(queries)


def test_sign_up_does_the_same_work_for_a_taken_address_as_for_a_new_one(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    account_create(
        username="existing", email="taken@example.org", password=PASSWORD, role=roles.TRADER
    )
    _sign_up("warm-up@example.org")  # first-use costs (content types, groups) out of the way
    new_status, new_hashes, new_queries = _sign_up("free@example.org")
    taken_status, taken_hashes, taken_queries = _sign_up("taken@example.org")

    assert new_status == taken_status == 302
    assert new_hashes == taken_hashes == 1
    # The taken address runs the new account's statements too (then rolls them back).
    assert taken_queries >= 0.8 * new_queries, (taken_queries, new_queries)
