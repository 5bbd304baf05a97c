"""The home page and the About page."""

from __future__ import annotations

from django.shortcuts import render

from accessions import selectors
from accessions.coverage import coverage_by_category
from accounts import roles
from web.views import clock


def home(request):
    """Search and check first; then a card per country, the latest accessions and changes, and
    one line of reported versus recorded (the full comparison is on the About page)."""
    on = clock.today()
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
    day = clock.today()
    return render(
        request,
        "web/about.html",
        {
            "overview": selectors.coverage_overview(today=day),
            "categories": coverage_by_category(today=day),
        },
    )
