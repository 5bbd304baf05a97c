"""FilterSets of the catalogue, shared by the API and the HTML list pages.

Every filter states `field_name` and `lookup_expr`; an invalid value is a form error (a 400 in the
API), never a silent empty list.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.models import Category, Country, OriginType, Port, Product, Region

HS_PREFIX_VALIDATOR = RegexValidator(
    r"^[0-9]{2,6}$", _("An HS code or prefix has 2 to 6 digits, e.g. 1005 or 100590.")
)
ISO2_VALIDATOR = RegexValidator(r"^[A-Za-z]{2}$", _("A country is its two-letter ISO code."))


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
        p = self.product_path
        return qs.filter(
            Q(**{f"{p}hs_code__startswith": value})
            | Q(**{f"{p}aliases__kind": "hs_code", f"{p}aliases__alias__startswith": value})
        ).distinct()


class CountryCodeFilter(django_filters.ModelChoiceFilter):
    """A country by ISO alpha-2 (any case); unknown codes are a 400."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Country.objects.all())
        kwargs.setdefault("to_field_name", "iso2")
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        return super().filter(qs, value)


class UpperCaseModelChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        return super().to_python(value.strip().upper() if isinstance(value, str) else value)


class CountryChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = UpperCaseModelChoiceField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Country.objects.all())
        kwargs.setdefault("to_field_name", "iso2")
        super().__init__(*args, **kwargs)


class ProductRefField(forms.CharField):
    """A product by slug or HS code. An HS code shared by several products is an error listing
    them (use `hs` to filter by code)."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        ident = value.strip()
        if ident.isdigit() and len(ident) == 6:
            matches = list(
                Product.objects.filter(
                    Q(hs_code=ident) | Q(aliases__kind="hs_code", aliases__alias=ident)
                )
                .distinct()
                .order_by("slug")
            )
        else:
            matches = list(Product.objects.filter(slug=ident.lower()))
        if not matches:
            raise forms.ValidationError(
                _("No product '%(value)s' (give a slug or an HS code)."), params={"value": ident}
            )
        if len(matches) > 1:
            raise forms.ValidationError(
                _("HS code %(value)s matches several products: %(names)s. Choose one, or use hs."),
                params={"value": ident, "names": ", ".join(p.slug for p in matches)},
            )
        return matches[0]


class ProductRefFilter(django_filters.Filter):
    field_class = ProductRefField

    def filter(self, qs, value):
        if value is None:
            return qs
        return qs.filter(**{f"{self.field_name}__{self.lookup_expr}": value})


class ProductSearchFilter(django_filters.CharFilter):
    """Names in English, Chinese and Russian, aliases, slug and HS code."""

    def filter(self, qs, value):
        if not value:
            return qs
        p = self.field_name
        term = value.strip()
        return qs.filter(
            Q(**{f"{p}name_en__icontains": term})
            | Q(**{f"{p}name_zh__icontains": term})
            | Q(**{f"{p}name_ru__icontains": term})
            | Q(**{f"{p}aliases__alias__icontains": term})
            | Q(**{f"{p}slug__icontains": term})
            | Q(**{f"{p}hs_code__startswith": term})
        ).distinct()


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
    q = ProductSearchFilter(field_name="", lookup_expr="icontains", max_length=200)
    hs = HsPrefixFilter(field_name="hs_code", lookup_expr="startswith")
    category = django_filters.ChoiceFilter(
        field_name="category", lookup_expr="exact", choices=Category.choices
    )
    origin_type = django_filters.ChoiceFilter(
        field_name="origin_type", lookup_expr="exact", choices=OriginType.choices
    )
    country = CountryChoiceFilter(
        field_name="accesses__country",
        lookup_expr="exact",
        distinct=True,
        help_text=_("Products with an access entry (any status) from this country."),
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
        choices=[(k, k) for k in ("meat", "fruit", "grain", "live_animals", "aquatic")],
    )

    class Meta:
        model = Port
        fields: list[str] = []

    def filter_mode(self, qs, name, value):
        return qs.filter(**{value: True}) if value else qs
