"""Signing in on the site: trader self-registration with e-mail verification, administrators'
accounts, the lockout after repeated failures (per account name and per address), the log of
sign-ins, and no answer that tells whether an account exists."""

from __future__ import annotations

import re

from allauth.account.models import EmailAddress
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts import roles
from accounts.models import AccountProfile
from accounts.services import DEMO_ACCOUNTS, account_create

PASSWORD = "a-long-enough-passphrase-7"


def _sign_up(client, email="new.trader@example.org", password=PASSWORD):
    return client.post(
        reverse("account_signup"), {"email": email, "password1": password, "password2": password}
    )


def _verification_link(mail) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mail.body)
    assert match, mail.body
    return match.group(1)


def _sign_in(client, login, password=PASSWORD, **extra):
    return client.post(reverse("account_login"), {"login": login, "password": password}, **extra)


def test_a_trader_registers_verifies_and_signs_in(client, db, mailoutbox, django_user_model):
    response = _sign_up(client)
    assert response.status_code == 302
    user = django_user_model.objects.get(email="new.trader@example.org")
    assert roles.roles_of(user) == {roles.TRADER}
    assert not user.is_staff

    # Not verified yet: signing in sends the user to "verify your e-mail", not in.
    client.logout()
    response = _sign_in(Client(), "new.trader@example.org")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")

    link = _verification_link(mailoutbox[0])
    assert client.get(link).status_code == 200  # a page with a confirm button (no GET side effect)
    assert not EmailAddress.objects.get(user=user).verified
    client.post(link)
    assert EmailAddress.objects.get(user=user).verified

    fresh = Client()
    response = _sign_in(fresh, "new.trader@example.org")
    assert response.status_code == 302
    assert fresh.get(reverse("account-home")).status_code == 200
    assert fresh.get(reverse("dashboard")).status_code == 403


def test_nobody_gives_themselves_another_role(client, db, django_user_model):
    """Extra form fields are ignored: self-registration always makes a trader."""
    client.post(
        reverse("account_signup"),
        {
            "email": "sneaky@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "is_staff": "on",
            "is_superuser": "on",
            "groups": "inspector",
            "role": "inspector",
        },
    )
    user = django_user_model.objects.get(email="sneaky@example.org")
    assert (user.is_staff, user.is_superuser) == (False, False)
    assert roles.roles_of(user) == {roles.TRADER}


def test_passwords_are_checked_by_the_validators(client, db, django_user_model):
    response = _sign_up(client, password="12345678")
    assert response.status_code == 200
    assert not django_user_model.objects.filter(email="new.trader@example.org").exists()
    assert "too common" in response.content.decode() or "entirely numeric" in (
        response.content.decode()
    )


def test_registering_a_taken_address_says_the_same_as_a_new_one(client, db, mailoutbox):
    account_create(
        username="existing", email="taken@example.org", password=PASSWORD, role=roles.TRADER
    )
    first = _sign_up(Client(), email="taken@example.org")
    second = _sign_up(Client(), email="free@example.org")
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    # The owner of the taken address is told by e-mail, not the person at the form.
    assert {m.to[0] for m in mailoutbox} == {"taken@example.org", "free@example.org"}


def test_password_reset_says_the_same_for_known_and_unknown_addresses(db, mailoutbox):
    account_create(username="known", email="known@example.org", password=PASSWORD, role="trader")
    answers = []
    for email in ("known@example.org", "nobody@example.org"):
        client = Client()
        response = client.post(reverse("account_reset_password"), {"email": email}, follow=True)
        answers.append((response.status_code, response.redirect_chain[-1][0]))
    assert answers[0] == answers[1]
    reset_mail = [m for m in mailoutbox if m.to == ["known@example.org"]]
    assert reset_mail and "/accounts/password/reset/key/" in reset_mail[0].body


def test_a_wrong_password_and_an_unknown_account_get_the_same_message(db):
    account_create(username="known", email="known@example.org", password=PASSWORD, role="trader")
    wrong = _sign_in(Client(), "known@example.org", password="not-the-password")
    unknown = _sign_in(Client(), "nobody@example.org", password="not-the-password")
    assert wrong.status_code == unknown.status_code == 200

    def message(response):
        return re.search(
            r'<div class="errorlist" role="alert">(.*?)</div>', response.content.decode(), re.S
        ).group(1)

    assert message(wrong) == message(unknown)


