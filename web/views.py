"""Every HTML page: home, search, the eligibility checker, countries, products, ports, access
entries, accessions, regulations, the inspectors' dashboard and a subscriber's subscriptions.
Views are thin: selectors read, services write, the eligibility service decides, and
accounts.roles says who may see what.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Field, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accessions import selectors
from accessions.changes.base import Meaning
from accessions.changes.between import changes_between as changes_between_selector
from accessions.coverage import coverage_by_category
from accessions.eligibility.check import check_eligibility
from accessions.filters import AccessionFilter, ChangesBetweenForm, PipelineForm
from accessions.models import STAGE_ORDER, MarketAccess, Stage
from accessions.pipeline import access_stages, pipeline, stage_timeline
from accessions.services import expiry
from accessions.tasks import sweep_expiring_task
from accounts import roles
from api.serializers import state_series_queryset
from registry.dates import in_force
from registry.errors import DomainError
from registry.filters import PortFilter
from registry.history import event_data, history_changes, history_supported
from registry.models import (
    AliasKind,
    Country,
    Port,
    PortRegime,
    Product,
    ProductKind,
    SiteKind,
    SupervisionSite,
    Union,
)
from registry.queue import task_enqueue
from regulations.filters import RegulationApiFilter
from regulations.models import (
    Regulation,
    RegulationKind,
    RegulationProduct,
    RegulationStatus,
    Topic,
)
from regulations.selectors import regulation_of_country_q
from web.auth import shares_api_rate_limit
from web.charts import stacked_bar_chart
from web.forms import EligibilityForm, SearchForm
from web.guards import requires
from web.search import search as run_search

SWEEP_TASK = "accessions.tasks.sweep_expiring_task"

PRODUCT_SUGGESTIONS = 1000


def today() -> dt.date:
    return timezone.localdate()


def home(request):
    """Search and check first; then a card per country, the latest accessions and changes, and
    one line of reported versus recorded (the full comparison is on the About page)."""
    on = today()
    context: dict[str, object] = {
        "cards": selectors.country_cards(today=on),
        "headline": selectors.headline_figure(today=on),
        "recent_accessions": selectors.recent_accessions(limit=6),
        "latest_changes": selectors.latest_changes(limit=6),
        "today": on,
    }
    if roles.may_see_dashboard(request.user):
        context["renewals"] = selectors.renewal_overview(today=on, limit=5)
    return render(request, "web/home.html", context)


def about(request):
    """About the data: where the records come from, and every reported figure beside what the
    registry records for the same scope on the figure's own date."""
    day = today()
    return render(
        request,
        "web/about.html",
        {
            "overview": selectors.coverage_overview(today=day),
            "categories": coverage_by_category(today=day),
        },
    )


def _did_you_mean(request, error: DomainError) -> list[dict]:
    """The candidates as links that rerun the same check with the product chosen (a covered
    kind by its name in the page's language, so the answer says which entry covers it)."""
    slugs = error.extra["candidates"]
    kinds = {s["slug"]: s["kind"] for s in error.extra.get("suggestions", []) if s["kind"]}
    products = Product.objects.in_bulk(slugs, field_name="slug")
    links = []
    for slug in slugs:
        if slug in products:
            query = request.GET.copy()
            query["product"] = kinds.get(slug) or slug
            links.append(
                {"product": products[slug], "kind": kinds.get(slug, ""), "query": query.urlencode()}
            )
    return links


@shares_api_rate_limit
def check(request):
    """The eligibility checker. All the deciding is done by `check_eligibility`; invalid input is
    a 400 with the form's errors, like search and the lists."""
    form = EligibilityForm(request.GET or None)
    answer = None
    did_you_mean: list[dict] = []
    suggestion = None
    if form.is_bound and form.is_valid():
        try:
            answer = check_eligibility(
                product=form.cleaned_data["product"],
                country=form.cleaned_data["country"],
                port=form.cleaned_data["port"],
                on=form.as_of(today()),
                establishment=form.cleaned_data["establishment"],
            )
        except DomainError as error:  # a broken rule is the asker's to fix: a form error
            if "candidates" in error.extra:  # several products, or none exactly: "did you mean"
                # A suggestion, not an error of the form: the question is fine, only the word
                # is not the registry's (issue 24). Still a 400, as in the API: no answer.
                did_you_mean = _did_you_mean(request, error)
                suggestion = {"code": error.code, "identifier": form.cleaned_data["product"]}
            else:
                form.add_error(None, error.message)
    return check_page(request, form, answer, did_you_mean, suggestion)


