"""FilterSets of the regulations app, shared by the HTML library page and the API.

Every filter states its field_name and lookup_expr; invalid input is reported, never ignored.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.filters import ProductRefFilter
from registry.models import Country, Union
from regulations.models import Regulation, RegulationKind, RegulationStatus, Topic
from regulations.selectors import regulation_in_force_q, regulation_of_country_q


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


class RegulationApiFilter(RegulationFilter):
    """The API's regulation filters: the library's, plus product, country (with the acts of the
    unions it is a binding member of on `as_of`) and `as_of` (acts in force on that date).
    """

    product = ProductRefFilter(
        field_name="product_links__product",
        lookup_expr="exact",
        max_length=200,
        label=_("Product (slug, name or HS code)"),
    )
    country = django_filters.CharFilter(
        field_name="country__iso2",
        lookup_expr="exact",
        max_length=2,
        method="filter_country",
        label=_("Country (with its unions' acts)"),
    )
    as_of = django_filters.DateFilter(
        field_name="in_force_from", lookup_expr="lte", method="filter_as_of", label=_("In force on")
    )

    class Meta(RegulationFilter.Meta):
        fields = [*RegulationFilter.Meta.fields, "product", "country", "as_of"]

    def _as_of(self):
        return self.form.cleaned_data.get("as_of") or timezone.localdate()

    def filter_country(self, queryset, name, value):
        return queryset.filter(regulation_of_country_q(value.strip().upper(), self._as_of()))

    def filter_as_of(self, queryset, name, value):
        return queryset.filter(regulation_in_force_q(value))

    def is_valid(self):
        valid = super().is_valid()
        country = self.form.cleaned_data.get("country") if valid else None
        if country and not Country.objects.filter(iso2=country.strip().upper()).exists():
            self.form.add_error(
                "country",
                forms.ValidationError(
                    _("No country with the ISO code '%(code)s'."), params={"code": country}
                ),
            )
            return False
        return valid
