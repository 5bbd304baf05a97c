"""What the embedded mode needs from the pages: inspectors run the expiry sweep from the
dashboard, the history admin explains itself without PostgreSQL, and "%00" in a search is named.
"""

import pytest

from accessions.models import EstablishmentRegistration, RegistrationStatus
from accounts.services import account_create


def test_inspector_runs_the_expiry_sweep_from_the_dashboard(inspector_client, world):
    page = inspector_client.get("/dashboard/").content.decode()
    assert 'action="/dashboard/sweep/"' in page
    response = inspector_client.post("/dashboard/sweep/", follow=True)
    assert response.status_code == 200
    assert "Expiry sweep done" in response.content.decode()
    # Both registrations of the world expired before today (2025); the sweep moved them on.
    statuses = set(EstablishmentRegistration.objects.values_list("status", flat=True))
    assert statuses == {RegistrationStatus.EXPIRED}


def test_the_sweep_button_works_while_another_thread_runs_a_task(inspector_client, world):
    """Celery's "inside a task" flag is one per process, set while any thread runs a task in
    process (a threaded server in the embedded mode): the button answered 500 meanwhile."""
    from celery.result import denied_join_result

    with denied_join_result():  # as while another thread's task runs
        response = inspector_client.post("/dashboard/sweep/", follow=True)
    assert response.status_code == 200
    assert "Expiry sweep done" in response.content.decode()


@pytest.mark.parametrize("role", ["trader", None])
def test_the_sweep_button_is_for_inspectors_only(client, world, role):
    if role:
        client.force_login(
            account_create(
                username="t-sweep", email="t@example.org", password="pw-x-1234567", role=role
            )
        )
        assert client.post("/dashboard/sweep/").status_code == 403
    else:
        response = client.post("/dashboard/sweep/")
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert set(EstablishmentRegistration.objects.values_list("status", flat=True)) == {
        RegistrationStatus.REGISTERED
    }


def test_the_sweep_button_refuses_get(inspector_client, world):
    assert inspector_client.get("/dashboard/sweep/").status_code == 405


def test_a_null_character_in_the_search_is_named(client, world):
    response = client.get("/search/?q=maize%00")
    assert response.status_code == 400
    body = response.content.decode()
    assert "The search text contains a null character" in body
    assert "Some filters are not valid" not in body


def test_history_admin_says_history_needs_postgresql(admin_client, monkeypatch):
    from registry import admin

    monkeypatch.setattr(admin, "history_supported", lambda: False)
    response = admin_client.get("/admin/pghistory/events/")
    assert response.status_code == 200
    assert "History is recorded on PostgreSQL only" in response.content.decode()


def test_history_admin_lists_events_on_postgresql(admin_client, world):
    assert admin_client.get("/admin/pghistory/events/").status_code == 200


@pytest.mark.parametrize(
    ("language", "heading"), [("ru", "Что-то пошло не так"), ("zh-hans", "出现错误")]
)
def test_the_500_page_is_translated_and_needs_no_request(language, heading):
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override(language):
        html = render_to_string("500.html")  # as Django's server_error renders it: no context
    assert heading in html
    assert f'lang="{language}"' in html
