from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("registry.web_urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("registry.api_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]

if settings.DEBUG:  # pragma: no cover - static files come from whitenoise in production
    pass