def test_repeated_failures_lock_the_account_whatever_the_address(db, settings):
    settings.AXES_FAILURE_LIMIT = 3
    account_create(username="target", email="target@example.org", password=PASSWORD, role="trader")
    answers = [
        _sign_in(Client(REMOTE_ADDR=f"10.0.0.{n + 1}"), login, "wrong").status_code
        for n, login in enumerate(("target@example.org", "TARGET", "Target@Example.org"))
    ]
    assert answers == [200, 200, 429]  # the third failure locks, however the name was typed
    # The right password from yet another address: still refused, with the lockout page.
    locked = _sign_in(Client(REMOTE_ADDR="10.0.0.9"), "target@example.org")
    assert locked.status_code == 429
    assert "Sign-in paused" in locked.content.decode()
    assert AccessAttempt.objects.filter(username="target").exists()


def test_repeated_failures_lock_the_address_whatever_the_account(db, settings):
    settings.AXES_FAILURE_LIMIT = 3
    account_create(username="other", email="other@example.org", password=PASSWORD, role="trader")
    for n in range(2):
        _sign_in(Client(REMOTE_ADDR="10.9.9.9"), f"guess{n}@example.org", "wrong")
    assert (
        _sign_in(Client(REMOTE_ADDR="10.9.9.9"), "guess9@example.org", "wrong").status_code == 429
    )
    locked = _sign_in(Client(REMOTE_ADDR="10.9.9.9"), "other@example.org")
    assert locked.status_code == 429
    elsewhere = _sign_in(Client(REMOTE_ADDR="10.9.9.10"), "other@example.org")
    assert elsewhere.status_code == 302


def test_the_lockout_looks_the_same_for_existing_and_unknown_accounts(db, settings):
    settings.AXES_FAILURE_LIMIT = 2
    account_create(username="real", email="real@example.org", password=PASSWORD, role="trader")
    pages = []
    for name, address in (("real@example.org", "10.1.1.1"), ("ghost@example.org", "10.2.2.2")):
        for _ in range(2):
            _sign_in(Client(REMOTE_ADDR=address), name, "wrong")
        response = _sign_in(Client(REMOTE_ADDR=address), name, "wrong")
        page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
        pages.append((response.status_code, page.replace(name, "NAME")))
    assert pages[0] == pages[1]
    assert pages[0][0] == 429


def test_the_admin_has_no_sign_in_of_its_own(client, db):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_sign_ins_sign_outs_and_failures_are_recorded(db):
    account_create(username="logged", email="logged@example.org", password=PASSWORD, role="trader")
    client = Client(REMOTE_ADDR="10.3.3.3")
    _sign_in(client, "logged@example.org", "wrong")
    assert AccessFailureLog.objects.filter(username="logged").count() == 1
    assert _sign_in(client, "logged@example.org").status_code == 302
    client.post(reverse("account_logout"))
    log = AccessLog.objects.get(username="logged")
    assert log.attempt_time is not None and log.logout_time is not None


def test_an_administrators_account_needs_no_verification_mail(db, django_user_model, mailoutbox):
    """createsuperuser (or the admin) makes an account without an address record; the
    administrator vouches for the address, so signing in works at once."""
    django_user_model.objects.create_superuser("root", "root@example.org", PASSWORD)
    client = Client()
    response = _sign_in(client, "root")
    assert response.status_code == 302
    assert response["Location"] != reverse("account_email_verification_sent")
    assert client.get("/admin/").status_code == 200
    assert mailoutbox == []


def test_pages_come_in_the_language_the_user_chose(db):
    user = account_create(
        username="lang", email="lang@example.org", password=PASSWORD, role="trader"
    )
    client = Client()
    client.force_login(user)
    client.post(reverse("account-language"), {"language": "ru"})
    assert AccountProfile.objects.get(user=user).language == "ru"

    fresh = Client()
    response = _sign_in(fresh, "lang@example.org")
    assert response.cookies["django_language"].value == "ru"
    assert "Мои подписки" in fresh.get(reverse("subscriptions")).content.decode()


def test_a_language_that_is_not_offered_is_refused(db):
    user = account_create(
        username="lang", email="lang@example.org", password=PASSWORD, role="trader"
    )
    client = Client()
    client.force_login(user)
    client.post(reverse("account-language"), {"language": "xx"})
    assert AccountProfile.objects.get(user=user).language == ""


def test_demo_accounts_one_per_role_only_where_allowed(seeded, settings, django_user_model, capsys):
    settings.REGISTRY_DEMO_USERS = False
    call_command("load_demo", date="2025-03-01")
    assert not django_user_model.objects.filter(username__startswith="demo-").exists()

    settings.REGISTRY_DEMO_USERS = True
    call_command("load_demo", date="2025-03-01")
    out = capsys.readouterr().out
    for username, role in DEMO_ACCOUNTS:
        user = django_user_model.objects.get(username=username)
        assert roles.main_role(user) == role
        assert user.profile.is_illustrative
        password = re.search(rf"{username}\s+password: (\S+)", out).group(1)
        assert user.check_password(password)
