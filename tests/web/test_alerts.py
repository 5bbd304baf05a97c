"""The inspectors' alert list and acknowledgement (POST, CSRF, inspectors only, who and when)."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Group
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from accessions.models import Alert
from accessions.selectors.registrations import alerts_for_dashboard
from tests.factories import EstablishmentRegistrationFactory


@pytest.fixture
def alert(db):
    reg = EstablishmentRegistrationFactory(valid_until=dt.date(2026, 3, 31))
    return Alert.objects.create(
        registration=reg,
        kind="window_opened",
        due_on=dt.date(2026, 3, 31),
        raised_on=dt.date(2025, 9, 30),
    )


@pytest.fixture
def trader(django_user_model):
    from accounts.roles import roles_ensure

    roles_ensure()
    user = django_user_model.objects.create_user("trader", password="pw-trader-1")
    user.groups.add(Group.objects.get(name="trader"))
    return user


def ack_url(alert_id):
    return reverse("alert-acknowledge", args=[alert_id])


def test_inspector_acknowledges_an_alert_keeping_who_and_when(inspector, alert):
    client = Client(enforce_csrf_checks=True)
    client.force_login(inspector)
    client.get(reverse("dashboard"))  # sets the CSRF cookie, like the browser would
    token = client.cookies["csrftoken"].value

    response = client.post(ack_url(alert.pk), {"csrfmiddlewaretoken": token})

    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == inspector
    assert alert.acknowledged_at is not None


def test_acknowledging_twice_keeps_the_first_acknowledgement(inspector, alert, client):
    client.force_login(inspector)
    client.post(ack_url(alert.pk))
    alert.refresh_from_db()
    first = alert.acknowledged_at

    client.post(ack_url(alert.pk))

    alert.refresh_from_db()
    assert alert.acknowledged_at == first


def test_acknowledge_without_csrf_token_is_refused(inspector, alert):
    client = Client(enforce_csrf_checks=True)
    client.force_login(inspector)

    response = client.post(ack_url(alert.pk))

    assert response.status_code == 403
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_trader_cannot_acknowledge(trader, alert, client):
    client.force_login(trader)

    response = client.post(ack_url(alert.pk))

    assert response.status_code == 403
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_anonymous_is_sent_to_login(alert, client):
    response = client.post(ack_url(alert.pk))

    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.parametrize(("method", "status"), [("get", 405), ("post", 404)])
def test_acknowledge_answers_405_to_get_and_404_to_missing_alert(
    inspector, alert, client, method, status
):
    client.force_login(inspector)

    response = getattr(client, method)(ack_url(alert.pk + (0 if method == "get" else 999)))

    assert response.status_code == status


def test_alert_list_shows_open_alerts_with_a_form_and_acknowledged_ones_with_who(inspector, alert):
    acknowledged = Alert.objects.create(
        registration=alert.registration,
        kind="expiring",
        threshold_days=180,
        due_on=dt.date(2026, 3, 31),
        raised_on=dt.date(2025, 10, 2),
        acknowledged_by=inspector,
        acknowledged_at=dt.datetime(2025, 10, 3, 8, 0, tzinfo=dt.UTC),
    )

    html = render_to_string("web/_alerts.html", {"alerts": alerts_for_dashboard()})

    assert len(re.findall(r'<form method="post"', html)) == 1
    assert ack_url(alert.pk) in html
    assert ack_url(acknowledged.pk) not in html
    assert "by inspector at 2025-10-03 08:00" in html
    assert alert.registration.registration_number in html


def test_dashboard_lists_alerts_for_inspectors(inspector, alert, client):
    client.force_login(inspector)

    response = client.get(reverse("dashboard"))

    assert response.status_code == 200
    assert ack_url(alert.pk) in response.content.decode()
