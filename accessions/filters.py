"""FilterSets of the accessions app, shared by the HTML list pages (and the API if it wants them).

Every filter states its field_name and lookup_expr; invalid input is reported, never ignored.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from accessions.models import Accession, AccessStatus, DiplomaticEvent
from registry.models import Country


class AccessionFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(field_name="year", lookup_expr="exact", label=_("Year"))
    country = django_filters.ModelChoiceFilter(
        field_name="market_access__country",
        lookup_expr="exact",
        to_field_name="iso2",
        queryset=Country.objects.order_by("name_en"),
        label=_("Country"),
        empty_label=_("any"),
    )
    event = django_filters.ModelChoiceFilter(
        field_name="event",
        lookup_expr="exact",
        to_field_name="slug",
        queryset=DiplomaticEvent.objects.order_by("starts_on", "slug"),
        label=_("Event"),
        empty_label=_("any"),
    )
    status = django_filters.ChoiceFilter(
        field_name="market_access__status",
        lookup_expr="exact",
        choices=AccessStatus.choices,
        label=_("Access status"),
        empty_label=_("any"),
    )

    class Meta:
        model = Accession
        fields = ["year", "country", "event", "status"]