def check_page(
    request,
    form,
    answer=None,
    did_you_mean: list[dict] | None = None,
    suggestion: dict | None = None,
):
    """The checker page: the form (400 with its errors), and the answer when there is one."""
    suggestions = Product.objects.only("slug", "name_en", "name_zh", "name_ru").order_by("name_en")[
        :PRODUCT_SUGGESTIONS
    ]
    kinds = ProductKind.objects.select_related("product").order_by("name_en")
    return render(
        request,
        "web/check.html",
        {
            "form": form,
            "answer": answer,
            "did_you_mean": did_you_mean or [],
            "suggestion": suggestion,
            "suggestions": suggestions,
            "kinds": kinds,
            "today": today(),
        },
        status=400 if form.errors or suggestion else 200,
    )


def access_detail(request, pk: int):
    access = get_object_or_404(selectors.market_access_detail(), pk=pk)
    on = today()
    # Applicable regulations and allowed ports today come from the one eligibility service.
    try:
        answer = check_eligibility(product=access.product.slug, country=access.country.iso2, on=on)
    except DomainError:  # the slug is also another product's alias: show the record alone
        answer = None
    # Only the dated conditions in force on the day shown (a 2024 instrument's zones are not shown
    # for an earlier day).
    dated_conditions = [c for c in access.dated_conditions.all() if in_force(c, on)]
    accessions = list(access.accessions.all())
    # The entry's dated legal states, oldest first (accessions.validity reads the state on a date).
    states = list(state_series_queryset().filter(market_access=access))
    current = (answer.state or {}).get("id") if answer is not None else None
    timeline = stage_timeline(access, access_stages(access), today=on)
    for accession in accessions:
        accession.ordered_stages = sorted(  # type: ignore[attr-defined]
            accession.stages.all(), key=lambda s: (STAGE_ORDER.get(s.stage, 99), s.pk)
        )
    return render(
        request,
        "web/access_detail.html",
        {
            "access": access,
            "answer": answer,
            "accessions": accessions,
            "timeline": timeline,
            "dated_conditions": dated_conditions,
            "states": states,
            "current_state": current,
            "history": _history(access) if history_supported() else None,
            "history_supported": history_supported(),
            "today": on,
        },
    )


HISTORY_FIELDS = (
    "status",
    "instrument_kind",
    "instrument_ref",
    "instrument_date",
    "valid_from",
    "valid_until",
    "requires_registered_establishments",
    "required_site_kind",
    "treatment",
    "pest_free_areas",
    "conditions",
    "source",
    "confidence",
    "is_illustrative",
)


def _history(access: MarketAccess, limit: int = 50) -> list[dict]:
    """The access entry's latest recorded changes, newest first, with what changed (the one
    history diff, registry.history.history_changes) and who changed it. Two queries however long
    the history is.
    """
    latest = (
        selectors.market_access_events(access.pk)
        .select_related("pgh_context")
        .order_by("-pgh_created_at", "-pgh_id")[: limit + 1]
    )
    events = list(reversed(list(latest)))  # oldest first; one extra as the baseline of a diff
    contexts = [e.pgh_context.metadata if e.pgh_context else {} for e in events]
    # The author (user) and, for a published proposal, the reviewer who published it.
    user_ids = {
        m.get(key) for m in contexts for key in ("user", "reviewer") if isinstance(m.get(key), int)
    }
    names = dict(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "username"))
    timeline, before, previous = [], None, None
    for event, metadata in zip(events, contexts, strict=True):
        after = event_data(event)
        changes = history_changes(before, after)
        changed = [
            {
                "field": cast(Field, MarketAccess._meta.get_field(name)).verbose_name,
                "old": _shown(name, getattr(previous, name)),
                "new": _shown(name, getattr(event, name)),
            }
            for name in HISTORY_FIELDS
            if name in changes
        ]
        user = metadata.get("user")
        timeline.append(
            {
                "label": event.pgh_label,
                "at": event.pgh_created_at,
                "user": names.get(user, user),
                "reviewer": names.get(metadata.get("reviewer"), metadata.get("reviewer")),
                "url": metadata.get("url", ""),
                "reason": metadata.get("reason", ""),
                "changed": changed,
                "status": event.get_status_display(),
            }
        )
        before, previous = after, event
    if len(events) > limit:
        timeline = timeline[1:]  # the baseline event is older than the page shows
    return list(reversed(timeline))


