"""How many of a country's access entries let their product in, day by day: a table PostgreSQL
keeps from the entries' dated states, so the coverage of a `not_recorded` answer ("the registry
records N products in force for this country on this date") is one index probe instead of a
look at every entry of the country (issue 23; at 100,000 entries a country that look took
seconds).

Each row is a step: from `starts_on` (NULL: before every dated state) until the next step of
the same country, `granted` entries of the country grant access (accessions.validity:
`grants_access(state_on(...))`). There is a step on the start of every state of the country's
entries, so the steps around a date are also the change days of the coverage
(accessions.windows).

Written only by the database: statement-level triggers on the states and the entries
(migration accessions 0023) run `accessions_coverage_refresh` for the countries a statement
touched, whoever wrote it (a service, an import, the scale data, psql). On SQLite the table stays
empty and the engine's ORM twin counts the entries itself (accessions.eligibility.records_orm).
tests/accessions/test_coverage_steps.py proves the steps equal the ORM count
(accessions.validity.access_granted_on) on every change day and the day before it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CoverageStep(models.Model):
    country = models.ForeignKey(
        "registry.Country", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    starts_on = models.DateField(_("from"), null=True)
    granted = models.IntegerField(_("entries granting access"))

    class Meta:
        verbose_name = _("coverage step")
        verbose_name_plural = _("coverage steps")
        indexes = [models.Index(fields=["country", "starts_on"], name="coverage_step_on")]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.country_id} {self.starts_on}: {self.granted}"
