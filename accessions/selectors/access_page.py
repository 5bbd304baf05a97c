"""The access list's page as one hand-written keyset statement (PostgreSQL): each entry with its
product, country, allowed ports and series of legal states, already as the JSON text the API
sends, filtered, ordered and cut at a cursor position, in one round trip. The API's JSON page
reads it (api.access_page); `access_page_sql` gives the statement a reader can run in psql.

The statement takes its select list from the caller (the API's rendering, whose Python twin is
`api.access_page.access_entries`), its conditions from the SQL form of the list's FilterSet
(`accessions.filters.market_access_filter_sql`) and the status on an `as_of` date from
accessions.validity_sql. tests/api/test_access_lean.py proves its pages equal to the
FilterSet's rows rendered by the serializer, for every filter.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.db.models import Field, Model
from psycopg.sql import Literal

from accessions.models import AccessState, MarketAccess
from accessions.validity_sql import (
    STATES_TABLE,
    series_order_sql,
    state_on_join_sql,
    status_on_sql,
)
from registry.models import Country, Port, Product
from registry.replicas import read_connection
from registry.sql import server_bound

# The aliases every fragment of the statement uses: the entry, its product, its country and, on
# a page asked `as_of` a date, its state on that date.
ENTRY, PRODUCT, COUNTRY, ON_DAY = "a", "p", "c", "on_day"
_ALIASES: dict[str, tuple[str, type[Model]]] = {
    "": (ENTRY, MarketAccess),
    "product": (PRODUCT, Product),
    "country": (COUNTRY, Country),
}

# What the list may be ordered by (the view's `ordering_fields`), as columns; the cursor's
# position is the first one's value, written as text (DRF's CursorPagination) and read back by
# its type here.
ORDER_COLUMNS: dict[str, str] = {
    "id": f"{ENTRY}.id",
    "updated_at": f"{ENTRY}.updated_at",
    "country_iso2": f"{COUNTRY}.iso2",
    "product_slug": f"{PRODUCT}.slug",
}
_BIGINT = 2**63 - 1


def _whole_number(text: str) -> int:
    value = int(text)
    if not -_BIGINT <= value <= _BIGINT:
        raise ValueError(text)
    return value


def _moment(text: str) -> dt.datetime:
    value = MarketAccess._meta.get_field("updated_at").to_python(text)
    if not isinstance(value, dt.datetime):
        raise ValueError(text)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _text(text: str) -> str:
    if "\x00" in text:  # PostgreSQL text cannot hold it
        raise ValueError(text)
    return text


_POSITION_TYPES: dict[str, Callable[[str], Any]] = {
    "id": _whole_number,
    "updated_at": _moment,
    "country_iso2": _text,
    "product_slug": _text,
}


def access_page_position(field: str, text: str) -> Any:
    """A cursor's position for the ordering `field`, typed as its column (ValueError or
    django's ValidationError when it is not one: a cursor not written by the list)."""
    return _POSITION_TYPES[field](text)


