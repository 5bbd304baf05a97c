"""The inspectors' dashboard: renewals, charts, alerts to acknowledge, and the expiry sweep run
by hand."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accessions.selectors.accessions import accessions_per_year_and_country
from accessions.selectors.proposals import proposal_counts
from accessions.selectors.registrations import (
    alerts_for_dashboard,
    expiries_per_month,
    renewal_overview,
)
from accessions.services import expiry
from accessions.tasks import sweep_expiring_task
from accounts import roles
from registry.errors import DomainError
from registry.queue import task_enqueue
from web.charts import stacked_bar_chart
from web.guards import requires
from web.views import clock

SWEEP_TASK = "accessions.tasks.sweep_expiring_task"


@requires(roles.Ability.DASHBOARD)
def dashboard(request):
    on = clock.today()
    per_year = accessions_per_year_and_country()
    years = sorted({str(row["year"]) for row in per_year})
    countries = sorted({row["iso2"] for row in per_year})
    accession_chart = stacked_bar_chart(
        _("Accessions per year and country"),
        years,
        countries,
        {(str(row["year"]), row["iso2"]): row["n"] for row in per_year},
    )
    months = expiries_per_month(start=on, months=12)
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
            "renewals": renewal_overview(today=on),
            "accession_chart": accession_chart,
            "expiry_chart": expiry_chart,
            "alerts": alerts_for_dashboard(),
            "proposal_counts": proposal_counts(),
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
        # Not inside a task, whatever Celery's per-process flag says after a worker ran here.
        summary = sweep_expiring_task.apply().get(disable_sync_subtasks=False)
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
