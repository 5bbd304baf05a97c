"""Regulations: jurisdictions, supersession, the links to products."""

import pytest
from django.db import IntegrityError, transaction

from regulations.models import Regulation, RegulationProduct
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_eaeu_acts_belong_to_the_union_and_national_laws_to_their_country(seeded):
    for regulation in Regulation.objects.filter(code__startswith="TR "):
        assert (regulation.union.code, regulation.country_id) == ("EAEU", None)
    laws = Regulation.objects.filter(kind="law")
    assert laws.exists()
    assert all(law.country_id and law.union_id is None for law in laws)


def test_codex_standards_are_linked_to_the_products_they_cover(seeded):
    maize = RegulationProduct.objects.filter(regulation__code="CXS 153-1985")
    assert {link.product.slug for link in maize} == {"maize"}


def test_no_seeded_regulation_lacks_a_title_or_source(seeded):
    assert not Regulation.objects.filter(title_en="").exists()
    assert not Regulation.objects.filter(source="").exists()


def test_a_regulation_cannot_supersede_itself():
    regulation = f.RegulationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Regulation.objects.filter(pk=regulation.pk).update(superseded_by=regulation.pk)


def test_supersession_is_kept_both_ways():
    old, new = f.RegulationFactory(status="superseded"), f.RegulationFactory()
    old.superseded_by = new
    old.full_clean()
    old.save()
    assert list(new.supersedes.all()) == [old]