def _db_column(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    column = field.column if isinstance(field, Field) else None
    assert column is not None, name  # a column of the model, not a relation's other side
    return column


def column_sql(path: str) -> str:
    """The column of a field of the entry, its product or its country, by its ORM path
    (`instrument_ref`, `product__slug`, `country__name_zh`), in the statement's aliases."""
    relation, _sep, name = path.rpartition("__")
    alias, model = _ALIASES[relation]
    return f"{alias}.{_db_column(model, name)}"


def state_series_json_sql(state_fields: Sequence[str]) -> str:
    """The entry's series of states, oldest first (`series_order`), as a JSON array of objects
    of `state_fields` in that order (a date as ISO text); an empty array when it has none."""
    columns = ", ".join(f's.{_db_column(AccessState, name)} AS "{name}"' for name in state_fields)
    return (
        f"array_to_json(ARRAY(SELECT row_to_json(state) FROM (SELECT {columns} "  # noqa: S608
        f"FROM {STATES_TABLE} s WHERE s.market_access_id = {ENTRY}.id "
        f"ORDER BY {series_order_sql('s')}) state))"
    )


def allowed_ports_json_sql() -> str:
    """The entry's allowed ports' codes, ordered by code (as `market_access_rows`), as a JSON
    array."""
    links = MarketAccess.allowed_ports.through._meta.db_table
    return (
        f"array_to_json(ARRAY(SELECT po.code FROM {links} l JOIN {Port._meta.db_table} po "  # noqa: S608
        f"ON po.id = l.port_id WHERE l.marketaccess_id = {ENTRY}.id ORDER BY po.code))"
    )


def status_shown_sql(as_of: bool) -> str:
    """The status the list shows: today's, kept on the entry, or on a page asked `as_of` a
    date the status on that date (accessions.validity_sql)."""
    return status_on_sql(ENTRY, ON_DAY) if as_of else f"{ENTRY}.status"


# The entry's JSON as text, U+2028 and U+2029 escaped as DRF's renderer escapes them (JSON that is
# also JavaScript); row_to_json writes it compact, keys in the order selected.
_JSON_TEXT = (
    "replace(replace(row_to_json(entry)::text, chr(8232), '\\u2028'), chr(8233), '\\u2029')"
)


def _order_sql(ordering: Sequence[str]) -> str:
    return ", ".join(
        f"{ORDER_COLUMNS[term.lstrip('-')]} {'DESC' if term.startswith('-') else 'ASC'}"
        for term in ordering
    )


def access_page_sql(
    *,
    entry: str,
    conditions: Sequence[str],
    ordering: Sequence[str],
    as_of: bool,
    keyset: str | None = None,
) -> str:
    """The page's statement. Each row: the value of the first ordering field under its name
    (the cursor's position) and `entry`, the JSON text (`_JSON_TEXT`) of the select list
    `entry` (expressions over the aliases above, `AS` the keys, in order). The rows meet the
    `conditions` (named parameters), come after the cursor's position (`keyset`: '>' or '<'
    against the parameter `position`) in `ordering` ('-' descending), `%(limit)s` of them from
    `%(offset)s`; asked `as_of` a date (the parameter `on`), the state of each entry on that
    date is joined as `on_day`."""
    first = ordering[0].lstrip("-")
    where = list(conditions)
    if keyset is not None:
        where.append(f"{ORDER_COLUMNS[first]} {keyset} %(position)s")
    return (
        f"SELECT {ORDER_COLUMNS[first]} AS {first}, {_JSON_TEXT} AS entry "  # noqa: S608
        f"FROM {MarketAccess._meta.db_table} {ENTRY} "
        f"JOIN {Product._meta.db_table} {PRODUCT} ON {PRODUCT}.id = {ENTRY}.product_id "
        f"JOIN {Country._meta.db_table} {COUNTRY} ON {COUNTRY}.id = {ENTRY}.country_id "
        + (state_on_join_sql(ENTRY, ON_DAY) + " " if as_of else "")
        + f"CROSS JOIN LATERAL (SELECT {entry}) entry "
        + (f"WHERE {' AND '.join(where)} " if where else "")
        + f"ORDER BY {_order_sql(ordering)} LIMIT %(limit)s OFFSET %(offset)s"
    )


# The parameters every page of a list takes anew; the filters' values are written into the text.
_PAGE_PARAMETERS = frozenset({"position", "limit", "offset"})
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _written_in(sql: str, values: Mapping[str, Any], cursor: Any) -> str:
    """The statement with the filters' values written in as literals (psycopg's quoting of the
    form's cleaned values), the page's own parameters left as parameters. PostgreSQL then plans
    each set of filter values for its own rows: the connections keep one generic plan per
    prepared statement (config/settings.py), and a plan made for no value in particular reads a
    country of three entries, or a date when nothing changed, by scanning every entry in order.
    Every page of one list is still the same prepared statement."""

    def written(match: re.Match) -> str:
        name = match.group(1)
        if name in _PAGE_PARAMETERS:
            return match.group(0)
        return Literal(values[name]).as_string(cursor.connection).replace("%", "%%")

    return _PLACEHOLDER.sub(written, sql)


def access_page(
    *,
    entry: str,
    conditions: Sequence[str],
    params: Mapping[str, Any],
    ordering: Sequence[str],
    as_of: dt.date | None = None,
    keyset: tuple[str, Any] | None = None,
    offset: int = 0,
    limit: int,
) -> list[dict[str, Any]]:
    """The page's rows (`access_page_sql`) as dicts, in one statement on the database this
    request reads from, prepared after a few runs (`_written_in`: one statement per set of
    filter values, the ordering and the entry's select list)."""
    sql = access_page_sql(
        entry=entry,
        conditions=conditions,
        ordering=ordering,
        as_of=as_of is not None,
        keyset=keyset[0] if keyset is not None else None,
    )
    values = {**params, "limit": limit, "offset": offset}
    if as_of is not None:
        values["on"] = as_of
    if keyset is not None:
        values["position"] = keyset[1]
    with server_bound(read_connection()).cursor() as cursor:
        cursor.execute(
            _written_in(sql, values, cursor),
            {name: value for name, value in values.items() if name in _PAGE_PARAMETERS},
        )
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
