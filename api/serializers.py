"""Output serializers of the API's records: the catalogue, regulations, the access list,
accessions and registrations. They never write.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accessions.models import (
    Accession,
    AccessionStage,
    AccessStatus,
    DiplomaticEvent,
    EstablishmentRegistration,
    InstrumentKind,
    MarketAccess,
    RegistrationStatus,
)
from registry.models import (
    Category,
    Country,
    OriginType,
    Port,
    PortRegime,
    Product,
    ProductAlias,
    SiteKind,
    SupervisionSite,
    UnionMembership,
)
from regulations.models import (
    Regulation,
    RegulationKind,
    RegulationProduct,
    RegulationStatus,
    Topic,
)

# --- The catalogue ----------------------------------------------------------------------------


class ProvenanceSerializerMixin(serializers.Serializer):
    # Shadows Field.source in the stubs only: the metaclass takes declared fields off.
    source = serializers.CharField()  # type: ignore[assignment]
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
            "public_note",
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
            "public_note",
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
            "public_note",
        ]

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=["road", "rail", "air"]))
    )
    def get_modes(self, obj: Port) -> list[str]:
        return obj.modes


# --- Regulations ------------------------------------------------------------------------------


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
    topics = serializers.SlugRelatedField[Topic](slug_field="slug", many=True, read_only=True)
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
            "public_note",
        ]


class RegulationDetailSerializer(RegulationListSerializer):
    pass


# --- The access list, accessions and registrations -----------------------------------------------


class MarketAccessListSerializer(serializers.ModelSerializer):
    product = ProductRefSerializer()
    country = CountryRefSerializer()
    status = serializers.ChoiceField(choices=AccessStatus.choices)
    instrument_kind = serializers.ChoiceField(choices=InstrumentKind.choices)
    required_site_kind = serializers.ChoiceField(
        choices=[("", "none"), *SiteKind.choices], allow_blank=True
    )
    allowed_ports = serializers.SlugRelatedField[Port](slug_field="code", many=True, read_only=True)

    class Meta:
        model = MarketAccess
        fields = [
            "id",
            "product",
            "country",
            "status",
            "instrument_kind",
            "instrument_ref",
            "instrument_date",
            "instrument_date_precision",
            "protocol_signed_on",
            "valid_from",
            "valid_from_precision",
            "valid_until",
            "requires_registered_establishments",
            "required_site_kind",
            "allowed_ports",
            "treatment",
            "pest_free_areas",
            "conditions",
            "source",
            "source_url",
            "confidence",
            "is_illustrative",
            "public_note",
            "updated_at",
        ]


class MarketAccessDetailSerializer(MarketAccessListSerializer):
    pass


class HistoryEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The history event's id.")
    occurred_at = serializers.DateTimeField()
    action = serializers.ChoiceField(choices=["created", "updated", "deleted"])
    changes = serializers.DictField(
        help_text="Field → [before, after] (updates only).", child=serializers.JSONField()
    )
    # Shadows Serializer.data in the stubs only: the metaclass takes declared fields off.
    data = serializers.DictField(  # type: ignore[assignment]
        help_text="The record as it was after the change."
    )


class AccessionStageSerializer(serializers.ModelSerializer):
    class Meta:
        model = AccessionStage
        fields = ["stage", "occurred_on", "occurred_on_precision", "source", "confidence"]


class AccessionSerializer(serializers.ModelSerializer):
    market_access = serializers.IntegerField(source="market_access_id")
    product = ProductRefSerializer(source="market_access.product")
    country = CountryRefSerializer(source="market_access.country")
    event = serializers.SlugRelatedField[DiplomaticEvent](
        slug_field="slug", read_only=True, allow_null=True
    )
    stages = AccessionStageSerializer(many=True)

    class Meta:
        model = Accession
        fields = [
            "id",
            "market_access",
            "product",
            "country",
            "year",
            "event",
            "basis",
            "stages",
            "source",
            "source_url",
            "confidence",
            "is_illustrative",
            "public_note",
        ]


class EstablishmentSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.iso2")
    products = serializers.SlugRelatedField[Product](slug_field="slug", many=True, read_only=True)
    status = serializers.ChoiceField(choices=RegistrationStatus.choices)
    regime = serializers.CharField(source="regime.code")
    effective_until = serializers.DateField()

    class Meta:
        model = EstablishmentRegistration
        fields = [
            "registration_number",
            "name",
            "country",
            "products",
            "registered_on",
            "valid_until",
            "extended_until",
            "effective_until",
            "status",
            "regime",
            "source",
            "confidence",
            "is_illustrative",
        ]