def _shown(name: str, value):
    """A recorded value as people read it: the label of a choice, not its code."""
    choices = dict(cast(Field, MarketAccess._meta.get_field(name)).flatchoices)
    return choices.get(value, value) if choices else value


def accession_list(request):
    accessions = selectors.accession_list()
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


@requires(roles.Ability.DASHBOARD)
def dashboard(request):
    on = today()
    per_year = selectors.accessions_per_year_and_country()
    years = sorted({str(row["year"]) for row in per_year})
    countries = sorted({row["iso2"] for row in per_year})
    accession_chart = stacked_bar_chart(
        _("Accessions per year and country"),
        years,
        countries,
        {(str(row["year"]), row["iso2"]): row["n"] for row in per_year},
    )
    months = selectors.expiries_per_month(start=on, months=12)
    expiry_chart = stacked_bar_chart(
        _("Registrations expiring per month"),
        [row["month"].strftime("%Y-%m") for row in months],
        [_("registrations")],
        {(row["month"].strftime("%Y-%m"), _("registrations")): row["n"] for row in months},
    )
    return render(
        request,
        "web/dashboard.html",
        {
            "renewals": selectors.renewal_overview(today=on),
            "accession_chart": accession_chart,
            "expiry_chart": expiry_chart,
            "alerts": selectors.alerts_for_dashboard(),
            "proposal_counts": selectors.proposal_counts(),
            "today": on,
        },
    )


# --- Alerts ------------------------------------------------------------------------------------


@require_POST
@requires(roles.Ability.ACKNOWLEDGE_ALERTS, then="dashboard")
def alert_acknowledge(request, pk: int):
    """An inspector acknowledges an alert (POST with CSRF); who and when are kept."""
    try:
        expiry.alert_acknowledge(alert_id=pk, by=request.user)
    except DomainError as exc:
        if exc.code == "not_found":
            raise Http404(exc.message) from exc
        raise PermissionDenied(exc.message) from exc
    messages.success(request, _("Alert acknowledged."))
    return redirect(reverse("dashboard") + "#alerts")


@require_POST
@requires(roles.Ability.RUN_SWEEP, then="dashboard")
def sweep_run(request):
    """An inspector runs the expiry sweep now (the same task beat runs daily). Without a broker
    (the embedded mode) it runs at once and the dashboard shows what it did; with one, the task is
    handed to the worker within the short Redis budget (registry.queue), never waited for."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        summary = sweep_expiring_task.apply().get()
        messages.success(
            request,
            _("Expiry sweep done: %(alerts)s new alerts, %(expired)s registrations expired.")
            % {"alerts": summary["alerts_created"], "expired": summary["expired"]},
        )
    elif task_enqueue(SWEEP_TASK):
        messages.success(request, _("Expiry sweep started; reload the dashboard in a minute."))
    else:
        messages.error(
            request,
            _(
                "The expiry sweep could not be started: the task queue is not answering. It runs "
                "daily at 02:15 UTC; try again in a few minutes."
            ),
        )
    return redirect(reverse("dashboard") + "#alerts")


# --- catalogue pages: search, countries, products, ports ------------------------------------

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


# --- The regulations library ------------------------------------------------------------------

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


# --- What changed between two dates, and the accession pipeline -------------------------------


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
        rows = pipeline(today=today(), country=data.get("country"), stage=data.get("stage") or None)
    return render(
        request,
        "web/accession_pipeline.html",
        {"filter": {"form": form}, "rows": rows, "today": today(), "stages": Stage.choices},
        status=200 if valid else 400,
    )
