"""Every /api/v1/ route (included from registry.urls)."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from api import access, base, catalogue, changes, eligibility, regulations

app_name = "api"

urlpatterns = [
    path("countries/", catalogue.CountryListView.as_view(), name="country-list"),
    path("countries/<str:iso2>/", catalogue.CountryDetailView.as_view(), name="country-detail"),
    path("products/", catalogue.ProductListView.as_view(), name="product-list"),
    path("products/<slug:slug>/", catalogue.ProductDetailView.as_view(), name="product-detail"),
    path("ports/", catalogue.PortListView.as_view(), name="port-list"),
    path("access/", access.MarketAccessListView.as_view(), name="access-list"),
    path("access/<int:pk>/", access.MarketAccessDetailView.as_view(), name="access-detail"),
    path(
        "access/<int:pk>/history/",
        access.MarketAccessHistoryView.as_view(),
        name="access-history",
    ),
    path("accessions/", access.AccessionListView.as_view(), name="accession-list"),
    path("establishments/", access.EstablishmentListView.as_view(), name="establishment-list"),
    path("eligibility/", eligibility.EligibilityView.as_view(), name="eligibility"),
    path("eligibility/bulk/", eligibility.EligibilityBulkView.as_view(), name="eligibility-bulk"),
    path("regulations/", regulations.RegulationListView.as_view(), name="regulation-list"),
    path(
        "regulations/<int:pk>/",
        regulations.RegulationDetailView.as_view(),
        name="regulation-detail",
    ),
    path("changes/", changes.ChangeFeedView.as_view(), name="changes"),
    path("schema/", SpectacularAPIView.as_view(api_version="v1"), name="schema"),
    path("docs/", base.ApiDocsView.as_view(url_name="api:schema"), name="docs"),
    re_path(r"^.*$", base.NotFoundView.as_view(), name="not-found"),
]
