"""API v1: foreign food-safety regulations and standards."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_view

from api.base import DetailApiView, ListApiView, detail_schema, list_schema
from api.export_serializers import RegulationExportSerializer
from api.serializers import RegulationDetailSerializer, RegulationListSerializer
from regulations.filters import RegulationApiFilter
from regulations.selectors import regulation_api_list


@extend_schema_view(
    get=list_schema(RegulationListSerializer(many=True), summary="Regulations and standards")
)
class RegulationListView(ListApiView):
    """Foreign regulations and standards. `country` includes the acts of the unions the country
    is a binding member of on `as_of` (EAEU acts bind KZ and KG, not observer UZ)."""

    serializer_class = RegulationListSerializer
    filterset_class = RegulationApiFilter
    export_title = "regulations"
    export_serializer_class = RegulationExportSerializer  # the declared columns

    def get_queryset(self):
        # The export names the replacing regulation by its code: read with the row.
        return regulation_api_list().select_related("superseded_by")


@extend_schema_view(get=detail_schema(RegulationDetailSerializer, summary="A regulation"))
class RegulationDetailView(DetailApiView):
    serializer_class = RegulationDetailSerializer

    def get_queryset(self):
        return regulation_api_list()
