"""Every /api/v1/ route (included from registry.urls)."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from accessions import api as accessions_api
from registry import api as registry_api
from regulations import api as regulations_api

app_name = "api"

urlpatterns = [
    path("countries/", registry_api.CountryListView.as_view(), name="country-list"),
    path("countries/<str:iso2>/", registry_api.CountryDetailView.as_view(), name="country-detail"),
    path("products/", registry_api.ProductListView.as_view(), name="product-list"),
    path("products/<slug:slug>/", registry_api.ProductDetailView.as_view(), name="product-detail"),
    path("ports/", registry_api.PortListView.as_view(), name="port-list"),
    path("access/", accessions_api.MarketAccessListView.as_view(), name="access-list"),
    path("access/<int:pk>/", accessions_api.MarketAccessDetailView.as_view(), name="access-detail"),
    path(
        "access/<int:pk>/history/",
        accessions_api.MarketAccessHistoryView.as_view(),
        name="access-history",
    ),
    path("accessions/", accessions_api.AccessionListView.as_view(), name="accession-list"),
    path(
        "establishments/",
        accessions_api.EstablishmentListView.as_view(),
        name="establishment-list",
    ),
    path("eligibility/", accessions_api.EligibilityView.as_view(), name="eligibility"),
    path(
        "eligibility/bulk/",
        accessions_api.EligibilityBulkView.as_view(),
        name="eligibility-bulk",
    ),
    path("regulations/", regulations_api.RegulationListView.as_view(), name="regulation-list"),
    path(
        "regulations/<int:pk>/",
        regulations_api.RegulationDetailView.as_view(),
        name="regulation-detail",
    ),
    path("changes/", accessions_api.ChangeFeedView.as_view(), name="changes"),
    path("schema/", SpectacularAPIView.as_view(api_version="v1"), name="schema"),
    path("docs/", registry_api.ApiDocsView.as_view(url_name="api:schema"), name="docs"),
    re_path(r"^.*$", registry_api.NotFoundView.as_view(), name="not-found"),
]
