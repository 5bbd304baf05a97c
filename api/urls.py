"""Every /api/ route (included from config.urls): v1, and a catch-all that answers any other path
under /api/ (odd characters and newlines included) with a problem+json 404."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from api import (
    access,
    answers,
    base,
    catalogue,
    changes,
    eligibility,
    eligibility_bulk,
    hs,
    regulations,
    saved,
)

app_name = "api"

urlpatterns = [
    path("v1/countries/", catalogue.CountryListView.as_view(), name="country-list"),
    path("v1/countries/<str:iso2>/", catalogue.CountryDetailView.as_view(), name="country-detail"),
    path("v1/products/", catalogue.ProductListView.as_view(), name="product-list"),
    path("v1/products/<slug:slug>/", catalogue.ProductDetailView.as_view(), name="product-detail"),
    path("v1/ports/", catalogue.PortListView.as_view(), name="port-list"),
    path("v1/hs/", hs.HsTreeView.as_view(), name="hs-tree"),
    path("v1/hs/<str:code>/", hs.HsNodeView.as_view(), name="hs-node"),
    path("v1/access/", access.MarketAccessListView.as_view(), name="access-list"),
    path("v1/access/<int:pk>/", access.MarketAccessDetailView.as_view(), name="access-detail"),
    path(
        "v1/access/<int:pk>/history/",
        access.MarketAccessHistoryView.as_view(),
        name="access-history",
    ),
    path("v1/accessions/", access.AccessionListView.as_view(), name="accession-list"),
    path("v1/establishments/", access.EstablishmentListView.as_view(), name="establishment-list"),
    path("v1/eligibility/", eligibility.EligibilityView.as_view(), name="eligibility"),
    path(
        "v1/eligibility/bulk/",
        eligibility_bulk.EligibilityBulkView.as_view(),
        name="eligibility-bulk",
    ),
    path("v1/answers/<slug:public_id>/", answers.AnswerRecordView.as_view(), name="answer-detail"),
    path("v1/saved-questions/", saved.SavedQuestionListView.as_view(), name="saved-question-list"),
    path(
        "v1/saved-questions/<int:pk>/",
        saved.SavedQuestionDetailView.as_view(),
        name="saved-question-detail",
    ),
    path("v1/regulations/", regulations.RegulationListView.as_view(), name="regulation-list"),
    path(
        "v1/regulations/<int:pk>/",
        regulations.RegulationDetailView.as_view(),
        name="regulation-detail",
    ),
    path("v1/changes/", changes.ChangeFeedView.as_view(), name="changes"),
    path("v1/changes/between/", changes.ChangesBetweenView.as_view(), name="changes-between"),
    path("v1/schema/", SpectacularAPIView.as_view(api_version="v1"), name="schema"),
    path("v1/docs/", base.ApiDocsView.as_view(url_name="api:schema"), name="docs"),
    # [\s\S], not ".": a path with a newline (%0A) must land here too, not on the HTML 404.
    re_path(r"^[\s\S]*$", base.NotFoundView.as_view(), name="not-found"),
]
