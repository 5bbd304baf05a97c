"""The temporal rule of registrations (beside accessions.validity, the home of the access
entries' temporal rules; docs/design.md "Time").

**A registration's effective end**: its recorded extension, else the automatic extension of the
regime in force on its expiry date unless an exclusion is recorded, else its own end. SQL form:
`registration_effective_end`; Python twin: `registration_effective_end_of`. (A suspension or
cancellation stops it from its `stopped_on` day.)
"""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    Case,
    DateField,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from accessions.models import RegistrationRegime


class AddYears(Func):
    """A date moved by a number of years, in the database's own date arithmetic (NULL years:
    NULL)."""

    output_field = DateField()

    def as_postgresql(self, compiler, connection, **extra_context):
        date, years = (compiler.compile(e) for e in self.source_expressions)
        return f"({date[0]} + make_interval(years => {years[0]}))::date", (*date[1], *years[1])

    def as_sqlite(self, compiler, connection, **extra_context):
        date, years = (compiler.compile(e) for e in self.source_expressions)
        return f"date({date[0]}, '+' || {years[0]} || ' years')", (*date[1], *years[1])


def _auto_extension_years() -> Subquery:
    """The years of automatic extension of the regime in force on the outer registration's
    expiry date (Decree 280 from 2026-06-01: 5), NULL when that regime has none."""
    return Subquery(
        RegistrationRegime.objects.filter(auto_extend=True, valid_from__lte=OuterRef("valid_until"))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=OuterRef("valid_until")))
        .order_by("-valid_from")
        .values("auto_extend_years")[:1],
        output_field=IntegerField(),
    )


def registration_recorded_end() -> Coalesce:
    """A registration's end as recorded (its extension where one is stamped, else its own end):
    what the renewal windows and the sweep count from. What a registration's validity on a date
    is reads `registration_effective_end`."""
    return Coalesce("extended_until", "valid_until", output_field=DateField())


def registration_effective_end() -> Coalesce:
    """The SQL form of a registration's effective end: its recorded extension; else, when the
    regime in force on its expiry date extends automatically and no exclusion is recorded
    (Decree 280: 5 more years unless the product is excluded, the enterprise is rectifying or
    imports are suspended), its end moved by that regime's years; else its own end. The same
    whether or not the sweep has stamped the extension yet. Python twin:
    `registration_effective_end_of`."""
    by_rule = Case(
        When(extension_exclusion="", then=AddYears(F("valid_until"), _auto_extension_years())),
        default=Value(None),
        output_field=DateField(),
    )
    return Coalesce("extended_until", by_rule, "valid_until", output_field=DateField())


def registration_effective_end_of(
    *,
    valid_until: dt.date,
    extended_until: dt.date | None,
    exclusion: str,
    auto_years: int | None,
) -> dt.date:
    """The Python twin of `registration_effective_end`."""
    if extended_until is not None:
        return extended_until
    if auto_years and not exclusion:
        return add_years(valid_until, auto_years)
    return valid_until


def add_years(day: dt.date, years: int) -> dt.date:
    """`day` moved by whole years; 29 February becomes 28 February in a common year (as
    PostgreSQL's interval arithmetic does)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
