"""FilterSets of the catalogue, shared by the API and the HTML list pages.

Every filter states `field_name` and `lookup_expr`; an invalid value is a form error (a 400 in the
API), never a silent empty list.
"""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field

from registry.models import (
    Category,
    Country,
    OriginType,
    Port,
    Product,
    Region,
    SiteKind,
)
from registry.selectors.hs_codes import hs_prefix_q
from registry.selectors.resolver import product_resolve
from registry.selectors.search import product_search

HS_PREFIX_VALIDATOR = RegexValidator(
    r"^[0-9]{2,6}$", _("An HS code or prefix has 2 to 6 digits, e.g. 1005 or 100590.")
)


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, converted to UTC before any query sees it: Python accepts offsets up
    to ±23:59 but PostgreSQL refuses those past ±15:59, and an edge year can overflow."""

    def to_python(self, value):
        stamp = super().to_python(value)
        if stamp is None:
            return None
        try:
            return stamp.astimezone(dt.UTC)
        except (OverflowError, ValueError) as exc:
            raise ValidationError(_("The time is out of range."), code="invalid") from exc


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


ISO2_VALIDATOR = RegexValidator(r"^[A-Za-z]{2}$", _("A country is its two-letter ISO code."))


@extend_schema_field({"type": "string", "pattern": "^[0-9]{2,6}$"})
class HsPrefixFilter(django_filters.CharFilter):
    """`hs=10` matches every code under chapter 10; `hs=100590` the exact code (and alias codes)."""

    def __init__(self, *args, product_path: str = "", **kwargs):
        kwargs.setdefault("validators", [HS_PREFIX_VALIDATOR])
        kwargs.setdefault("max_length", 6)
        super().__init__(*args, **kwargs)
        self.product_path = product_path

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(hs_prefix_q(value, self.product_path)).distinct()


class UpperCaseModelChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        return super().to_python(value.strip().upper() if isinstance(value, str) else value)


class CountryChoiceFilter(django_filters.ModelChoiceFilter):
    # The stubs want django_filters' own ModelChoiceField; any ModelChoiceField works.
    field_class = UpperCaseModelChoiceField  # type: ignore[assignment]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Country.objects.all())
        kwargs.setdefault("to_field_name", "iso2")
        super().__init__(*args, **kwargs)


class ProductRefField(forms.CharField):
    """A product by any identifier the product resolver knows (slug, HS code, a name or alias in
    any language). An identifier naming several products is an error listing them."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        resolution = product_resolve(value)
        if resolution.ambiguous:
            raise forms.ValidationError(
                _("'%(value)s' matches several products: %(names)s. Choose one (or use hs)."),
                params={"value": resolution.identifier, "names": ", ".join(resolution.slugs)},
            )
        if resolution.product is None:
            raise forms.ValidationError(
                _("No product '%(value)s' (give a slug, a name or an HS code)."),
                params={"value": resolution.identifier},
            )
        return resolution.product


@extend_schema_field({"type": "string", "minLength": 1, "maxLength": 200})
class ProductRefFilter(django_filters.Filter):
    field_class = ProductRefField

    def filter(self, qs, value):
        if value is None:
            return qs
        return qs.filter(**{f"{self.field_name}__{self.lookup_expr}": value}).distinct()


class ProductSearchFilter(django_filters.CharFilter):
    """What the search page finds for the same words (registry.selectors.search.product_search):
    names in three languages, aliases, slug, HS codes and prefixes, typos on PostgreSQL."""

    def filter(self, qs, value):
        if not value or not value.strip():
            return qs
        return qs.filter(
            **{
                f"{self.field_name}__{self.lookup_expr}": product_search(value).products.values(
                    "pk"
                )
            }
        )


class CountryFilter(django_filters.FilterSet):
    region = django_filters.ChoiceFilter(
        field_name="region", lookup_expr="exact", choices=Region.choices
    )
    union = django_filters.CharFilter(
        field_name="memberships__union__code", lookup_expr="iexact", distinct=True, max_length=20
    )

    class Meta:
        model = Country
        fields: list[str] = []


class ProductFilter(django_filters.FilterSet):
    q = ProductSearchFilter(field_name="pk", lookup_expr="in", max_length=200)
    hs = HsPrefixFilter(field_name="hs_code", lookup_expr="startswith")
    category = django_filters.ChoiceFilter(
        field_name="category", lookup_expr="exact", choices=Category.choices
    )
    origin_type = django_filters.ChoiceFilter(
        field_name="origin_type", lookup_expr="exact", choices=OriginType.choices
    )

    class Meta:
        model = Product
        fields: list[str] = []


class PortFilter(django_filters.FilterSet):
    facing_country = CountryChoiceFilter(field_name="facing_country", lookup_expr="exact")
    mode = django_filters.ChoiceFilter(
        method="filter_mode",
        field_name="road",
        lookup_expr="exact",
        choices=[("road", _("road")), ("rail", _("rail")), ("air", _("air"))],
    )
    site = django_filters.ChoiceFilter(
        field_name="sites__kind",
        lookup_expr="exact",
        distinct=True,
        choices=SiteKind.choices,
    )

    class Meta:
        model = Port
        fields: list[str] = []

    def filter_mode(self, qs, name, value):
        return qs.filter(**{value: True}) if value else qs
