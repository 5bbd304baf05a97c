"""The catalogue pages: search, countries, products and ports."""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accessions.models import MarketAccess
from registry.dates import in_force
from registry.filters import PortFilter
from registry.models import (
    AliasKind,
    Country,
    Port,
    PortRegime,
    Product,
    SiteKind,
    SupervisionSite,
)
from regulations.models import Regulation, RegulationProduct
from regulations.selectors import regulation_of_country_q
from web.forms import SearchForm
from web.search import search as run_search

GROUPS = ("products", "access", "regulations", "ports")


def search(request):
    form = SearchForm(request.GET or None)
    results = None
    if form.is_bound and form.is_valid() and (form.cleaned_data["q"] or form.filters.any):
        results = run_search(
            query=form.cleaned_data["q"],
            filters=form.filters,
            pages={group: request.GET.get(f"page_{group}") for group in GROUPS},
            today=timezone.localdate(),
        )
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(
        request,
        "web/search.html",
        {"form": form, "results": results, "page_params": _page_params(request)},
        status=status,
    )


def _page_params(request) -> dict[str, str]:
    """For each result group, the current query string without that group's page number."""
    params = {}
    for group in GROUPS:
        query = request.GET.copy()
        query.pop(f"page_{group}", None)
        params[group] = query.urlencode()
    return params


def _access_entries():
    return MarketAccess.objects.select_related("product", "country").prefetch_related(
        Prefetch("allowed_ports", queryset=Port.objects.order_by("name_en"))
    )


def country_detail(request, iso2: str):
    country = get_object_or_404(Country, iso2=iso2.upper())
    today = timezone.localdate()
    accesses = (
        _access_entries().filter(country=country).order_by("product__category", "product__name_en")
    )
    memberships = list(country.memberships.select_related("union").order_by("valid_from"))
    regulations = (
        Regulation.objects.filter(regulation_of_country_q(country, today))
        .select_related("country", "union")
        .order_by("union__code", "code", "slug")
    )
    ports = Port.objects.filter(facing_country=country).order_by("name_en")
    return render(
        request,
        "web/country_detail.html",
        {
            "country": country,
            "accesses": list(accesses),
            "memberships": memberships,
            "regulations": list(regulations),
            "ports": list(ports),
            "today": today,
        },
    )


def product_detail(request, slug: str):
    product = get_object_or_404(Product.objects.prefetch_related("aliases", "kinds"), slug=slug)
    accesses = _access_entries().filter(product=product).order_by("country__iso2")
    # A related word suggests the product; it is not another name of it (issue 24).
    aliases = [a for a in product.aliases.all() if a.kind != AliasKind.RELATED]
    links = (
        RegulationProduct.objects.filter(product=product)
        .select_related("regulation__country", "regulation__union")
        .order_by("regulation__code", "regulation__slug")
    )
    return render(
        request,
        "web/product_detail.html",
        {
            "product": product,
            "aliases": aliases,
            "kinds": list(product.kinds.all()),
            "accesses": list(accesses),
            "links": list(links),
        },
    )


def _ports():
    return Port.objects.select_related("facing_country").prefetch_related(
        Prefetch("regimes", queryset=PortRegime.objects.order_by("-valid_from")),
        Prefetch("sites", queryset=SupervisionSite.objects.order_by("kind")),
    )


def port_list(request):
    filterset = PortFilter(request.GET or None, queryset=_ports().order_by("name_en"))
    _label_port_filters(filterset.form)
    valid = filterset.is_valid() if filterset.is_bound else True
    ports = list(filterset.qs) if valid else []
    return render(
        request,
        "web/port_list.html",
        {"filter": filterset, "ports": ports, "today": timezone.localdate()},
        status=200 if valid else 400,
    )


def _label_port_filters(form) -> None:
    """The shared PortFilter (also used by the API) with labels and choices in the page language."""
    labels = {
        "facing_country": _("Facing country"),
        "mode": _("Mode"),
        "site": _("Designated site"),
    }
    for name, label in labels.items():
        if name in form.fields:
            form.fields[name].label = label
    if "site" in form.fields:
        form.fields["site"].choices = SiteKind.choices  # the filter form adds "any" itself
    if "facing_country" in form.fields:
        form.fields["facing_country"].empty_label = _("any")


def port_detail(request, code: str):
    port = get_object_or_404(_ports(), code=code)
    today = timezone.localdate()
    current = [r for r in port.regimes.all() if in_force(r, today)]
    return render(
        request,
        "web/port_detail.html",
        {"port": port, "current_regimes": current, "today": today},
    )
