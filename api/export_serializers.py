"""The exports of the lists whose JSON shape is not their declared format: regulations and
establishment registrations. Each writes exactly the public columns its list declares
(regulations.lists, accessions.lists), in the declared order and format (a record by its code, a
list of codes joined by api.exports), so an export imports as it is and proposes nothing
(tests/api/test_list_exports.py). The JSON lists keep their serializers (api.serializers), the
shape their clients and the OpenAPI schema know. The access list's JSON is its declared format
already, so its export needs no serializer of its own. They never write."""

from __future__ import annotations

from rest_framework import serializers

from accessions.lists import REGISTRATIONS
from accessions.models import EstablishmentRegistration
from registry.models import Product
from regulations.lists import REGULATIONS
from regulations.models import Regulation, Topic


class RegulationExportSerializer(serializers.ModelSerializer):
    jurisdiction = serializers.CharField(source="jurisdiction_code")
    # The view reads the replacing regulation with its row (select_related).
    superseded_by = serializers.SlugRelatedField[Regulation](slug_field="slug", read_only=True)
    topics = serializers.SlugRelatedField[Topic](slug_field="slug", many=True, read_only=True)

    class Meta:
        model = Regulation
        fields = REGULATIONS.public_names()


class EstablishmentExportSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.iso2")
    products = serializers.SlugRelatedField[Product](slug_field="slug", many=True, read_only=True)
    regime = serializers.CharField(source="regime.code")

    class Meta:
        model = EstablishmentRegistration
        fields = REGISTRATIONS.public_names()
