"""HTML pages of the regulations library."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render

from regulations.filters import RegulationFilter
from regulations.models import Regulation, RegulationProduct, Topic

SUPERSESSION_DEPTH = 20


def regulation_list(request):
    queryset = (
        Regulation.objects.select_related("country", "union")
        .prefetch_related(Prefetch("topics", queryset=Topic.objects.order_by("slug")))
        .order_by("code", "slug")
    )
    filterset = RegulationFilter(request.GET or None, queryset=queryset)
    valid = filterset.is_valid() if filterset.is_bound else True
    page_obj = Paginator(filterset.qs if valid else queryset.none(), 25).get_page(
        request.GET.get("page")
    )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "regulations/regulation_list.html",
        {"filter": filterset, "page_obj": page_obj, "query": params.urlencode()},
        status=200 if valid else 400,
    )


def regulation_detail(request, pk: int):
    regulation = get_object_or_404(
        Regulation.objects.select_related("country", "union", "superseded_by").prefetch_related(
            Prefetch("topics", queryset=Topic.objects.order_by("slug")),
            Prefetch(
                "product_links",
                queryset=RegulationProduct.objects.select_related("product").order_by(
                    "product__name_en"
                ),
            ),
            Prefetch("supersedes", queryset=Regulation.objects.order_by("code")),
        ),
        pk=pk,
    )
    return render(
        request,
        "regulations/regulation_detail.html",
        {"regulation": regulation, "chain": supersession_chain(regulation)},
    )


def supersession_chain(regulation: Regulation) -> list[Regulation]:
    """What replaced this regulation, and what replaced that, in order (cycles cut short)."""
    chain, seen = [], {regulation.pk}
    current = regulation.superseded_by
    while current is not None and current.pk not in seen and len(chain) < SUPERSESSION_DEPTH:
        chain.append(current)
        seen.add(current.pk)
        current = (
            Regulation.objects.select_related("superseded_by").get(pk=current.pk).superseded_by
        )
    return chain
