"""The access list's JSON page, its hot path (issue 23): the page as one hand-written keyset
statement whose rows are already the API's JSON (accessions.selectors.access_page), its filters
the FilterSet's SQL form (accessions.filters.market_access_filter_sql) checked by the
FilterSet's own form, its cursors DRF's; no model instance, serializer or JSON encoding per row.

The serializer (MarketAccessListSerializer) still defines the entry and the schema; the entry is
rendered three ways, each compared with the serializer for every seeded entry in every language
(tests/api/test_access_plain.py) and for every filter (tests/api/test_access_lean.py):

- `access_entry_sql`: PostgreSQL writes the entry's JSON text (the page, when times are written
  in UTC, as they are configured);
- `access_entries`: Python renders plain rows (`market_access_rows`: the embedded SQLite mode);
- the serializer itself (the exports' cells, the detail view).
"""

from __future__ import annotations

import functools
import json
import operator
from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.db.models import DateTimeField
from django.utils import timezone
from django_filters.utils import translate_validation
from rest_framework.renderers import JSONRenderer

from accessions.filters import MarketAccessFilter, market_access_filter_sql
from accessions.lists import ACCESS
from accessions.models import MarketAccess
from accessions.selectors.access_page import (
    access_page,
    access_page_position,
    allowed_ports_json_sql,
    column_sql,
    state_series_json_sql,
    status_shown_sql,
)
from api.exports import iso_datetime_sql
from api.serializers import (
    STATE_SERIES_FIELDS,
    MarketAccessListSerializer,
    state_series_by_entry,
)
from registry.lists import DATE
from registry.localize import content_language
from registry.replicas import read_connection

# --- The parameters: the FilterSet's own form -----------------------------------------------------


@functools.cache
def _filter_form(names: frozenset[str]) -> type[forms.Form]:
    """The access list FilterSet's form (its filters' own fields, in its order) cut to the
    parameters given: built once per combination, so a request copies only the fields it uses
    (a FilterSet copies every filter and field on each request)."""
    fields = {
        name: declared.field
        for name, declared in MarketAccessFilter.base_filters.items()
        if name in names
    }
    return type("MarketAccessFilterForm", (forms.Form,), fields)


def access_filter_parameters(request) -> dict[str, Any]:
    """The access list's filter parameters as the FilterSet's form cleans them; invalid ones
    are the 400 django-filter's backend raises (its errors, in the form's order)."""
    given = frozenset(MarketAccessFilter.base_filters).intersection(request.query_params)
    if not given:
        return {}
    form = _filter_form(given)(request.query_params)
    if not form.is_valid():
        raise translate_validation(form.errors)  # type: ignore[arg-type,misc]  # stubs: a dict
    return form.cleaned_data


# --- The entry as PostgreSQL writes it ------------------------------------------------------------


def _names_sql(relation: str, suffix: str) -> str:
    """The name in the language asked, else the first one given (`registry.localize`)."""
    order = dict.fromkeys((suffix, "en", "zh", "ru"))
    names = ", ".join(f"NULLIF({column_sql(f'{relation}__name_{code}')}, '')" for code in order)
    return f"COALESCE({names}, '')"


def _object_sql(name: str, fields: dict[str, str]) -> str:
    """A nested JSON object (compact, keys in order) of these expressions."""
    listed = ", ".join(f'{expression} AS "{key}"' for key, expression in fields.items())
    return f"(SELECT row_to_json({name}) FROM (SELECT {listed}) {name})"  # noqa: S608 (no input)


@functools.cache
def access_entry_sql(suffix: str, as_of: bool) -> str:
    """The select list of one entry for `access_page` (the SQL twin of `access_entries`): the
    declared columns (accessions.lists.ACCESS) in order, each as MarketAccessListSerializer
    renders it; names in the language `suffix` (`content_language`); the status on the `as_of`
    date when asked. Dates come out as ISO text from PostgreSQL's JSON; times as DRF writes them
    in UTC."""
    special = {
        "product": _object_sql(
            "product",
            {
                "slug": column_sql("product__slug"),
                "name": _names_sql("product", suffix),
                "hs_code": column_sql("product__hs_code"),
            },
        ),
        "country": _object_sql(
            "country",
            {"iso2": column_sql("country__iso2"), "name": _names_sql("country", suffix)},
        ),
        "status": status_shown_sql(as_of),
        "allowed_ports": allowed_ports_json_sql(),
        "states": state_series_json_sql(STATE_SERIES_FIELDS),
    }
    listed = []
    for name in ACCESS.public_names():
        expression = special.get(name) or column_sql(name)
        if isinstance(MarketAccess._meta.get_field(name), DateTimeField):
            expression = iso_datetime_sql(expression)
        listed.append(f'{expression} AS "{name}"')
    return ", ".join(listed)


class RenderedJSON(bytes):
    """A response body already written as JSON (the access list's page)."""


