"""Establishment registrations: the API's list, their renewal windows and expiries (the
dashboard), and the alerts the expiry sweep raised (for registrations and access entries).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Case, Count, F, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import TruncMonth

from accessions.models import (
    ACTIVE_REGISTRATION_STATUSES,
    Alert,
    EstablishmentRegistration,
    RegistrationRegime,
    RegistrationStatus,
)
from accessions.registration_validity import registration_effective_end, registration_recorded_end
from registry.dates import add_months, in_force
from registry.models import Product


def establishment_api_list() -> QuerySet[EstablishmentRegistration]:
    """Registrations with their effective end on the one rule (accessions.validity)."""
    return (
        EstablishmentRegistration.objects.select_related("country", "regime")
        .prefetch_related(Prefetch("products", queryset=Product.objects.order_by("slug")))
        .annotate(effective_end=registration_effective_end())
        .order_by("valid_until", "registration_number")
    )


def regime_at(regimes: list[RegistrationRegime], day: dt.date) -> RegistrationRegime | None:
    """The regime in force on `day` (regimes are few; the caller loads them once)."""
    return next((regime for regime in regimes if in_force(regime, day)), None)


RENEWAL_BUCKETS = ("open", "30", "90", "180")


def _window_opens_between(regimes: list[RegistrationRegime], start: dt.date, end: dt.date) -> Q:
    """Registrations whose renewal window (chosen by the regime in force at their valid_until)
    opens between `start` and `end`: the window opens `window_max_months` before expiry
    (Decree 248: 6 months; Decree 280: 12 months).
    """
    condition = Q(pk__in=[])
    for regime in regimes:
        in_regime = Q(valid_until__gte=regime.valid_from)
        if regime.valid_until is not None:
            in_regime &= Q(valid_until__lte=regime.valid_until)
        condition |= in_regime & Q(
            effective__gte=add_months(start, regime.window_max_months),
            effective__lte=add_months(end, regime.window_max_months),
        )
    return condition


def renewal_overview_queryset(*, today: dt.date, regimes: list[RegistrationRegime]):
    """Active registrations annotated with `effective` (extended or valid until) and `bucket`:
    'open' (window already open), '30', '90', '180' (opens within that many days), else None.
    """

    def opens(first_day: int, last_day: int) -> Q:
        return _window_opens_between(
            regimes, today + dt.timedelta(days=first_day), today + dt.timedelta(days=last_day)
        )

    bucket_q = {
        "open": Q(effective__gte=today)
        & _window_opens_between(regimes, dt.date(1900, 1, 1), today),
        "30": opens(1, 30),
        "90": opens(31, 90),
        "180": opens(91, 180),
    }
    return (
        EstablishmentRegistration.objects.filter(status__in=ACTIVE_REGISTRATION_STATUSES)
        .annotate(effective=registration_recorded_end())
        .annotate(
            bucket=Case(
                *(When(condition, then=Value(name)) for name, condition in bucket_q.items()),
                default=None,
            )
        )
    )


@dataclass
class RenewalOverview:
    today: dt.date
    counts: dict[str, int]
    expired_count: int
    upcoming: Sequence[EstablishmentRegistration]
    expired: Sequence[EstablishmentRegistration]


def renewal_overview(*, today: dt.date, limit: int = 100) -> RenewalOverview:
    """Registrations entering their renewal window within 30/90/180 days, those whose window is
    open, and expired ones. Five queries whatever the number of registrations.
    """
    regimes = list(RegistrationRegime.objects.order_by("valid_from"))
    base = renewal_overview_queryset(today=today, regimes=regimes)
    counts = {
        row["bucket"]: row["n"]
        for row in base.filter(bucket__isnull=False)
        .order_by()
        .values("bucket")
        .annotate(n=Count("pk"))
    }
    upcoming = list(
        base.filter(bucket__isnull=False)
        .select_related("country")
        .prefetch_related("products")
        .order_by("effective", "registration_number")[:limit]
    )
    expired_qs = (
        EstablishmentRegistration.objects.annotate(effective=registration_recorded_end())
        .filter(
            Q(status=RegistrationStatus.EXPIRED)
            | Q(effective__lt=today, status__in=ACTIVE_REGISTRATION_STATUSES)
        )
        .select_related("country")
    )
    expired = list(expired_qs.order_by("-effective", "registration_number")[:limit])
    for registration in upcoming:
        regime = regime_at(regimes, registration.valid_until)
        registration.window_opens = (
            add_months(registration.effective, -regime.window_max_months) if regime else None
        )
        registration.window_regime = regime
    return RenewalOverview(
        today=today,
        counts={name: counts.get(name, 0) for name in RENEWAL_BUCKETS},
        expired_count=expired_qs.count(),
        upcoming=upcoming,
        expired=expired,
    )


def expiries_per_month(*, start: dt.date, months: int = 12) -> list[dict]:
    """Registrations expiring (extended or valid until) per month from `start`'s month on."""
    first = start.replace(day=1)
    end = add_months(first, months)
    rows = (
        EstablishmentRegistration.objects.annotate(effective=registration_recorded_end())
        .filter(effective__gte=first, effective__lt=end)
        .annotate(month=TruncMonth("effective"))
        .order_by()
        .values("month")
        .annotate(n=Count("pk"))
    )
    counts = {}
    for row in rows:
        month = row["month"]
        if isinstance(month, dt.datetime):
            month = month.date()
        counts[month] = row["n"]
    return [
        {"month": add_months(first, i), "n": counts.get(add_months(first, i), 0)}
        for i in range(months)
    ]


def alerts_for_dashboard(*, limit: int = 50) -> QuerySet[Alert]:
    """Open alerts first (soonest expiry first), then the latest acknowledged ones."""
    return Alert.objects.select_related(
        "registration__country",
        "market_access__product",
        "market_access__country",
        "acknowledged_by",
    ).order_by(F("acknowledged_at").desc(nulls_first=True), "due_on", "id")[:limit]
