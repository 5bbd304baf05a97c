"""Market access over time: the accessions year by year, the open requests by their stage in
GACC's procedure, and what changed between two dates."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render

from accessions.changes.base import Meaning
from accessions.changes.between import changes_between as changes_between_selector
from accessions.filters import AccessionFilter, ChangesBetweenForm, PipelineForm
from accessions.models import STAGE_ORDER, Stage
from accessions.pipeline import pipeline
from accessions.selectors import accessions as accession_reads
from web.views import clock


def accession_list(request):
    accessions = accession_reads.accession_list()
    filterset = AccessionFilter(request.GET or None, queryset=accessions)
    valid = filterset.is_valid() if filterset.is_bound else True
    queryset = filterset.qs if valid else accessions.none()
    page = Paginator(queryset.order_by("-year", "market_access__country__iso2", "pk"), 25)
    page_obj = page.get_page(request.GET.get("page"))
    for accession in page_obj:
        accession.ordered_stages = sorted(
            accession.stages.all(), key=lambda s: (STAGE_ORDER.get(s.stage, 99), s.pk)
        )
    return render(
        request,
        "web/accession_list.html",
        {"filter": filterset, "page_obj": page_obj, "query": _query_without_page(request)},
        status=200 if valid else 400,
    )


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def changes_between(request):
    """What changed between two dates, in one of two meanings (legal validity or registry edits);
    the one selector (accessions.changes.between) answers, as it does for the API."""
    params = request.GET.copy()
    if params and not params.get("meaning"):
        params["meaning"] = Meaning.LEGAL  # the default meaning, shown chosen
    form = ChangesBetweenForm(params or None)
    result = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        result = changes_between_selector(
            start=data["from"],
            end=data["to"],
            meaning=data["meaning"],
            country=data["country"],
            product=data["product"],
            hs_chapter=data["hs_chapter"],
        )
    return render(
        request,
        "web/changes_between.html",
        {
            "form": form,
            "result": result,
            "query": request.GET.urlencode(),
            "meanings": Meaning,
        },
        status=400 if form.errors else 200,
    )


def accession_pipeline(request):
    """The open market-access requests by their current stage in GACC's procedure and how long
    they have been there."""
    form = PipelineForm(request.GET or None)
    rows = []
    valid = not form.is_bound or form.is_valid()
    if valid:
        data = form.cleaned_data if form.is_bound else {}
        rows = pipeline(
            today=clock.today(), country=data.get("country"), stage=data.get("stage") or None
        )
    return render(
        request,
        "web/accession_pipeline.html",
        {"filter": {"form": form}, "rows": rows, "today": clock.today(), "stages": Stage.choices},
        status=200 if valid else 400,
    )
