"""API v1: the catalogue (countries with their union memberships, products, ports of entry)."""

from __future__ import annotations

import logging

from drf_spectacular.utils import (
    extend_schema_view,
)

from accessions.filters import ProductWithAccessFilter
from api.base import DetailApiView, ListApiView, detail_schema, list_schema
from api.serializers import (
    CountryDetailSerializer,
    CountryListSerializer,
    PortSerializer,
    ProductDetailSerializer,
    ProductListSerializer,
)
from registry.filters import CountryFilter, PortFilter
from registry.selectors.countries import country_api_list
from registry.selectors.ports import port_api_list
from registry.selectors.search import product_api_list

logger = logging.getLogger(__name__)


@extend_schema_view(get=list_schema(CountryListSerializer(many=True), summary="Countries"))
class CountryListView(ListApiView):
    """Exporting countries with their union memberships (dated; binding or not)."""

    serializer_class = CountryListSerializer
    filterset_class = CountryFilter
    export_title = "countries"

    def get_queryset(self):
        return country_api_list()


@extend_schema_view(get=detail_schema(CountryDetailSerializer, summary="A country"))
class CountryDetailView(DetailApiView):
    serializer_class = CountryDetailSerializer
    lookup_field = "iso2"
    lookup_url_kwarg = "iso2"

    def get_object(self):
        self.kwargs["iso2"] = self.kwargs["iso2"].upper()
        return super().get_object()

    def get_queryset(self):
        return country_api_list()


@extend_schema_view(get=list_schema(ProductListSerializer(many=True), summary="Products"))
class ProductListView(ListApiView):
    """Product kinds as GACC lists them; `q` searches names in three languages and aliases."""

    serializer_class = ProductListSerializer
    filterset_class = ProductWithAccessFilter
    export_title = "products"

    def get_queryset(self):
        return product_api_list()


@extend_schema_view(get=detail_schema(ProductDetailSerializer, summary="A product"))
class ProductDetailView(DetailApiView):
    serializer_class = ProductDetailSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return product_api_list()


@extend_schema_view(get=list_schema(PortSerializer(many=True), summary="Ports of entry"))
class PortListView(ListApiView):
    """China's ports of entry facing Central Asia: modes, working hours, designated sites."""

    serializer_class = PortSerializer
    filterset_class = PortFilter
    export_title = "ports"

    def get_queryset(self):
        return port_api_list()
