"""Output serializers of the catalogue (they never write), and the one error shape."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from registry.models import (
    Category,
    Country,
    OriginType,
    Port,
    PortRegime,
    Product,
    ProductAlias,
    SupervisionSite,
    UnionMembership,
)


class ProblemErrorSerializer(serializers.Serializer):
    parameter = serializers.CharField(
        help_text="The parameter or body field (`checks[3].country`)."
    )
    reason = serializers.CharField()
    line = serializers.IntegerField(required=False, help_text="Bulk bodies: the 1-based line.")


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details, the one shape of every 4xx/5xx answer."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField(
        help_text="Stable machine-readable code, e.g. `ambiguous_product`."
    )
    errors = ProblemErrorSerializer(many=True)
    candidates = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="ambiguous_product: the slugs of the products the identifier matches.",
    )


class ProvenanceSerializerMixin(serializers.Serializer):
    source = serializers.CharField()
    source_url = serializers.CharField()
    confidence = serializers.CharField()
    is_illustrative = serializers.BooleanField()


class UnionMembershipSerializer(serializers.ModelSerializer):
    union = serializers.CharField(source="union.code")
    union_name = serializers.CharField(source="union.name_en")

    class Meta:
        model = UnionMembership
        fields = ["union", "union_name", "role", "binding", "valid_from", "valid_until"]


class CountryRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField()

    class Meta:
        model = Country
        fields = ["iso2", "name"]


class CountryListSerializer(serializers.ModelSerializer):
    name = serializers.CharField()
    memberships = UnionMembershipSerializer(many=True)

    class Meta:
        model = Country
        fields = [
            "iso2",
            "iso3",
            "name",
            "name_en",
            "name_zh",
            "name_ru",
            "region",
            "memberships",
            "source",
            "source_url",
            "confidence",
            "is_illustrative",
        ]


class CountryDetailSerializer(CountryListSerializer):
    pass


class ProductRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField()

    class Meta:
        model = Product
        fields = ["slug", "name", "hs_code"]


class ProductAliasSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductAlias
        fields = ["alias", "language", "kind"]


class ProductListSerializer(serializers.ModelSerializer):
    name = serializers.CharField()
    category = serializers.ChoiceField(choices=Category.choices)
    origin_type = serializers.ChoiceField(choices=OriginType.choices)
    aliases = ProductAliasSerializer(many=True)

    class Meta:
        model = Product
        fields = [
            "slug",
            "name",
            "name_en",
            "name_zh",
            "name_ru",
            "hs_code",
            "hs_basis",
            "category",
            "origin_type",
            "aliases",
            "source",
            "source_url",
            "confidence",
            "is_illustrative",
        ]


class ProductDetailSerializer(ProductListSerializer):
    pass


class PortRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField()

    class Meta:
        model = Port
        fields = ["code", "name"]


class PortRegimeSerializer(serializers.ModelSerializer):
    class Meta:
        model = PortRegime
        fields = ["regime", "is_pilot", "valid_from", "valid_until"]


class SupervisionSiteSerializer(serializers.ModelSerializer):
    class Meta:
        model = SupervisionSite
        fields = ["kind", "valid_from", "valid_until"]


class PortSerializer(serializers.ModelSerializer):
    name = serializers.CharField()
    facing_country = serializers.CharField(source="facing_country.iso2")
    modes = serializers.SerializerMethodField()
    regimes = PortRegimeSerializer(many=True)
    sites = SupervisionSiteSerializer(many=True)

    class Meta:
        model = Port
        fields = [
            "code",
            "name",
            "name_en",
            "name_pinyin",
            "name_zh",
            "name_ru",
            "facing_country",
            "counterpart_port",
            "modes",
            "green_channel_since",
            "regimes",
            "sites",
            "source",
            "source_url",
            "confidence",
            "is_illustrative",
        ]

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=["road", "rail", "air"]))
    )
    def get_modes(self, obj: Port) -> list[str]:
        return obj.modes
