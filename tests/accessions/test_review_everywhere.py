"""Issue 27, item 5: every record with legal or public effect goes through review, declared by the
app that owns it; a rebase keeps the author; an inspector can propose deleting an inline row; a
forged delete is refused; a delete's cascade is part of what is reviewed."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission

from accessions.models import MarketAccess, Proposal
from accessions.review_admin import ProposalAdminMixin, ProposalInlineMixin
from accessions.services import deciding, proposing
from accounts.services import account_create
from registry.errors import DomainError
from registry.models import Country, Product, UnionMembership
from registry.review import reviewed_models
from regulations.models import RegulationProduct
from tests.admin_forms import form_data, inline_row
from tests.factories import ProductFactory, RegulationFactory, RegulationProductFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def people(db):
    made = {
        name: account_create(
            username=f"r-{name}", email=f"{name}@example.org", password="pw-review-1", role=role
        )
        for name, role in (
            ("inspector", "inspector"),
            ("senior", "senior_inspector"),
            ("senior2", "senior_inspector"),
        )
    }
    return made


def _post_form(client, url: str, change) -> int:
    data = form_data(client.get(url).content.decode())
    change(data)
    data.pop("_saveasnew", None)
    return client.post(url, {**data, "_save": "Save"}).status_code


# --- Declared by the owner, applied on every screen ---------------------------------------------


def test_the_owning_apps_declare_the_reviewed_record_types():
    names = {m._meta.label for m in reviewed_models()}
    assert {
        "registry.Country",
        "registry.UnionMembership",
        "registry.Union",
        "registry.Product",
        "registry.ProductAlias",
        "regulations.Topic",
        "registry.ReportedFigure",
        "regulations.RegulationProduct",
        "accessions.MarketAccess",
    } <= names


def test_every_screen_of_a_reviewed_record_reviews_and_so_do_its_inline_rows():
    for model in reviewed_models():
        screen = admin.site._registry.get(model)
        if screen is None:
            continue
        assert isinstance(screen, ProposalAdminMixin), model
        for inline in screen.inlines:
            if inline.model in reviewed_models():
                assert issubclass(inline, ProposalInlineMixin), (model, inline)


def test_no_app_patches_another_apps_admin_screens():
    patched = [
        str(path.relative_to(ROOT))
        for app in ("registry", "accounts", "regulations", "accessions", "notifications", "web")
        for path in (ROOT / app).rglob("*.py")
        if "site._registry" in path.read_text()
    ]
    assert patched == []


# --- The probe's bypasses ------------------------------------------------------------------------


def test_unticking_a_membership_is_a_proposal_and_the_union_acts_still_apply(
    client, seeded, people
):
    kz = Country.objects.get(iso2="KZ")
    membership = UnionMembership.objects.get(country=kz, union__code="EAEU")
    before = client.get("/api/v1/eligibility/", {"product": "wheat", "country": "KZ"}).json()
    client.force_login(people["inspector"])

    def untick(data):
        row = inline_row(data, "memberships", "id", str(membership.pk))
        data.pop(f"memberships-{row}-binding", None)

    _post_form(client, f"/admin/registry/country/{kz.pk}/change/", untick)

    membership.refresh_from_db()
    assert membership.binding is True
    proposal = Proposal.objects.get(object_id=str(membership.pk), author=people["inspector"])
    assert proposal.changes == {"binding": [True, False]}
    client.logout()
    after = client.get("/api/v1/eligibility/", {"product": "wheat", "country": "KZ"}).json()
    assert after["regulations"] == before["regulations"]
    assert any("EAEU" in str(r) or "TR CU" in str(r) for r in after["regulations"])


def test_changing_an_hs_code_is_a_proposal(client, seeded, people):
    maize = Product.objects.get(slug="maize")
    questions = [{"product": code, "country": "KZ"} for code in (maize.hs_code, "100199")]
    before = [client.get("/api/v1/eligibility/", q).json() for q in questions]
    client.force_login(people["inspector"])

    def recode(data):
        data["hs_code"] = ["100199"]

    _post_form(client, f"/admin/registry/product/{maize.pk}/change/", recode)

    maize.refresh_from_db()
    assert maize.hs_code != "100199"
    assert Proposal.objects.filter(object_id=str(maize.pk), author=people["inspector"]).exists()
    client.logout()
    assert [client.get("/api/v1/eligibility/", q).json() for q in questions] == before


def test_a_seniors_product_delete_is_a_proposal_that_shows_its_cascade(client, people):
    product = ProductFactory(slug="test-grain")
    link = RegulationProductFactory(product=product, regulation=RegulationFactory())
    client.force_login(people["senior"])

    client.post(f"/admin/registry/product/{product.pk}/delete/", {"post": "yes"})

    assert Product.objects.filter(pk=product.pk).exists()
    assert RegulationProduct.objects.filter(pk=link.pk).exists()
    proposal = Proposal.objects.get(action="delete", object_id=str(product.pk))
    assert [item[:2] for item in proposal.cascade] == [["regulations.RegulationProduct", link.pk]]
    assert proposal.author == people["senior"]

    deciding.proposal_publish(proposal=proposal, by=people["senior2"])
    assert not Product.objects.filter(pk=product.pk).exists()
    assert not RegulationProduct.objects.filter(pk=link.pk).exists()


def test_a_delete_that_would_now_take_more_is_stale(people):
    product = ProductFactory(slug="test-grain")
    RegulationProductFactory(product=product, regulation=RegulationFactory())
    proposal = proposing.proposal_create(
        model=Product, action="delete", by=people["inspector"], target=product
    )
    assert not proposing.proposal_is_stale(proposal)
    RegulationProductFactory(product=product, regulation=RegulationFactory())

    assert proposing.proposal_is_stale(proposal)
    with pytest.raises(DomainError) as err:
        deciding.proposal_publish(proposal=proposal, by=people["senior"])
    assert err.value.code == "stale"
    assert Product.objects.filter(pk=product.pk).exists()


def test_a_delete_that_other_records_block_is_refused_when_proposed(people, seeded):
    wheat_access = MarketAccess.objects.select_related("product").first()
    with pytest.raises(DomainError) as err:
        proposing.proposal_create(
            model=Product, action="delete", by=people["inspector"], target=wheat_access.product
        )
    assert err.value.code == "protected"


def test_a_rebase_keeps_the_author_and_neither_maker_publishes(people):
    product = ProductFactory(slug="test-grain", name_en="Grain")
    proposal = proposing.proposal_create(
        model=Product,
        action="update",
        by=people["senior"],
        target=product,
        values={"name_en": "Test grain"},
    )
    Product.objects.filter(pk=product.pk).update(name_ru="Зерно")  # the record moves on
    fresh = deciding.proposal_rebase(proposal=proposal, by=people["inspector"])

    assert fresh.author == people["senior"]
    assert fresh.rebased_by == people["inspector"]
    with pytest.raises(DomainError) as err:
        deciding.proposal_publish(proposal=fresh, by=people["senior"])
    assert err.value.code == "self_approval"
    deciding.proposal_publish(proposal=fresh, by=people["senior2"])
    product.refresh_from_db()
    assert product.name_en == "Test grain"


# --- Inline rows: a proposed deletion, a forged one ---------------------------------------------


def test_an_inspector_proposes_deleting_an_inline_row(client, seeded, people):
    kz = Country.objects.get(iso2="KZ")
    membership = UnionMembership.objects.get(country=kz, union__code="EAEU")
    client.force_login(people["inspector"])
    url = f"/admin/registry/country/{kz.pk}/change/"
    assert b"memberships-0-DELETE" in client.get(url).content  # the box is offered

    def delete(data):
        row = inline_row(data, "memberships", "id", str(membership.pk))
        data[f"memberships-{row}-DELETE"] = ["on"]

    _post_form(client, url, delete)

    assert UnionMembership.objects.filter(pk=membership.pk).exists()
    assert Proposal.objects.filter(
        action="delete", object_id=str(membership.pk), author=people["inspector"]
    ).exists()


def test_a_forged_delete_of_an_inline_row_is_refused(client, seeded, django_user_model):
    """A staff account allowed to change countries but not to delete (and not an inspector):
    the screen offers no delete box; a delete posted anyway is a 403, not silently dropped."""
    clerk = django_user_model.objects.create_user("clerk", password="pw-clerk-1", is_staff=True)
    clerk.user_permissions.set(
        Permission.objects.filter(
            codename__in=[
                "view_country",
                "change_country",
                "view_unionmembership",
                "change_unionmembership",
            ]
        )
    )
    kz = Country.objects.get(iso2="KZ")
    membership = UnionMembership.objects.get(country=kz, union__code="EAEU")
    client.force_login(clerk)
    url = f"/admin/registry/country/{kz.pk}/change/"

    def forge(data):
        row = inline_row(data, "memberships", "id", str(membership.pk))
        data[f"memberships-{row}-DELETE"] = ["on"]

    assert _post_form(client, url, forge) == 403
    assert UnionMembership.objects.filter(pk=membership.pk).exists()
