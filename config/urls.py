"""The project's routes: the HTML pages (web.urls), sign-in and sign-up (django-allauth), the API
(api.urls), the admin and the language switch. Included by dotted name, so the project wiring
imports no app above it."""

from django.contrib import admin
from django.urls import include, path

# The API first: its requests are the most frequent, and the resolver tries patterns in order
# (behind the pages' ~50 patterns, resolving a question cost ~0.3 ms). No page lives under api/.
urlpatterns = [
    path("api/", include("api.urls")),
    path("", include("web.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
