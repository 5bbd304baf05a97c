"""Output serializers of the API's records: the catalogue, regulations, the access list,
accessions and registrations. They never write.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accessions.lists import ACCESS
from accessions.models import (
    Accession,
    AccessionStage,
    AccessState,
    AccessStatus,
    DiplomaticEvent,
    EstablishmentRegistration,
    InstrumentKind,
    MarketAccess,
    RegistrationStatus,
    StateKind,
)
from accessions.validity import STATE_CITATION_FIELDS, series_order
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
from registry.provenance import NOTE_TRANSLATION_FIELDS, SOURCE_FIELDS, DatePrecision
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
            *SOURCE_FIELDS,
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
            *SOURCE_FIELDS,
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
            *SOURCE_FIELDS,
            "source_url",
            "confidence",
            "is_illustrative",
            "public_note",
            "public_note_zh",
            "public_note_ru",
            "translated_by_registry",
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
            *SOURCE_FIELDS,
            "source_url",
            "confidence",
            "is_illustrative",
            "public_note",
            "public_note_zh",
            "public_note_ru",
            "translated_by_registry",
        ]


class RegulationDetailSerializer(RegulationListSerializer):
    pass


# --- The series of an entry's legal states (accessions.validity) --------------------------------

# What the API shows of each state, in this order.
STATE_SERIES_FIELDS = (
    "kind",
    "starts_on",
    "starts_on_precision",
    "limited_to",
    "instrument_kind",
    "instrument_ref",
    "source",
    "source_url",
    "confidence",
    "public_note",
    *NOTE_TRANSLATION_FIELDS,
    *STATE_CITATION_FIELDS,
)


def state_series_queryset() -> QuerySet[AccessState]:
    return AccessState.objects.order_by(*series_order())


def state_series_prefetch() -> Prefetch:
    return Prefetch("states", queryset=state_series_queryset())


def _iso(value: Any) -> str | None:
    # A state read as a model or plain values holds a date; one read as JSON (the state on a
    # date, accessions.validity.state_on_subquery) holds its ISO text already.
    if value is None or isinstance(value, str):
        return value
    return value.isoformat()


def state_entry(state: Mapping[str, Any]) -> dict[str, Any]:
    """One state as AccessStateSerializer renders it, from plain values (a dict of
    STATE_SERIES_FIELDS at least; a state kept in an answer given before the notes' translations
    were read has none: empty)."""
    return {name: _state_value(state, name) for name in STATE_SERIES_FIELDS}


def _state_value(state: Mapping[str, Any], name: str) -> Any:
    if name == "starts_on":
        return _iso(state[name])
    if name in NOTE_TRANSLATION_FIELDS or name in STATE_CITATION_FIELDS:
        return state.get(name, "")
    return state[name]


def state_series_by_entry(ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """The series of these access entries, oldest first, each state as `state_entry` renders
    it: one query."""
    found: dict[int, list[dict[str, Any]]] = {pk: [] for pk in ids}
    if not ids:
        return found
    rows = (
        state_series_queryset()
        .filter(market_access_id__in=ids)
        .values("market_access_id", *STATE_SERIES_FIELDS)
    )
    for row in rows:
        found[row["market_access_id"]].append(state_entry(row))
    return found


class AccessStateSerializer(serializers.ModelSerializer):
    """One dated legal state of an access entry. The state on a date is the latest one starting
    on or before it; a state whose start is not known (`starts_on` null) comes before every
    dated one."""

    kind = serializers.ChoiceField(
        choices=StateKind.choices,
        help_text="The legal state, from `starts_on` until the next state takes over.",
    )
    starts_on = serializers.DateField(
        allow_null=True, help_text="The first day of the state; null when not known."
    )
    starts_on_precision = serializers.ChoiceField(
        choices=[("", "not known"), *DatePrecision.choices], allow_blank=True
    )
    limited_to = serializers.CharField(
        allow_blank=True,
        help_text="Empty: the whole entry. Otherwise the zones, regions or establishments for "
        "which access holds in this state (a partial suspension or restoration).",
    )
    instrument_kind = serializers.ChoiceField(
        choices=[("", "not recorded"), *InstrumentKind.choices], allow_blank=True
    )
    instrument_ref = serializers.CharField(allow_blank=True)
    # Shadows Field.source in the stubs only: the metaclass takes declared fields off.
    source = serializers.CharField()  # type: ignore[assignment]
    source_url = serializers.CharField(allow_blank=True)
    confidence = serializers.CharField()
    public_note = serializers.CharField(allow_blank=True)
    public_note_zh = serializers.CharField(
        allow_blank=True, help_text="The public note in Chinese; empty when there is no note."
    )
    public_note_ru = serializers.CharField(
        allow_blank=True, help_text="The public note in Russian; empty when there is no note."
    )
    translated_by_registry = serializers.CharField(
        allow_blank=True,
        help_text="Languages (zh, ru) whose text is the registry's translation, not official.",
    )

    class Meta:
        model = AccessState
        fields = list(STATE_SERIES_FIELDS)


# --- The access list, accessions and registrations -----------------------------------------------


class StatusShownField(serializers.ChoiceField):
    """The entry's status today; on a list asked `as_of` a date, its status on that date (the
    view annotates `status_shown`, accessions.validity.status_on_annotations)."""

    def get_attribute(self, instance):
        shown = getattr(instance, "status_shown", None)
        return shown if shown is not None else instance.status


class MarketAccessListSerializer(serializers.ModelSerializer):
    product = ProductRefSerializer()
    country = CountryRefSerializer()
    status = StatusShownField(
        choices=AccessStatus.choices,
        help_text="The status today; with `as_of`, the status on that date (from `states`).",
    )
    instrument_kind = serializers.ChoiceField(choices=InstrumentKind.choices)
    required_site_kind = serializers.ChoiceField(
        choices=[("", "none"), *SiteKind.choices], allow_blank=True
    )
    allowed_ports = serializers.SlugRelatedField[Port](slug_field="code", many=True, read_only=True)
    states = AccessStateSerializer(
        many=True,
        read_only=True,
        help_text="The entry's dated legal states, oldest first: the state on a date is the "
        "latest one starting on or before it.",
    )

    class Meta:
        model = MarketAccess
        fields = ACCESS.public_names()  # the access list's one declaration (accessions.lists)


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
        fields = ["stage", "occurred_on", "occurred_on_precision", *SOURCE_FIELDS, "confidence"]


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
            *SOURCE_FIELDS,
            "source_url",
            "confidence",
            "is_illustrative",
            "public_note",
            "public_note_zh",
            "public_note_ru",
            "translated_by_registry",
        ]


class EstablishmentSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.iso2")
    products = serializers.SlugRelatedField[Product](slug_field="slug", many=True, read_only=True)
    status = serializers.ChoiceField(choices=RegistrationStatus.choices)
    regime = serializers.CharField(source="regime.code")
    # The effective end on the one rule (accessions.registration_validity's
    # registration_effective_end): the recorded extension, else the automatic one of the regime in
    # force on the expiry date.
    effective_until = serializers.DateField(source="effective_end")

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
            "stopped_on",
            "regime",
            *SOURCE_FIELDS,
            "confidence",
            "is_illustrative",
        ]
