"""FilterSets of the regulations app, shared by the HTML library page (and the API if it wants).

Every filter states its field_name and lookup_expr; invalid input is reported, never ignored.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.models import Country, Union
from regulations.models import Regulation, RegulationKind, RegulationStatus, Topic


def _jurisdiction_choices():
    unions = [(u.code, u.code) for u in Union.objects.order_by("code")]
    countries = [(c.iso2, c.name) for c in Country.objects.order_by("name_en")]
    return unions + countries


class RegulationFilter(django_filters.FilterSet):
    jurisdiction = django_filters.ChoiceFilter(
        field_name="country__iso2",
        lookup_expr="exact",
        choices=_jurisdiction_choices,
        method="filter_jurisdiction",
        label=_("Jurisdiction"),
        empty_label=_("any"),
    )
    kind = django_filters.ChoiceFilter(
        field_name="kind",
        lookup_expr="exact",
        choices=RegulationKind.choices,
        label=_("Kind"),
        empty_label=_("any"),
    )
    topic = django_filters.ModelChoiceFilter(
        field_name="topics",
        lookup_expr="exact",
        to_field_name="slug",
        queryset=Topic.objects.order_by("slug"),
        label=_("Topic"),
        empty_label=_("any"),
    )
    status = django_filters.ChoiceFilter(
        field_name="status",
        lookup_expr="exact",
        choices=RegulationStatus.choices,
        label=_("Status"),
        empty_label=_("any"),
    )

    class Meta:
        model = Regulation
        fields = ["jurisdiction", "kind", "topic", "status"]

    def filter_jurisdiction(self, queryset, name, value):
        """A country's own acts or a union's acts, named by ISO code or union code."""
        return queryset.filter(Q(country__iso2=value) | Q(union__code=value))
