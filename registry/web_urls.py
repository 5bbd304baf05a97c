"""The HTML pages (the API has its own URL module)."""

from django.urls import path

from accessions import views as accession_views
from regulations import views as regulation_views

urlpatterns = [
    path("", accession_views.home, name="home"),
    path("search/", accession_views.search, name="search"),
    path("check/", accession_views.check, name="check"),
    path("countries/<str:iso2>/", accession_views.country_detail, name="country-detail"),
    path("products/<slug:slug>/", accession_views.product_detail, name="product-detail"),
    path("access/<int:pk>/", accession_views.access_detail, name="access-detail"),
    path("regulations/", regulation_views.regulation_list, name="regulation-list"),
    path("regulations/<int:pk>/", regulation_views.regulation_detail, name="regulation-detail"),
    path("ports/", accession_views.port_list, name="port-list"),
    path("ports/<slug:code>/", accession_views.port_detail, name="port-detail"),
    path("accessions/", accession_views.accession_list, name="accession-list"),
    path("dashboard/", accession_views.dashboard, name="dashboard"),
    path(
        "alerts/<int:pk>/acknowledge/",
        accession_views.alert_acknowledge,
        name="alert-acknowledge",
    ),
    path("subscriptions/", accession_views.subscriptions, name="subscriptions"),
    path(
        "deliveries/<int:pk>/retry/",
        accession_views.delivery_retry,
        name="delivery-retry",
    ),
]
