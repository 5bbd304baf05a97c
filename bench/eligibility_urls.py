"""The registry's URLs plus the bare comparison view (bench only, see eligibility_settings)."""

from django.http import JsonResponse
from django.urls import path

from config.urls import urlpatterns as registry_urlpatterns
from registry.models import Product


def bare_product(request):
    """A bare Django view doing one indexed lookup (Product.slug is unique, so indexed)."""
    row = (
        Product.objects.filter(slug=request.GET.get("product", ""))
        .values("slug", "name_en", "hs_code", "category")
        .first()
    )
    return JsonResponse({"product": row})


urlpatterns = [path("bench/bare/", bare_product), *registry_urlpatterns]
