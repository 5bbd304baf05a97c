"""The home page and the About page."""

from __future__ import annotations

from django.shortcuts import render

from accessions.coverage import coverage_by_category
from accessions.selectors.access import latest_changes
from accessions.selectors.accessions import recent_accessions
from accessions.selectors.counts import country_cards, coverage_overview, headline_figure
from accessions.selectors.registrations import renewal_overview
from accounts import roles
from web.views import clock


def home(request):
    """Search and check first; then a card per country, the latest accessions and changes, and
    one line of reported versus recorded (the full comparison is on the About page)."""
    on = clock.today()
    context: dict[str, object] = {
        "cards": country_cards(today=on),
        "headline": headline_figure(today=on),
        "recent_accessions": recent_accessions(limit=6),
        "latest_changes": latest_changes(limit=6),
        "today": on,
    }
    if roles.may_see_dashboard(request.user):
        context["renewals"] = renewal_overview(today=on, limit=5)
    return render(request, "web/home.html", context)


def about(request):
    """About the data: where the records come from, and every reported figure beside what the
    registry records for the same scope on the figure's own date."""
    day = clock.today()
    return render(
        request,
        "web/about.html",
        {
            "overview": coverage_overview(today=day),
            "categories": coverage_by_category(today=day),
        },
    )
