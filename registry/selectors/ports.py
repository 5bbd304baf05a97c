"""Ports: the API's list, and whether the registry's list of designated sites of a kind is
complete.
"""

from __future__ import annotations

from django.db.models import Count, Exists, Expression, QuerySet, Subquery
from django.db.models.functions import Coalesce

from registry.models import Port, ReportedSiteCount, SupervisionSite


def port_api_list() -> QuerySet[Port]:
    return (
        Port.objects.select_related("facing_country")
        .prefetch_related("regimes", "sites")
        .order_by("code")
    )


# Where a source reports more ports holding a designated site of a kind than the registry records
# (ReportedSiteCount: Xinjiang had 7 designated meat ports in 2019; two are recorded), a port with
# no recorded site may still hold one. One SQL predicate (`kind` may be a column of the
# eligibility engine's table of questions); tests/accessions/test_ports_honest.py pins it.


def site_list_incomplete_q(kind: str | Expression) -> Exists:
    """True (one value for every row) when a reported count of ports with a designated site of
    `kind` exceeds the number of sites of that kind the registry records."""
    recorded = (
        SupervisionSite.objects.filter(kind=kind)
        .order_by()
        .values("kind")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Exists(
        ReportedSiteCount.objects.filter(
            kind=kind, ports_reported__gt=Coalesce(Subquery(recorded), 0)
        )
    )
