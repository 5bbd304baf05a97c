"""FilterSets of the accessions app, shared by the HTML list pages and the API.

Every filter states its field_name and lookup_expr; invalid input is reported, never ignored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_filters.constants import EMPTY_VALUES
from drf_spectacular.utils import extend_schema_field

from accessions.changes.base import Meaning
from accessions.models import (
    Accession,
    AccessState,
    AccessStatus,
    DiplomaticEvent,
    EstablishmentRegistration,
    MarketAccess,
    RegistrationStatus,
    Stage,
    StateKind,
)
from accessions.registration_validity import registration_effective_end
from accessions.validity import (
    access_ends_between,
    granted_on_filter,
    status_on_annotations,
)
from accessions.validity_sql import grants_sql, status_on_sql
from registry.filters import (
    CountryChoiceFilter,
    HsPrefixFilter,
    ProductFilter,
    ProductRefField,
    ProductRefFilter,
    UpperCaseModelChoiceField,
    UtcIsoDateTimeFilter,
)
from registry.models import Category, Country, Port
from registry.selectors.hs_codes import hs_prefix_products_sql

HS_CHAPTER_VALIDATOR = RegexValidator(
    r"^[0-9]{2}$", _("An HS chapter is two digits, e.g. 08 or 10.")
)


class IntegerFilter(django_filters.Filter):
    """A whole number (django-filter's NumberFilter takes decimals: `year=0.5`)."""

    field_class = forms.IntegerField


class AccessionFilter(django_filters.FilterSet):
    year = IntegerFilter(
        field_name="year", lookup_expr="exact", label=_("Year"), min_value=0, max_value=32767
    )
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


# --- The API's FilterSets ---------------------------------------------------------------------


class ExpiringWithinField(forms.IntegerField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 3650)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        # Whole days in digits, as the schema says: Django's IntegerField would also take "0.0".
        text = str(value).strip() if value is not None else ""
        if text and not text.lstrip("+-").isdigit():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": 3650})
class ExpiringWithinFilter(django_filters.Filter):
    """Ends within N days from today (0–3650): `field_name` between today and today + N."""

    field_class = ExpiringWithinField

    def __init__(self, *args, alias: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.alias = alias or {}

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        today = timezone.localdate()
        if self.alias:
            qs = qs.alias(**self.alias)
        return qs.filter(
            **{
                f"{self.field_name}__{self.lookup_expr}": (today, today + dt.timedelta(days=value)),
            }
        )


class MarketAccessFilter(django_filters.FilterSet):
    country = CountryChoiceFilter(field_name="country", lookup_expr="exact")
    product = ProductRefFilter(field_name="product", lookup_expr="exact")
    hs = HsPrefixFilter(
        field_name="product__hs_code", lookup_expr="startswith", product_path="product__"
    )
    category = django_filters.ChoiceFilter(
        field_name="product__category", lookup_expr="exact", choices=Category.choices
    )
    status = django_filters.ChoiceFilter(
        field_name="status",
        lookup_expr="exact",
        choices=AccessStatus.choices,
        method="filter_status",
        help_text=_("The status on the date of `as_of` (today when it is not given)."),
    )
    port = django_filters.ModelChoiceFilter(
        field_name="allowed_ports",
        lookup_expr="exact",
        to_field_name="code",
        queryset=Port.objects.all(),
        distinct=True,
        help_text=_("Entries that list this port as allowed."),
    )
    as_of = django_filters.DateFilter(
        field_name="states__starts_on",
        lookup_expr="lte",
        method="filter_as_of",
        help_text=_("Only access in force on this date (YYYY-MM-DD)."),
    )
    updated_since = UtcIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text=_("Changed at or after (ISO 8601).")
    )
    expiring_within = ExpiringWithinFilter(
        field_name="states__starts_on",
        lookup_expr="range",
        method="filter_expiring_within",
        help_text=_("Access that ends within this many days from today."),
    )

    class Meta:
        model = MarketAccess
        fields: list[str] = []

    def filter_status(self, queryset, name, value):
        """Today's status is the one kept on the entry; the status on another date is read
        from the series (accessions.validity), never from the kept one."""
        on = self.form.cleaned_data.get("as_of")
        if on is None:
            return queryset.filter(status=value)
        annotations = status_on_annotations(on)
        status_on = annotations.pop("status_on")
        return (
            queryset.alias(**annotations)
            .alias(status_filtered=status_on)
            .filter(status_filtered=value)
        )

    def filter_as_of(self, queryset, name, value):
        """In force on the date: the entry's state on that day lets the product in (its series of
        legal states, accessions.validity: the rule the eligibility check applies), whatever
        its status today. With `status`, the status on that date decides instead (`status=
        suspended&as_of=2023-06-01`: what was suspended then)."""
        if self.form.cleaned_data.get("status"):
            return queryset
        return granted_on_filter(queryset, value)

    def filter_expiring_within(self, queryset, name, value):
        """Ends within N days from today: an end or a revocation in the entry's series whose
        first day falls after today and at most the day after today + N (an entry's last day
        `valid_until` is the day before its `ended` state)."""
        if value in (None, ""):
            return queryset
        today = timezone.localdate()
        # An entry's last day `valid_until` is the day before its `ended` state.
        return queryset.filter(
            access_ends_between(today + dt.timedelta(days=1), today + dt.timedelta(days=value + 1))
        )


# --- The SQL form of MarketAccessFilter (the API list's page, accessions.selectors.access_page) --

# Each filter's condition over the entry `a`, its product `p` and, on a page asked `as_of` a
# date, its state on that date `on_day` (accessions.validity_sql), with its named parameters;
# a filter the form left empty adds nothing, as django-filter's. The same entries as the
# FilterSet's queryset for the same cleaned form data: tests/api/test_access_lean.py compares
# both for every filter and their combinations.
AccessFilterSql = Callable[[Any, Mapping[str, Any], dt.date, dict[str, Any]], str | None]
_LINKS = MarketAccess.allowed_ports.through._meta.db_table
_STATES = AccessState._meta.db_table


def _status_sql(value, cleaned, today, params) -> str:
    params["status"] = value
    if cleaned.get("as_of") is None:
        return "a.status = %(status)s"  # today's status is the one kept on the entry
    return f"{status_on_sql('a', 'on_day')} = %(status)s"


def _as_of_sql(value, cleaned, today, params) -> str | None:
    # With `status`, the status on that date decides instead (`filter_as_of`).
    return None if cleaned.get("status") else grants_sql("on_day")


def _port_sql(value, cleaned, today, params) -> str:
    params["port"] = value.pk
    return (
        f"EXISTS (SELECT 1 FROM {_LINKS} l WHERE l.marketaccess_id = a.id AND l.port_id = %(port)s)"  # noqa: S608
    )


def _expiring_sql(value, cleaned, today, params) -> str:
    params["ends_from"] = today + dt.timedelta(days=1)
    params["ends_until"] = today + dt.timedelta(days=value + 1)
    return (
        f"EXISTS (SELECT 1 FROM {_STATES} e WHERE e.market_access_id = a.id "  # noqa: S608
        f"AND e.kind IN ('{StateKind.ENDED}', '{StateKind.REVOKED}') "
        "AND e.starts_on >= %(ends_from)s AND e.starts_on <= %(ends_until)s)"
    )


def _equals(column: str, name: str, key: Callable[[Any], Any] = lambda value: value):
    def condition(value, cleaned, today, params) -> str:
        params[name] = key(value)
        return f"{column} = %({name})s"

    return condition


def _hs_sql(value, cleaned, today, params) -> str:
    params["hs"] = value
    return f"a.product_id IN ({hs_prefix_products_sql('%(hs)s')})"


def _updated_since_sql(value, cleaned, today, params) -> str:
    params["updated_since"] = value
    return "a.updated_at >= %(updated_since)s"


MARKET_ACCESS_FILTER_SQL: dict[str, AccessFilterSql] = {
    "country": _equals("a.country_id", "country", lambda country: country.pk),
    "product": _equals("a.product_id", "product", lambda product: product.pk),
    "hs": _hs_sql,
    "category": _equals("p.category", "category"),
    "status": _status_sql,
    "port": _port_sql,
    "as_of": _as_of_sql,
    "updated_since": _updated_since_sql,
    "expiring_within": _expiring_sql,
}


def market_access_filter_sql(
    cleaned: Mapping[str, Any], *, today: dt.date
) -> tuple[list[str], dict[str, Any]]:
    """The conditions and named parameters that select what MarketAccessFilter's queryset
    selects for this cleaned form data (`today`: the day `expiring_within` counts from)."""
    conditions: list[str] = []
    params: dict[str, Any] = {}
    for name, value in cleaned.items():
        if value in EMPTY_VALUES:
            continue
        condition = MARKET_ACCESS_FILTER_SQL[name](value, cleaned, today, params)
        if condition is not None:
            conditions.append(condition)
    return conditions, params


PRODUCT_ACCESS_COUNTRY_HELP = _("Products with an access entry (any status) from this country.")


@extend_schema_field(
    {
        "type": "string",
        "title": "ISO alpha-2",
        "minLength": 1,
        "description": str(PRODUCT_ACCESS_COUNTRY_HELP),
    }
)
class ProductAccessCountryFilter(CountryChoiceFilter):
    """Products with an access entry (any status) from a country, read through the access
    entry's own relation to its product (the catalogue knows nothing of access entries)."""

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(
            **{
                f"{self.field_name}__{self.lookup_expr}": MarketAccess.objects.filter(
                    country=value
                ).values("product_id")
            }
        )


class ProductWithAccessFilter(ProductFilter):
    """The catalogue's product filters and the country of an access entry (the API's product
    list)."""

    country = ProductAccessCountryFilter(
        field_name="pk",
        lookup_expr="in",
        help_text=PRODUCT_ACCESS_COUNTRY_HELP,
    )

    class Meta(ProductFilter.Meta):
        pass


class ApiAccessionFilter(AccessionFilter):
    product = ProductRefFilter(field_name="market_access__product", lookup_expr="exact")

    class Meta(AccessionFilter.Meta):
        fields = [*AccessionFilter.Meta.fields, "product"]


class EstablishmentFilter(django_filters.FilterSet):
    country = CountryChoiceFilter(field_name="country", lookup_expr="exact")
    product = ProductRefFilter(field_name="products", lookup_expr="exact", distinct=True)
    status = django_filters.ChoiceFilter(
        field_name="status", lookup_expr="exact", choices=RegistrationStatus.choices
    )
    expiring_within = ExpiringWithinFilter(
        field_name="effective_end_filtered",
        lookup_expr="range",
        alias={"effective_end_filtered": registration_effective_end()},
        help_text=_(
            "Registrations whose validity (an extension included) ends within this many days "
            "from today."
        ),
    )
    registration_number = django_filters.CharFilter(
        field_name="registration_number", lookup_expr="iexact", max_length=23
    )
    q = django_filters.CharFilter(
        field_name="name",
        lookup_expr="icontains",
        max_length=200,
        help_text=_("Part of the establishment's name."),
    )

    class Meta:
        model = EstablishmentRegistration
        fields: list[str] = []


# --- What changed between two dates (the page and the API) --------------------------------------


class ChangesBetweenForm(forms.Form):
    """The question "what changed between two dates", shared by the page and the API: an invalid
    value is an error naming its parameter (a 400), never an empty answer."""

    # Fields added in __init__: `from` is a Python keyword, so it cannot be a class attribute.
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        date_help = _("YYYY-MM-DD; both days are included.")
        date_input = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.fields["from"] = forms.DateField(
            label=pgettext_lazy("date range", "From"),
            input_formats=["%Y-%m-%d"],
            help_text=date_help,
            widget=date_input,
        )
        self.fields["to"] = forms.DateField(
            label=pgettext_lazy("date range", "To"),
            input_formats=["%Y-%m-%d"],
            help_text=date_help,
            widget=date_input,
        )
        self.fields["meaning"] = forms.ChoiceField(
            label=_("Meaning"),
            choices=Meaning.choices,
            required=False,
            initial=Meaning.LEGAL,
            widget=forms.RadioSelect,
        )
        self.fields["country"] = UpperCaseModelChoiceField(
            label=_("Country"),
            queryset=Country.objects.order_by("name_en"),
            to_field_name="iso2",
            required=False,
            empty_label=_("any"),
        )
        self.fields["product"] = ProductRefField(label=_("Product"), required=False, max_length=200)
        self.fields["hs_chapter"] = forms.CharField(
            label=_("HS chapter"),
            required=False,
            validators=[HS_CHAPTER_VALIDATOR],
            max_length=2,
            help_text=_("Two digits, e.g. 08 (fruit) or 10 (cereals)."),
        )

    def clean(self):
        data = super().clean() or {}
        start, end = data.get("from"), data.get("to")
        if start and end and start > end and "to" not in self.errors:
            self.add_error("to", _("'to' must not be before 'from'."))
        if not data.get("meaning"):
            data["meaning"] = "legal"
        return data


class PipelineForm(forms.Form):
    """The pipeline page's filters: a country and the current stage."""

    country = UpperCaseModelChoiceField(
        label=_("Country"),
        queryset=Country.objects.order_by("name_en"),
        to_field_name="iso2",
        required=False,
        empty_label=_("any"),
    )
    stage = forms.ChoiceField(
        label=_("Current stage"), choices=[("", _("any")), *Stage.choices], required=False
    )
