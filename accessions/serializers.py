"""Serializers of the accessions API: output for access, accessions, registrations, the
eligibility answer and the change feed; input for the eligibility questions. They never write.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accessions.eligibility import CONDITION_CODES, REASON_CODES, Verdict
from accessions.models import (
    Accession,
    AccessionStage,
    AccessStatus,
    EstablishmentRegistration,
    InstrumentKind,
    MarketAccess,
    RegistrationStatus,
)
from registry.models import SiteKind
from registry.serializers import CountryRefSerializer, PortRefSerializer, ProductRefSerializer
from regulations.serializers import RegulationRefSerializer

VERDICT_CHOICES = list(Verdict.ALL)
MAX_BULK_CHECKS = 1000


class MarketAccessListSerializer(serializers.ModelSerializer):
    product = ProductRefSerializer()
    country = CountryRefSerializer()
    status = serializers.ChoiceField(choices=AccessStatus.choices)
    instrument_kind = serializers.ChoiceField(choices=InstrumentKind.choices)
    required_site_kind = serializers.ChoiceField(
        choices=[("", "none"), *SiteKind.choices], allow_blank=True
    )
    allowed_ports = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

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
    data = serializers.DictField(help_text="The record as it was after the change.")


class AccessionStageSerializer(serializers.ModelSerializer):
    class Meta:
        model = AccessionStage
        fields = ["stage", "occurred_on", "occurred_on_precision", "source", "confidence"]


class AccessionSerializer(serializers.ModelSerializer):
    market_access = serializers.IntegerField(source="market_access_id")
    product = ProductRefSerializer(source="market_access.product")
    country = CountryRefSerializer(source="market_access.country")
    event = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
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
        ]


class EstablishmentSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.iso2")
    products = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
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


# --- Eligibility -------------------------------------------------------------------------------


class EligibilityInputSerializer(serializers.Serializer):
    """One eligibility question. `date` (or its alias `as_of`) defaults to today."""

    product = serializers.CharField(
        max_length=200, help_text="Product slug, HS code (6 digits) or name in any language."
    )
    country = serializers.RegexField(
        r"^[A-Za-z]{2}$",
        help_text="Exporting country, ISO 3166-1 alpha-2.",
        error_messages={"invalid": "A country is its two-letter ISO code, e.g. KZ."},
    )
    port = serializers.RegexField(
        r"^[A-Za-z0-9_-]{1,40}$",
        required=False,
        allow_blank=True,
        default="",
        help_text="Port code (e.g. khorgos).",
        error_messages={"invalid": "A port is its code, e.g. khorgos."},
    )
    date = serializers.DateField(required=False, help_text="YYYY-MM-DD; default today.")
    as_of = serializers.DateField(required=False, help_text="Alias of `date`.")
    establishment = serializers.RegexField(
        r"^[Cc][A-Za-z]{3}[0-9]{14}$",
        required=False,
        allow_blank=True,
        default="",
        help_text="GACC registration number: C + 3 letters + 14 digits.",
        error_messages={
            "invalid": "A GACC registration number is 'C', a 3-letter country code and 14 digits."
        },
    )

    def validate(self, attrs):
        date, as_of = attrs.get("date"), attrs.pop("as_of", None)
        if date and as_of and date != as_of:
            raise serializers.ValidationError({"as_of": ["Give date or as_of, not two dates."]})
        attrs["date"] = date or as_of
        return attrs


class BulkInputSerializer(serializers.Serializer):
    checks = serializers.ListField(
        child=EligibilityInputSerializer(),
        allow_empty=False,
        help_text=f"Up to {MAX_BULK_CHECKS} questions; results come back in the same order.",
    )

    def to_internal_value(self, data):
        checks = data.get("checks") if isinstance(data, dict) else None
        if isinstance(checks, list) and len(checks) > MAX_BULK_CHECKS:
            raise serializers.ValidationError(
                {
                    "checks": [
                        f"At most {MAX_BULK_CHECKS} checks per request; this one has "
                        f"{len(checks)}. Split it."
                    ]
                }
            )
        return super().to_internal_value(data)


class ReasonSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=list(REASON_CODES))
    message = serializers.CharField()


class ConditionSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=list(CONDITION_CODES))
    message = serializers.CharField()


class SourceSerializer(serializers.Serializer):
    record = serializers.CharField()
    kind = serializers.CharField()
    source = serializers.CharField()
    source_url = serializers.CharField(allow_blank=True)
    confidence = serializers.CharField()
    is_illustrative = serializers.BooleanField()


class AnswerEstablishmentSerializer(serializers.Serializer):
    registration_number = serializers.CharField()
    name = serializers.CharField()
    country = serializers.CharField(source="country.iso2")
    status = serializers.CharField()
    registered_on = serializers.DateField()
    effective_until = serializers.DateField()


class AnswerAccessSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=AccessStatus.choices)
    instrument_kind = serializers.ChoiceField(choices=InstrumentKind.choices)

    class Meta:
        model = MarketAccess
        fields = [
            "id",
            "status",
            "instrument_kind",
            "instrument_ref",
            "instrument_date",
            "valid_from",
            "valid_from_precision",
            "valid_until",
            "requires_registered_establishments",
            "required_site_kind",
            "treatment",
            "pest_free_areas",
            "conditions",
        ]


class EligibilityAnswerSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=VERDICT_CHOICES)
    as_of = serializers.DateField()
    query = serializers.DictField(child=serializers.CharField(allow_blank=True))
    reasons = ReasonSerializer(many=True)
    conditions = ConditionSerializer(many=True)
    product = ProductRefSerializer(allow_null=True)
    country = CountryRefSerializer(allow_null=True)
    port = PortRefSerializer(allow_null=True)
    establishment = AnswerEstablishmentSerializer(allow_null=True)
    access = AnswerAccessSerializer(allow_null=True)
    regulations = RegulationRefSerializer(many=True)
    allowed_ports = PortRefSerializer(many=True)
    sources = SourceSerializer(many=True)
    is_illustrative = serializers.BooleanField()
    permalink = serializers.SerializerMethodField()

    @extend_schema_field(serializers.URLField())
    def get_permalink(self, answer) -> str:
        request = self.context.get("request")
        path = f"/check/?{answer.permalink_query}"
        return request.build_absolute_uri(path) if request is not None else path


class BulkLineErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    candidates = serializers.ListField(child=serializers.CharField(), required=False)


class BulkResultSerializer(EligibilityAnswerSerializer):
    line = serializers.IntegerField(help_text="1-based position of the question in `checks`.")
    ok = serializers.BooleanField()
    error = BulkLineErrorSerializer(
        allow_null=True,
        help_text="Set when the line could not be answered (`ok` is false, answer fields empty).",
    )


class BulkResponseSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = BulkResultSerializer(many=True)


# --- The change feed ---------------------------------------------------------------------------


class ChangeSerializer(serializers.Serializer):
    cursor = serializers.CharField(help_text="Resume after this change.")
    occurred_at = serializers.DateTimeField()
    model = serializers.CharField(help_text="app.Model of the record, e.g. accessions.marketaccess")
    object_id = serializers.CharField()
    action = serializers.ChoiceField(choices=["created", "updated", "deleted"])
    data = serializers.DictField(help_text="The record after the change (before, for deletes).")


class ChangePageSerializer(serializers.Serializer):
    results = ChangeSerializer(many=True)
    cursor = serializers.CharField(
        help_text="Opaque: pass as `cursor` to continue (also when this page was empty)."
    )
    next = serializers.URLField(allow_null=True, help_text="The next page, when there is more.")
    has_more = serializers.BooleanField()
