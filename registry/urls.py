from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accessions import views as accession_views

urlpatterns = [
    path("", accession_views.home, name="home"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("registry.api_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]

if settings.DEBUG:  # pragma: no cover - static files come from whitenoise in production
    pass
