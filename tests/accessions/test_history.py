"""History of changes with legal effect: who, when, before and after, bulk changes by code too."""

import pytest
from pghistory.models import Events

from accessions.models import MarketAccess
from registry.history import history_context
from tests import factories as f

pytestmark = pytest.mark.django_db


def _events(model, pk):
    return list(model.pgh_event_model.objects.filter(pgh_obj_id=pk).order_by("pgh_id"))


def test_bulk_update_by_code_is_recorded_with_who_and_before_and_after(django_user_model):
    inspector = django_user_model.objects.create_user("bulk-editor")
    accesses = f.MarketAccessFactory.create_batch(3, status="in_force")

    with history_context(user=inspector.pk, reason="disease outbreak"):
        changed = MarketAccess.objects.filter(pk__in=[a.pk for a in accesses]).update(
            status="suspended"
        )

    assert changed == 3
    for access in accesses:
        insert, update = _events(MarketAccess, access.pk)
        assert (insert.pgh_label, insert.status) == ("insert", "in_force")  # before
        assert (update.pgh_label, update.status) == ("update", "suspended")  # after
        assert update.pgh_context.metadata == {"user": inspector.pk, "reason": "disease outbreak"}
        assert update.pgh_created_at is not None


def test_an_update_that_changes_nothing_records_nothing():
    access = f.MarketAccessFactory()
    MarketAccess.objects.filter(pk=access.pk).update(status=access.status)
    assert len(_events(MarketAccess, access.pk)) == 1


@pytest.mark.parametrize(
    "factory",
    [
        f.MarketAccessFactory,
        f.EstablishmentRegistrationFactory,
        f.RegulationFactory,
        f.PortFactory,
        f.PortRegimeFactory,
        f.RegistrationRegimeFactory,
    ],
)
def test_records_with_legal_effect_keep_their_deletions(factory):
    record = factory()
    model, pk = type(record), record.pk
    record.delete()
    labels = [e.pgh_label for e in _events(model, pk)]
    assert labels == ["insert", "delete"]


def test_history_of_a_change_through_the_admin_names_the_user(admin_client, admin_user):
    access = f.MarketAccessFactory()
    url = f"/admin/accessions/marketaccess/{access.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        product=access.product_id,
        country=access.country_id,
        status="suspended",
        allowed_ports=[],
        valid_from="2023-06-13",
        instrument_date="2023-06-13",
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    update = _events(MarketAccess, access.pk)[-1]
    assert update.status == "suspended"
    assert update.pgh_context.metadata["user"] == admin_user.pk
    assert Events.objects.filter(pgh_obj_model="accessions.MarketAccess").count() >= 2


def test_added_and_removed_links_are_recorded():
    from accessions.models import EstablishmentProductEvent, MarketAccessAllowedPortEvent

    access, port = f.MarketAccessFactory(), f.PortFactory()
    access.allowed_ports.add(port)
    access.allowed_ports.remove(port)
    labels = list(
        MarketAccessAllowedPortEvent.objects.filter(marketaccess_id=access.pk)
        .order_by("pgh_id")
        .values_list("pgh_label", flat=True)
    )
    assert labels == ["link.add", "link.remove"]
    registration = f.EstablishmentRegistrationFactory(products=[f.ProductFactory()])
    assert (
        EstablishmentProductEvent.objects.filter(
            establishmentregistration_id=registration.pk, pgh_label="link.add"
        ).count()
        == 1
    )