class PageJSONRenderer(JSONRenderer):
    """DRF's JSON renderer, which sends a RenderedJSON body as it is (an `indent` asked in the
    Accept header still gets its indented rendering)."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, RenderedJSON):
            if self.get_indent(accepted_media_type, renderer_context or {}) is None:
                return bytes(data)
            data = json.loads(data)
        return super().render(data, accepted_media_type, renderer_context)


_NO_ENTRY = MarketAccess.objects.none()  # what the ordering filter is given (it reads no row)


def sql_page_applies() -> bool:
    """PostgreSQL writes the page when it is the database read and times are written in UTC
    (DRF's `Z`), as configured; otherwise the page is rendered in Python."""
    return (
        read_connection().vendor == "postgresql" and timezone.get_current_timezone_name() == "UTC"
    )


def access_page_json(request, view) -> RenderedJSON:
    """The access list's JSON page, as DRF's paginated response would write it: `next`,
    `previous` (DRF's cursors, `BoundedCursorPagination.paginate_rows`), `results`. A bad
    filter, ordering, page size or cursor is the same 400, in the same order, as through DRF's
    filter backends and paging."""
    cleaned = access_filter_parameters(request)
    conditions, params = market_access_filter_sql(cleaned, today=timezone.localdate())
    as_of = cleaned.get("as_of")
    fetch = functools.partial(
        access_page,
        entry=access_entry_sql(content_language(), as_of is not None),
        conditions=conditions,
        params=params,
        as_of=as_of,
    )
    paginator = view.paginator
    rows = paginator.paginate_rows(request, view, fetch, access_page_position, _NO_ENTRY)
    links = JSONRenderer().render(
        {"next": paginator.get_next_link(), "previous": paginator.get_previous_link()}
    )
    results = ",".join(row["entry"] for row in rows).encode()
    return RenderedJSON(links[:-1] + b',"results":[' + results + b"]}")


# --- The entry as Python renders it (plain rows) --------------------------------------------------


@functools.cache
def _updated_at_representation() -> Callable[[Any], Any]:
    # The serializer's own field (time zone and ISO format as configured), built once.
    return MarketAccessListSerializer().fields["updated_at"].to_representation


@functools.cache
def _date_columns() -> frozenset[str]:
    return frozenset(column.name for column in ACCESS.columns if column.format == DATE)


def _day(value: Any) -> str | None:
    return None if value is None else value.isoformat()


Render = Callable[[dict[str, Any]], Any]


def _date_of(key: str) -> Render:
    return lambda row: _day(row[key])


def _renderers(
    product_names: list[str],
    country_names: list[str],
    ports: dict[int, list[str]],
    states: dict[int, list[dict[str, Any]]],
) -> list[tuple[str, Render]]:
    """How each declared column of the access list (accessions.lists.ACCESS, in its order) is
    rendered from a plain row: a date as ISO text, the product and country as their objects,
    the ports and states from their own reads, any other column as the row holds it."""
    updated_at = _updated_at_representation()
    special: dict[str, Render] = {
        "product": lambda row: {
            "slug": row["product__slug"],
            "name": next((row[key] for key in product_names if row[key]), ""),
            "hs_code": row["product__hs_code"],
        },
        "country": lambda row: {
            "iso2": row["country__iso2"],
            "name": next((row[key] for key in country_names if row[key]), ""),
        },
        "status": lambda row: row.get("status_shown") or row["status"],
        "allowed_ports": lambda row: ports[row["id"]],
        "updated_at": lambda row: updated_at(row["updated_at"]),
        "states": lambda row: states[row["id"]],
    }
    dates = _date_columns()
    renderers: list[tuple[str, Render]] = []
    for name in ACCESS.public_names():
        if name in special:
            renderers.append((name, special[name]))
        elif name in dates:
            renderers.append((name, _date_of(name)))
        else:
            renderers.append((name, operator.itemgetter(name)))
    return renderers


def access_entries(
    rows: Sequence[dict[str, Any]],
    ports: dict[int, list[str]],
    states: dict[int, list[dict[str, Any]]] | None = None,
    language: str | None = None,
) -> list[dict[str, Any]]:
    """The access list's entries from plain rows (`market_access_rows`), their ports and their
    series of states (`state_series_by_entry`; read here with one query when not given), exactly
    as MarketAccessListSerializer renders them: both read the list's one declaration
    (accessions.lists.ACCESS), and tests/api/test_access_plain.py compares them for every seeded
    entry, in every language, and checks them against the schema. Names are in the active
    language with the model's fallback (`registry.localize.localized`). A row that carries
    `status_shown` (the status on the date a list is asked `as_of`) shows it as its status."""
    if states is None:
        states = state_series_by_entry([row["id"] for row in rows])
    suffix = content_language(language)
    order = list(dict.fromkeys((suffix, "en", "zh", "ru")))
    renderers = _renderers(
        [f"product__name_{candidate}" for candidate in order],
        [f"country__name_{candidate}" for candidate in order],
        ports,
        states,
    )
    return [{name: render(row) for name, render in renderers} for row in rows]
