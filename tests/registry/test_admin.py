"""The admin inspectors maintain the registry with: every page of every model answers."""

import pytest
from django.contrib import admin

from tests.factories import MarketAccessFactory

pytestmark = pytest.mark.django_db

MODEL_ADMINS = sorted(
    (m._meta.app_label, m._meta.model_name)
    for m in admin.site._registry
    if m._meta.app_label in {"registry", "regulations", "accessions"}
)


@pytest.mark.parametrize(("app", "model"), MODEL_ADMINS)
def test_every_admin_page_answers_for_the_seeded_registry(admin_client, seeded, app, model):
    base = f"/admin/{app}/{model}/"
    assert admin_client.get(base).status_code == 200
    assert admin_client.get(base, {"q": "wheat' OR 1=1 --<script>"}).status_code == 200
    model_class = next(m for m in admin.site._registry if m._meta.model_name == model)
    model_admin = admin.site._registry[model_class]
    add = admin_client.get(f"{base}add/")
    # Records written only by the system (outbox, deliveries) have no add form.
    assert add.status_code == (200 if model_admin.has_add_permission(add.wsgi_request) else 403)
    first = model_class.objects.order_by("pk").first()
    if first is not None:
        assert admin_client.get(f"{base}{first.pk}/change/").status_code == 200


def test_an_inspectors_delete_in_the_admin_is_only_a_proposal(client, inspector):
    from accessions.models import MarketAccess, Proposal

    pk = MarketAccessFactory().pk
    client.force_login(inspector)
    assert client.get("/admin/accessions/marketaccess/").status_code == 200
    assert client.get(f"/admin/accessions/marketaccess/{pk}/delete/").status_code == 200
    client.post(f"/admin/accessions/marketaccess/{pk}/delete/", {"post": "yes"})
    assert MarketAccess.objects.filter(pk=pk).exists()
    assert Proposal.objects.filter(action="delete", object_id=str(pk), author=inspector).exists()


def test_admin_shows_the_history_of_a_record(admin_client):
    access = MarketAccessFactory()
    page = admin_client.get(f"/admin/accessions/marketaccess/{access.pk}/change/")
    assert b"Events" in page.content
    events = admin_client.get(
        "/admin/pghistory/events/", {"obj": f"accessions.MarketAccess:{access.pk}"}
    )
    assert events.status_code == 200
    assert b"insert" in events.content


def test_an_invalid_hs_code_in_the_admin_is_a_form_error(admin_client):
    response = admin_client.post(
        "/admin/registry/product/add/",
        {
            "slug": "test-product",
            "name_en": "Test",
            "category": "grain",
            "origin_type": "plant",
            "hs_code": "12AB",
            "hs_basis": "mapped",
            "source": "test",
            "confidence": "low",
            "aliases-TOTAL_FORMS": "0",
            "aliases-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "six digits" in response.content.decode()


def test_the_access_form_edits_every_column_the_access_list_imports(admin_client):
    """The admin reads the list's declaration: the Chinese and Russian conditions, who
    translated them and the basis of the establishments rule are editable (they were not)."""
    from accessions.lists import ACCESS

    access = MarketAccessFactory()
    page = admin_client.get(f"/admin/accessions/marketaccess/{access.pk}/change/").content.decode()
    imported = [c.name for c in ACCESS.columns if not c.kept and c.name != "states"]
    missing = [name for name in imported if f'name="{name}"' not in page]
    assert missing == []
