"""The project's routes: the HTML pages (web.urls), sign-in and sign-up (django-allauth), the API
(api.urls), the admin and the language switch. Included by dotted name, so the project wiring
imports no app above it."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("web.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]
