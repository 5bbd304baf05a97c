"""Output serializers of regulations and standards (they never write)."""

from __future__ import annotations

from rest_framework import serializers

from regulations.models import Regulation, RegulationKind, RegulationProduct, RegulationStatus


class RegulationProductSerializer(serializers.ModelSerializer):
    product = serializers.CharField(source="product.slug")

    class Meta:
        model = RegulationProduct
        fields = ["product", "clause", "note", "confidence"]


class RegulationRefSerializer(serializers.ModelSerializer):
    title = serializers.CharField()
    jurisdiction = serializers.CharField(source="jurisdiction_code")

    class Meta:
        model = Regulation
        fields = ["id", "slug", "code", "title", "jurisdiction", "status"]


class RegulationListSerializer(serializers.ModelSerializer):
    title = serializers.CharField()
    jurisdiction = serializers.CharField(source="jurisdiction_code")
    kind = serializers.ChoiceField(choices=RegulationKind.choices)
    status = serializers.ChoiceField(choices=RegulationStatus.choices)
    topics = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    products = RegulationProductSerializer(source="product_links", many=True)

    class Meta:
        model = Regulation
        fields = [
            "id",
            "slug",
            "code",
            "title",
            "title_en",
            "title_ru",
            "title_zh",
            "kind",
            "jurisdiction",
            "adopted_by",
            "adopted_on",
            "in_force_from",
            "in_force_until",
            "status",
            "superseded_by",
            "topics",
            "products",
            "scope",
            "source",
            "source_url",
            "confidence",
            "is_illustrative",
        ]


class RegulationDetailSerializer(RegulationListSerializer):
    pass
