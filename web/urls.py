"""The HTML pages (the API has its own URL module, api.urls)."""

from django.urls import path

from web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("check/", views.check, name="check"),
    path("countries/<str:iso2>/", views.country_detail, name="country-detail"),
    path("products/<slug:slug>/", views.product_detail, name="product-detail"),
    path("access/<int:pk>/", views.access_detail, name="access-detail"),
    path("regulations/", views.regulation_list, name="regulation-list"),
    path("regulations/<int:pk>/", views.regulation_detail, name="regulation-detail"),
    path("ports/", views.port_list, name="port-list"),
    path("ports/<slug:code>/", views.port_detail, name="port-detail"),
    path("accessions/", views.accession_list, name="accession-list"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="alert-acknowledge"),
    path("subscriptions/", views.subscriptions, name="subscriptions"),
    path("deliveries/<int:pk>/retry/", views.delivery_retry, name="delivery-retry"),
]
