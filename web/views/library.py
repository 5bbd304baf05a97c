"""The regulations library: the filtered list and each regulation with what superseded it."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import Country, Union
from regulations.filters import RegulationApiFilter
from regulations.models import (
    Regulation,
    RegulationKind,
    RegulationProduct,
    RegulationStatus,
    Topic,
)

SUPERSESSION_DEPTH = 20


def regulation_list(request):
    """The library page with the API's FilterSet in full (country with its unions' acts on the
    date, product, as_of), the filters applied said in words; a bad filter is a 400 naming it."""
    queryset = (
        Regulation.objects.select_related("country", "union")
        .prefetch_related(Prefetch("topics", queryset=Topic.objects.order_by("slug")))
        .order_by("code", "slug")
    )
    filterset = RegulationApiFilter(request.GET or None, queryset=queryset)
    filterset.form.fields["product"].label = _("Product (name or HS code)")
    valid = filterset.is_valid() if filterset.is_bound else True
    page_obj = Paginator(filterset.qs if valid else queryset.none(), 25).get_page(
        request.GET.get("page")
    )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "web/regulation_list.html",
        {
            "filter": filterset,
            "page_obj": page_obj,
            "query": params.urlencode(),
            "applied": _applied_regulation_filters(filterset)
            if filterset.is_bound and valid
            else [],
            "filter_errors": _filter_errors(filterset.form) if not valid else [],
        },
        status=200 if valid else 400,
    )


def _filter_errors(form) -> list[dict[str, object]]:
    """Each invalid filter with its query parameter, its label and the messages."""
    return [
        {
            "parameter": name,
            "label": form.fields[name].label if name in form.fields else name,
            "messages": list(errors),
        }
        for name, errors in form.errors.items()
    ]


def _applied_regulation_filters(filterset) -> list[dict[str, str]]:
    """The filters in force on the list, as the reader would say them (names, not codes)."""
    data = filterset.form.cleaned_data
    today = timezone.localdate()
    applied = []
    as_of = data.get("as_of")
    if data.get("country"):
        country = Country.objects.filter(iso2=data["country"].strip().upper()).first()
        name = country.name if country else data["country"]
        applied.append(
            {
                "label": _("Country"),
                "value": _("%(country)s, with the acts of the unions binding it on %(date)s")
                % {"country": name, "date": (as_of or today).isoformat()},
            }
        )
    if data.get("jurisdiction"):
        code = data["jurisdiction"]
        holder: Union | Country | None = (
            Union.objects.filter(code=code).first() or Country.objects.filter(iso2=code).first()
        )
        applied.append({"label": _("Jurisdiction"), "value": holder.name if holder else code})
    if data.get("product"):
        applied.append({"label": _("Product"), "value": data["product"].name})
    if data.get("kind"):
        applied.append({"label": _("Kind"), "value": str(RegulationKind(data["kind"]).label)})
    if data.get("topic"):
        applied.append({"label": _("Topic"), "value": data["topic"].name})
    if data.get("status"):
        applied.append({"label": _("Status"), "value": str(RegulationStatus(data["status"]).label)})
    if as_of:
        applied.append({"label": _("In force on"), "value": as_of.isoformat()})
    return applied


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
        "web/regulation_detail.html",
        {"regulation": regulation, "chain": supersession_chain(regulation)},
    )


def supersession_chain(regulation: Regulation) -> list[Regulation]:
    """What replaced this regulation, and what replaced that, in order (cycles cut short)."""
    chain: list[Regulation] = []
    seen = {regulation.pk}
    current = regulation.superseded_by
    while current is not None and current.pk not in seen and len(chain) < SUPERSESSION_DEPTH:
        chain.append(current)
        seen.add(current.pk)
        current = (
            Regulation.objects.select_related("superseded_by").get(pk=current.pk).superseded_by
        )
    return chain
