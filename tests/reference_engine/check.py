"""The eligibility engine as it stood before issue 23, kept as the reference of the differential
test (tests/accessions/test_engine_differential.py) for this change only: delete it once the new
engine has shipped. Unchanged but for the server-bound cursor it no longer uses; it still reaches
into Django's internals, which is why the forbidden-names test skips this one directory. The
rules of an entry's legal state are not copied: both engines read them from
accessions.eligibility.state (the home of the state rules; the differential test compares how the
engines read the records, not two copies of one rule)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django.db import connection
from django.db.models import (
    Aggregate,
    BigIntegerField,
    CharField,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    JSONField,
    OuterRef,
    QuerySet,
    Subquery,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import JSONObject
from django.db.models.sql import Query
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accessions.eligibility.answer import (
    EligibilityAnswer,
    EligibilityQuestion,
    Reason,
    Requirement,
    Verdict,
)
from accessions.eligibility.state import access_state_reasons
from accessions.models import (
    STOPPED_REGISTRATION_STATUSES,
    AccessCondition,
    AccessState,
    ConditionKind,
    EstablishmentRegistration,
    MarketAccess,
)
from accessions.registration_validity import registration_effective_end
from accessions.selectors.counts import CountryRecordCoverage, reported_access_figures
from accessions.validity import (
    STATE_FIELDS,
    access_granted_on,
    series_states,
    state_on,
)
from registry.dates import format_dated, in_force_q
from registry.errors import DomainError
from registry.models import CATEGORY_SITE_KINDS, Country, Port, SiteKind, SupervisionSite
from registry.selectors.ports import site_list_incomplete_q
from registry.selectors.resolution import ProductResolution, ambiguous_product
from registry.selectors.resolver import product_resolve_many
from regulations.models import Regulation
from regulations.selectors import regulation_binds_q, regulation_in_force_q

# Whether an access entry restricts entry to listed ports (annotated on every access it reads).
LISTED_PORTS = MarketAccess.allowed_ports.through.objects.filter(marketaccess_id=OuterRef("pk"))

# --- The table of questions -----------------------------------------------------------------------
# One row per question: its position `n`, the resolved product and country, the date, and what the
# later statements need (the access entry found, the kind of designated site it requires, the
# registration number). The statements read these as columns, so one statement serves a batch.

QUESTIONS = "eligibility_q"
_COLUMNS = (
    ("n", "integer"),
    ("product_id", "bigint"),
    ("country_id", "bigint"),
    ("on_date", "date"),
    ("access_id", "bigint"),
    ("site_kind", "text"),
    ("number", "text"),
)


def _column(name: str, output_field: Any) -> RawSQL:
    # Constant text (a column of the table of questions); the questions are parameters.
    return RawSQL(f"{QUESTIONS}.{name}", (), output_field=output_field)  # noqa: S611


Q_N = _column("n", IntegerField())
Q_PRODUCT = _column("product_id", BigIntegerField())
Q_COUNTRY = _column("country_id", BigIntegerField())
Q_ON = _column("on_date", DateField())
Q_ACCESS = _column("access_id", BigIntegerField())
Q_SITE_KIND = _column("site_kind", CharField())
Q_NUMBER = _column("number", CharField())

QuestionRow = tuple[int, int | None, int | None, str, int | None, str, str]


def _questions_table(rows: Sequence[QuestionRow]) -> tuple[str, list[Any]]:
    """The WITH clause of the table of questions. Its text is the same for any number of rows
    (PostgreSQL: one array per column; SQLite: one JSON array), so a statement is compiled once
    and planned alike for 1 and 1,000 questions."""
    names = ", ".join(name for name, _type in _COLUMNS)
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{sql_type}[]" for _name, sql_type in _COLUMNS)
        columns = [list(column) for column in zip(*rows, strict=True)]
        return f"{QUESTIONS} ({names}) AS (SELECT * FROM unnest({arrays}))", columns  # noqa: S608
    picks = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(_COLUMNS)))
    table = f"{QUESTIONS} ({names}) AS (SELECT {picks} FROM json_each(%s))"  # noqa: S608
    return table, [json.dumps(rows)]


class _OverQuestions(Query):
    """A query with the table of questions in front (WITH ...): the ORM builds the statement once
    per process, compiles it once per database connection settings (its text and what reading
    its rows needs: the select list, the related models), and each batch only passes its
    questions (the statement's own parameters are constants), on a cursor that binds them on
    the server so PostgreSQL plans the statement once per connection (registry.sql.server_bound)."""

    questions: tuple[str, list[Any]]
    compiled: dict[
        tuple[Any, ...], tuple[str, tuple, bool, tuple]
    ]  # shared by every clone of the statement

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        compiler = super().get_compiler(using, connection, elide_empty)
        plain = compiler.as_sql
        table, table_params = self.questions
        compiled = self.compiled

        def as_sql(with_limits=True, with_col_aliases=False):
            vendor = compiler.connection.vendor
            key = (compiler.connection.alias, vendor, with_limits, with_col_aliases)
            if key in compiled:
                sql, params, compiler.has_extra_select, selected = compiled[key]
                compiler.select, compiler.klass_info, compiler.annotation_col_map = selected
                compiler.col_count = len(compiler.select)
            else:
                sql, params = plain(with_limits, with_col_aliases)
                selected = (compiler.select, compiler.klass_info, compiler.annotation_col_map)
                compiled[key] = (sql, tuple(params), compiler.has_extra_select, selected)
            return f"WITH {table} {sql}", (*table_params, *params)

        compiler.as_sql = as_sql
        return compiler


_STATEMENTS: dict[str, QuerySet] = {}


def _over_questions(
    name: str, build: Callable[[], QuerySet], rows: Sequence[QuestionRow], where: str = ""
) -> QuerySet:
    """The statement `name` (the queryset `build` makes, joined to the table of questions by
    `where`, or every pair when empty), built once per process, over `rows`."""
    statement = _STATEMENTS.get(name)
    if statement is None:
        # `where` is constant text (column names); the questions are parameters.
        statement = build().extra(tables=[QUESTIONS], where=[where] if where else [])  # noqa: S610
        statement.query.__class__ = _OverQuestions
        statement.query.compiled = {}  # type: ignore[attr-defined]
        _STATEMENTS[name] = statement
    batch = statement.all()
    batch.query.questions = _questions_table(rows)  # type: ignore[attr-defined]
    return batch


class _JSONArray(Aggregate):
    """The rows of a group as one JSON array (json_group_array on SQLite, jsonb_agg on
    PostgreSQL), so an access entry's dated conditions ride in the query that reads the entry."""

    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="JSONB_AGG", **extra_context)


# The entry's whole series of legal states as one JSON array (each state with STATE_FIELDS), so
# the answer can show it without another round trip; order it with accessions.validity.series_key.
STATE_SERIES = Subquery(
    AccessState.objects.filter(market_access=OuterRef("pk"))
    .order_by()
    .values("market_access")
    .annotate(items=_JSONArray(JSONObject(**{name: F(name) for name in STATE_FIELDS})))
    .values("items"),
    output_field=JSONField(),
)


# The dated conditions of an access entry in force on the question's date (the validity rule,
# `in_force_q`, on the date column), as one JSON array on the access row.
DATED_CONDITIONS = Subquery(
    AccessCondition.objects.filter(market_access=OuterRef("pk"))
    .filter(in_force_q(Q_ON))
    .order_by()
    .values("market_access")
    .annotate(
        items=_JSONArray(
            JSONObject(
                kind=F("kind"),
                text=F("text"),
                instrument=F("instrument_ref"),
                source=F("source"),
                valid_from=F("valid_from"),
                valid_from_precision=F("valid_from_precision"),
                valid_until=F("valid_until"),
            )
        )
    )
    .values("items"),
    output_field=JSONField(),
)


def _as_date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(str(value)[:10]) if value else None


def conditions_in_force(access: MarketAccess, on: dt.date) -> list[dict]:
    """The access entry's dated conditions in force on the date asked (chosen in SQL by
    DATED_CONDITIONS), oldest first. A condition from a later instrument is not shown for an
    earlier day."""
    items = getattr(access, "dated_conditions_data", None) or []
    found = [
        {
            **item,
            "valid_from": _as_date(item.get("valid_from")),
            "valid_until": _as_date(item.get("valid_until")),
        }
        for item in items
    ]
    return sorted(found, key=lambda item: (item["valid_from"], item["kind"], item["text"]))


def required_site_kind(access: MarketAccess) -> str:
    """The kind of designated supervision site the product must enter through: the access
    entry's own, else its category's (registry.models.ports.CATEGORY_SITE_KINDS); '' when none."""
    return access.required_site_kind or CATEGORY_SITE_KINDS.get(access.product.category, "")


def sites_not_recorded(access: MarketAccess, ports: list[Port]) -> bool:
    """The product needs a designated site, yet the registry records no port holding one of the
    kind and the access entry lists no ports: which ports may receive it is unknown."""
    return bool(required_site_kind(access)) and not any(
        p.is_listed or p.has_site  # type: ignore[attr-defined]
        for p in ports
    )


def port_site_unknown(access: MarketAccess, port: Port, ports: list[Port]) -> bool:
    """Whether the registry cannot tell if `port` holds the designated site the product needs:
    no site of the kind is recorded anywhere (`sites_not_recorded`), or the port has none on
    record while a source reports more such ports than the registry records
    (registry.selectors.ports.site_list_incomplete_q), and the access entry does not list its ports
    (its own list, where it has one, decides)."""
    if not required_site_kind(access):
        return False
    if sites_not_recorded(access, ports):
        return True
    if any(p.is_listed for p in ports) and not port.is_listed:  # type: ignore[attr-defined]
        return False
    return not port.has_site and bool(port.sites_incomplete)  # type: ignore[attr-defined]


def _allowed(access: MarketAccess, ports: list[Port]) -> list[Port]:
    """The ports the records show may receive the product on the date: those the entry lists
    (narrowed to the ones with a recorded designated site when the product needs one and any is
    recorded), else those holding a recorded designated site of the required kind. A port no
    record names is never "allowed" (docs/design.md: "a port nobody recorded is not allowed")."""
    listed = [p for p in ports if p.is_listed]  # type: ignore[attr-defined]
    kind = required_site_kind(access)
    with_site = [p for p in ports if p.has_site]  # type: ignore[attr-defined]
    if listed:
        if kind and with_site:
            return [p for p in listed if p.has_site]  # type: ignore[attr-defined]
        return listed
    return with_site if kind else []


def _site_kind_label(access: MarketAccess) -> str:
    kind = required_site_kind(access)
    return str(dict(SiteKind.choices).get(kind, kind))


def _establishment_reasons(
    access: MarketAccess,
    number: str,
    on: dt.date,
    answer: EligibilityAnswer,
    establishment: EstablishmentRegistration | None,
) -> list[Reason]:
    if establishment is None:
        return [
            Reason(
                "establishment_not_registered",
                _("No registration %(number)s is on record.") % {"number": number},
            )
        ]
    answer.establishment = establishment
    if establishment.country_id != access.country_id:
        return [
            Reason(
                "establishment_wrong_country",
                _("Registration %(number)s belongs to %(country)s.")
                % {
                    "number": establishment.registration_number,
                    "country": establishment.country.name,
                },
            )
        ]
    if not establishment.covers_product:  # type: ignore[attr-defined]
        return [
            Reason(
                "establishment_not_for_product",
                _("Registration %(number)s does not cover %(product)s.")
                % {"number": establishment.registration_number, "product": access.product.name},
            )
        ]
    stopped_on = establishment.stopped_on
    if (
        establishment.status in STOPPED_REGISTRATION_STATUSES
        and stopped_on is not None
        and stopped_on <= on
    ):
        return [
            Reason(
                "establishment_suspended",
                _("Registration %(number)s is %(status)s since %(date)s.")
                % {
                    "number": establishment.registration_number,
                    "status": establishment.get_status_display(),
                    "date": stopped_on.isoformat(),
                },
            )
        ]
    if on < establishment.registered_on:
        return [
            Reason(
                "establishment_not_yet_registered",
                _("Registration %(number)s starts on %(date)s.")
                % {
                    "number": establishment.registration_number,
                    "date": establishment.registered_on.isoformat(),
                },
            )
        ]
    end = establishment.effective_end  # type: ignore[attr-defined]
    if on > end:
        return [
            Reason(
                "establishment_registration_expired",
                _("Registration %(number)s expired on %(date)s.")
                % {
                    "number": establishment.registration_number,
                    "date": end.isoformat(),
                },
            )
        ]
    return []


CONDITION_KIND_CODES = {
    ConditionKind.TREATMENT: "treatment_required",
    ConditionKind.ORIGIN_AREA: "origin_area_restricted",
    ConditionKind.CERTIFICATE: "certificate_required",
    ConditionKind.PACKAGING_LABELLING: "packaging_labelling_required",
    ConditionKind.OTHER: "other_conditions",
}


def _conditions(
    access: MarketAccess,
    on: dt.date,
    port_given: bool,
    establishment_given: bool,
    ports_unknown: bool = False,
) -> list[Reason]:
    conditions = []
    required = access.requires_registered_establishments
    if required is None:
        # The sources are silent: a condition to confirm, never "not required" (docs/design.md).
        conditions.append(
            Reason(
                "registered_establishment_not_stated",
                _(
                    "The sources do not state whether the producer must be registered with GACC "
                    "for this product: confirm before shipping."
                ),
            )
        )
    elif required and not establishment_given:
        if access.establishments_inferred:
            message = _(
                "The producer must probably be registered with GACC for this product (the "
                "registry's inference, not stated in a source: confirm before shipping)."
            )
        else:
            message = _("The producer must be registered with GACC for this product.")
        conditions.append(Reason("registered_establishment_required", message))
    if not port_given and ports_unknown:
        conditions.append(
            Reason(
                "designated_sites_not_recorded",
                _(
                    "Entry only through a port with a designated supervision site for "
                    "%(kind)s; the registry does not record which ports hold one: confirm "
                    "before shipping."
                )
                % {"kind": _site_kind_label(access)},
            )
        )
    elif not port_given and (required_site_kind(access) or access.has_listed_ports):  # type: ignore[attr-defined]
        conditions.append(
            Reason(
                "designated_port_required",
                _("Entry only through the ports listed as allowed."),
            )
        )
    if access.treatment:
        conditions.append(Reason("treatment_required", access.treatment))
    if access.pest_free_areas:
        conditions.append(Reason("origin_area_restricted", access.pest_free_areas))
    if access.conditions:
        conditions.append(Reason("other_conditions", access.conditions))
    for item in conditions_in_force(access, on):
        conditions.append(
            Reason(
                CONDITION_KIND_CODES.get(item["kind"], "other_conditions"),
                _("%(condition)s (%(instrument)s; in force since %(date)s)")
                % {
                    "condition": item["text"],
                    "instrument": item["instrument"] or _("instrument not recorded"),
                    "date": format_dated(item["valid_from"], item["valid_from_precision"]),
                },
            )
        )
    return conditions


def requirements_checklist(
    access: MarketAccess, on: dt.date, ports: list[Port]
) -> list[Requirement]:
    """The access entry's conditions as a checklist (REQUIREMENT_KINDS, in that order): each
    `required` with its words and source where the registry records it, `not_recorded` where it
    does not (never a default of "not required"). Certificates, packaging and labelling come from
    the entry's dated conditions of those kinds, each with its own source."""
    dated = conditions_in_force(access, on)
    source = access.source

    condition_kind = {
        "treatment": ConditionKind.TREATMENT,
        "pest_free_area": ConditionKind.ORIGIN_AREA,
        "certificate": ConditionKind.CERTIFICATE,
        "packaging_labelling": ConditionKind.PACKAGING_LABELLING,
    }

    def from_conditions(kind: str, own: str = "") -> list[Requirement]:
        items = [Requirement(kind, "required", own, source)] if own else []
        items += [
            Requirement(
                kind,
                "required",
                item["text"],
                item["instrument"] or item.get("source") or source,
            )
            for item in dated
            if item["kind"] == condition_kind[kind]
        ]
        return items or [Requirement(kind, "not_recorded", _("Not recorded in the registry."), "")]

    required = access.requires_registered_establishments
    if required is None:
        establishment = Requirement(
            "registered_establishment",
            "not_recorded",
            _("The sources do not state whether the producer must be registered with GACC."),
        )
    elif required:
        establishment = Requirement(
            "registered_establishment",
            "required",
            _("The producer must be registered with GACC (the registry's inference).")
            if access.establishments_inferred
            else _("The producer must be registered with GACC."),
            source,
        )
    else:
        establishment = Requirement(
            "registered_establishment",
            "not_required",
            _("The sources state no registration requirement."),
            source,
        )
    kind = required_site_kind(access)
    listed = [p.name for p in ports if p.is_listed]  # type: ignore[attr-defined]
    if listed:
        port = Requirement(
            "designated_port",
            "required",
            _("Only through: %(ports)s.") % {"ports": ", ".join(listed)},
            source,
        )
    elif kind and sites_not_recorded(access, ports):
        port = Requirement(
            "designated_port",
            "not_recorded",
            _(
                "A port with a designated supervision site for %(kind)s; the registry does not "
                "record which ports hold one."
            )
            % {"kind": _site_kind_label(access)},
        )
    elif kind:
        names = [p.name for p in ports if p.has_site]  # type: ignore[attr-defined]
        if any(p.sites_incomplete for p in ports):  # type: ignore[attr-defined]
            text = _(
                "A port with a designated supervision site for %(kind)s: %(ports)s. A source "
                "reports more such ports than the registry records: for another port, the "
                "registry does not record whether it holds one."
            )
        else:
            text = _("A port with a designated supervision site for %(kind)s: %(ports)s.")
        port = Requirement(
            "designated_port",
            "required",
            text % {"kind": _site_kind_label(access), "ports": ", ".join(names)},
            _("Designated supervision sites as recorded in the registry."),
        )
    else:
        port = Requirement(
            "designated_port",
            "not_required",
            _("No designated supervision site is required for this category."),
        )
    return [
        establishment,
        port,
        *from_conditions("treatment", access.treatment),
        *from_conditions("pest_free_area", access.pest_free_areas),
        *from_conditions("certificate"),
        *from_conditions("packaging_labelling"),
    ]


# The most statements a batch costs, whatever its size and the data's: the product resolver (1),
# the countries, then over the table of questions the access entries, the regulations, the ports
# and the establishments. Words no product's name matches add the resolver's close-words read;
# answers that are `not_recorded` add the coverage of their countries (COVERAGE_STATEMENTS).
MAX_STATEMENTS = 6
COVERAGE_STATEMENTS = 2


def check_eligibility(
    *,
    product: str,
    country: str,
    port: str = "",
    on: dt.date,
    establishment: str = "",
) -> EligibilityAnswer:
    """Answer the eligibility question as of `on` (the caller decides what "today" is): the
    engine's batch of one.

    Raises DomainError('ambiguous_product') when an HS code or name matches several products.
    """
    question = EligibilityQuestion(
        product=product, country=country, port=port, on=on, establishment=establishment
    )
    (outcome,) = check_eligibility_batch([question])
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


@dataclass
class _Records:
    """What the statements found for one question."""

    resolution: ProductResolution
    country: Country | None = None
    access: MarketAccess | None = None
    regulations: list[Regulation] = field(default_factory=list)
    ports: list[Port] = field(default_factory=list)
    establishment: EstablishmentRegistration | None = None


# Whether a registration covers the question's product.
PRODUCT_COVERED = EstablishmentRegistration.products.through.objects.filter(
    establishmentregistration_id=OuterRef("pk"), product_id=Q_PRODUCT
)


def _ports_statement() -> QuerySet:
    listed = MarketAccess.allowed_ports.through.objects.filter(
        marketaccess_id=Q_ACCESS, port_id=OuterRef("pk")
    )
    site = SupervisionSite.objects.filter(port=OuterRef("pk"), kind=Q_SITE_KIND)
    return (
        Port.objects.select_related("facing_country")
        .annotate(
            n=Q_N,
            is_listed=Exists(listed),
            has_site=Exists(site.filter(in_force_q(Q_ON))),  # the validity rule (registry.dates)
            sites_incomplete=site_list_incomplete_q(Q_SITE_KIND),
        )
        .order_by("n", "name_en")
    )


_PORT_FIELDS = [f.attname for f in Port._meta.concrete_fields]
_COUNTRY_FIELDS = [f.attname for f in Country._meta.concrete_fields]
_PORT_FLAGS = ("is_listed", "has_site", "sites_incomplete")


def _ports_on_questions(rows: Sequence[QuestionRow]) -> list[tuple[int, Port]]:
    """The ports of every question with an access entry, each with the question's flags
    (`is_listed`, `has_site`, `sites_incomplete`): one statement of plain rows, one model
    instance per port (and its facing country) per batch, and per question a shallow copy that
    carries its flags (a batch of 1,000 questions built 16,000 instances of the same 8 ports and
    their countries; issue 13)."""

    def build() -> QuerySet:
        return _ports_statement().values_list(
            "n",
            *_PORT_FLAGS,
            *_PORT_FIELDS,
            *(f"facing_country__{name}" for name in _COUNTRY_FIELDS),
        )

    alias = connection.alias
    width, flags = len(_PORT_FIELDS), len(_PORT_FLAGS)
    shared: dict[int, Port] = {}
    found: list[tuple[int, Port]] = []
    for n, *values in _over_questions("ports", build, rows):
        port_id = values[flags]
        port = shared.get(port_id)
        if port is None:
            port = Port.from_db(alias, _PORT_FIELDS, values[flags : flags + width])
            facing = values[flags + width :]
            port._state.fields_cache["facing_country"] = (
                Country.from_db(alias, _COUNTRY_FIELDS, facing) if facing[0] is not None else None
            )
            shared[port_id] = port
        on_question = Port.__new__(Port)
        on_question.__dict__.update(port.__dict__)
        on_question.__dict__.update(zip(_PORT_FLAGS, values[:flags], strict=True))
        on_question.n = n  # type: ignore[attr-defined]
        found.append((n, on_question))
    return found


def _read_records(questions: list[EligibilityQuestion]) -> list[_Records]:
    """The records of every question in a fixed number of statements: the products (the
    resolver: 1, a second only for words it must guess), the countries, then over the table of
    questions the access entries, the applicable regulations, the ports and the establishments
    (each read only when some question needs it)."""
    resolutions = product_resolve_many(q.product for q in questions if q.product)
    iso2s = {q.country for q in questions if q.country}
    countries = {c.iso2: c for c in Country.objects.filter(iso2__in=iso2s)} if iso2s else {}
    records = [
        _Records(
            resolutions.get(q.product) or ProductResolution(q.product),
            countries.get(q.country),
        )
        for q in questions
    ]
    rows: list[QuestionRow] = []
    for n, (question, found) in enumerate(zip(questions, records, strict=True)):
        product = found.resolution.product
        if product is not None and found.country is not None:
            rows.append((n, product.pk, found.country.pk, question.on.isoformat(), None, "", ""))
    if not rows:
        return records
    accesses = _over_questions(
        "access",
        lambda: MarketAccess.objects.select_related("product", "country").annotate(
            n=Q_N,
            has_listed_ports=Exists(LISTED_PORTS),
            dated_conditions_data=DATED_CONDITIONS,
            state_series_data=STATE_SERIES,
        ),
        rows,
        f"{QUESTIONS}.product_id = {MarketAccess._meta.db_table}.product_id AND "
        f"{QUESTIONS}.country_id = {MarketAccess._meta.db_table}.country_id",
    )
    for access in accesses:
        records[access.n].access = access
        # The state on the date asked and the next start of access, by the Python twins of
        # accessions.validity over the series read with the entry (no further subquery).
        series = series_states(access.state_series_data)
        on = questions[access.n].on
        current = state_on(series, on)
        access.state_on_data = current.row if current else None
    # Regulations for every question with a product and a country (with access or without).
    regulations = _over_questions(
        "regulations",
        lambda: (
            Regulation.objects.filter(product_links__product_id=Q_PRODUCT)
            .filter(regulation_binds_q(Q_COUNTRY, Q_ON), regulation_in_force_q(Q_ON))
            .select_related("country", "union")
            .annotate(n=Q_N)
            .distinct()
            .order_by("n", "union__code", "country__iso2", "code")
        ),
        rows,
    )
    shared: dict[int, Regulation] = {}
    for regulation in regulations:
        n = regulation.n
        records[n].regulations.append(shared.setdefault(regulation.pk, regulation))
    with_access = [
        (n, product_id, country_id, on, access.pk, required_site_kind(access) or "-", "")
        for n, product_id, country_id, on, *_rest in rows
        if (access := records[n].access) is not None
    ]
    if not with_access:
        return records
    for n, port in _ports_on_questions(with_access):
        records[n].ports.append(port)
    with_number = [
        (n, product_id, country_id, on, access_id, kind, questions[n].establishment)
        for n, product_id, country_id, on, access_id, kind, _number in with_access
        if questions[n].establishment
    ]
    if not with_number:
        return records
    establishments = _over_questions(
        "establishments",
        lambda: EstablishmentRegistration.objects.select_related("country", "regime").annotate(
            n=Q_N,
            covers_product=Exists(PRODUCT_COVERED),
            effective_end=registration_effective_end(),
        ),
        with_number,
        f"{QUESTIONS}.number = {EstablishmentRegistration._meta.db_table}.registration_number",
    )
    for registration in establishments:
        records[registration.n].establishment = registration
    return records


def check_eligibility_batch(
    questions: list[EligibilityQuestion],
) -> list[EligibilityAnswer | DomainError]:
    """Answer many eligibility questions (the single check is a batch of one) in a fixed number
    of statements. Each result is the answer, or the DomainError of a product identifier that
    names several products or none exactly (ambiguous_product, product_not_found), in the order
    asked."""
    results: list[EligibilityAnswer | DomainError] = []
    for question, records in zip(questions, _read_records(questions), strict=True):
        answer = EligibilityAnswer(verdict=Verdict.UNKNOWN, as_of=question.on, query=question.query)
        resolution = records.resolution
        if question.product and resolution.ambiguous:
            results.append(ambiguous_product(question.product, resolution))
        elif records.access is None:
            results.append(answer_without_access(answer, question, records))
        else:
            results.append(answer_with_access(answer, records.access, question, records))
    _add_coverage(
        [
            (question, outcome)
            for question, outcome in zip(questions, results, strict=True)
            if isinstance(outcome, EligibilityAnswer)
        ]
    )
    return results


def answer_with_access(
    answer: EligibilityAnswer,
    access: MarketAccess,
    question: EligibilityQuestion,
    records: _Records,
) -> EligibilityAnswer:
    """The rules once the access record is found."""
    on, port_code, number = question.on, question.port, question.establishment
    answer.access, answer.product, answer.country = access, access.product, access.country
    answer.query["product"] = access.product.slug
    answer.regulations = records.regulations

    answer.state = getattr(access, "state_on_data", None)
    forced, state_reasons, state_conditions = access_state_reasons(access, on)
    if forced is not None:
        answer.verdict, answer.reasons = forced, state_reasons
        return answer
    answer.reasons.extend(state_reasons)
    ports = records.ports
    answer.allowed_ports = _allowed(access, ports)
    answer.checklist = requirements_checklist(access, on, ports)
    ports_unknown = sites_not_recorded(access, ports)
    undecided: list[Reason] = []
    blocking_reasons: list[Reason] = []
    if port_code:
        chosen = next((p for p in ports if p.code == port_code), None)
        if chosen is None:
            answer.verdict = Verdict.UNKNOWN
            answer.reasons.append(
                Reason(
                    "unknown_port", _("The registry has no port '%(port)s'.") % {"port": port_code}
                )
            )
            return answer
        answer.port = chosen
        if ports_unknown or port_site_unknown(access, chosen, ports):
            undecided.append(
                Reason(
                    "designated_sites_not_recorded",
                    _(
                        "%(product)s enters only through a port with a designated supervision "
                        "site for %(kind)s, and the registry does not record whether %(port)s "
                        "holds one."
                    )
                    % {
                        "product": access.product.name,
                        "kind": _site_kind_label(access),
                        "port": chosen.name,
                    },
                )
            )
        elif chosen in answer.allowed_ports:
            answer.reasons.append(
                Reason("port_allowed", _("%(port)s is allowed for it.") % {"port": chosen.name})
            )
        elif access.has_listed_ports or required_site_kind(access):  # type: ignore[attr-defined]
            # A list the registry records as complete (the entry's own ports, or the designated
            # sites of the kind with no source reporting more) leaves this port out.
            blocking_reasons.append(
                Reason(
                    "port_not_designated",
                    _("%(port)s is not designated for this product.") % {"port": chosen.name},
                )
            )
        else:
            # Nothing recorded restricts the ports, and nothing records this one: not "allowed".
            facing = chosen.facing_country
            text = _(
                "The registry records no port for %(product)s from %(country)s: whether "
                "%(port)s may receive it is not recorded."
            )
            if facing is not None and facing.pk != access.country_id:
                text += " " + _("%(port)s faces %(facing)s.")
            answer.reasons.append(
                Reason(
                    "port_not_recorded",
                    text
                    % {
                        "product": access.product.name,
                        "country": access.country.name,
                        "port": chosen.name,
                        "facing": facing.name if facing is not None else "",
                    },
                )
            )
    if number:
        found = _establishment_reasons(access, number, on, answer, records.establishment)
        blocking_reasons.extend(found)
        if not found:
            # _establishment_reasons found the registration and put it on the answer.
            registration = cast(EstablishmentRegistration, answer.establishment)
            answer.reasons.append(
                Reason(
                    "establishment_registered",
                    (
                        _(
                            "Registration %(number)s is valid until %(date)s (extended "
                            "automatically by the regime in force on its expiry; no exclusion "
                            "is recorded)."
                        )
                        if registration.effective_end  # type: ignore[attr-defined]
                        != registration.effective_until
                        else _("Registration %(number)s is valid until %(date)s.")
                    )
                    % {"number": number, "date": registration.effective_end},  # type: ignore[attr-defined]
                )
            )
    if answer.is_illustrative:
        answer.reasons.append(
            Reason("illustrative_data", _("Part of this answer rests on illustrative demo data."))
        )
    if blocking_reasons:
        answer.verdict = Verdict.NOT_ELIGIBLE
        answer.reasons = blocking_reasons + answer.reasons
        return answer

    answer.conditions = state_conditions + _conditions(
        access, on, bool(port_code), bool(number), ports_unknown
    )
    if undecided:  # unknown only where the registry cannot decide (docs/design.md)
        answer.verdict = Verdict.UNKNOWN
        answer.reasons = undecided + answer.reasons
        return answer
    answer.verdict = Verdict.ELIGIBLE_WITH_CONDITIONS if answer.conditions else Verdict.ELIGIBLE
    return answer


def answer_without_access(
    answer: EligibilityAnswer,
    question: EligibilityQuestion,
    records: _Records,
) -> EligibilityAnswer:
    """No access row matched: find out why (unknown product, unknown country, or no access)."""
    product_ident, iso2 = question.product, question.country
    candidates = records.resolution.candidates if product_ident else []
    country = records.country
    answer.country = country
    if not candidates:
        answer.reasons.append(
            Reason(
                "unknown_product",
                _("The registry has no product '%(product)s'.") % {"product": product_ident},
            )
        )
    if country is None:
        answer.reasons.append(
            Reason(
                "unknown_country",
                _("The registry has no country '%(country)s'.") % {"country": iso2},
            )
        )
    if answer.reasons or country is None:
        answer.verdict = Verdict.UNKNOWN
        return answer
    answer.product = candidates[0]
    answer.query["product"] = answer.product.slug
    answer.regulations = records.regulations
    # The registry holds no record of the pair: it does not know that there is no access
    # (docs/design.md). The coverage of the country is added by `_add_coverage`.
    answer.verdict = Verdict.NOT_RECORDED
    answer.reasons.append(
        Reason(
            "not_recorded",
            _(
                "The registry holds no record of %(product)s from %(country)s. It records only "
                "part of China's access list, so this is not a refusal: check GACC's official "
                "list of admitted products before shipping."
            )
            % {"product": answer.product.name, "country": country.name},
        )
    )
    return answer


def coverage_reason(coverage: CountryRecordCoverage) -> Reason:
    """The registry's coverage of a country in words: its own count beside the official ones."""
    recorded = ngettext(
        "For %(country)s the registry records %(count)s product with access on %(date)s.",
        "For %(country)s the registry records %(count)s products with access on %(date)s.",
        coverage.recorded,
    ) % {
        "country": coverage.country.name,
        "count": coverage.recorded,
        "date": coverage.on.isoformat(),
    }
    reported = "; ".join(str(figure.label) for figure in coverage.figures)
    if reported:
        recorded += " " + _("Official figures: %(figures)s.") % {"figures": reported}
    return Reason("registry_coverage", recorded)


def _add_coverage(pairs: list[tuple[EligibilityQuestion, EligibilityAnswer]]) -> None:
    """Every `not_recorded` answer states what the registry covers for its country on the date
    asked: the entries granting access then (one statement over the table of questions) beside
    the reported figures (one statement), only when some answer needs it."""
    needing = [
        (n, answer)
        for n, (_question, answer) in enumerate(pairs)
        if answer.verdict == Verdict.NOT_RECORDED and answer.country is not None
    ]
    if not needing:
        return
    rows: list[QuestionRow] = [
        (n, None, cast(Country, answer.country).pk, pairs[n][0].on.isoformat(), None, "", "")
        for n, answer in needing
    ]
    table = MarketAccess._meta.db_table
    counts = dict(
        _over_questions(
            "coverage",
            lambda: (
                MarketAccess.objects.alias(granted=access_granted_on(Q_ON))
                .filter(granted=True)
                .annotate(n=Q_N)
                .order_by()
                .values_list("n")
                .annotate(c=Count("pk"))
            ),
            rows,
            f"{QUESTIONS}.country_id = {table}.country_id",
        )
    )
    figures = reported_access_figures(
        country_ids={cast(Country, answer.country).pk for _n, answer in needing}
    )
    for n, answer in needing:
        country = cast(Country, answer.country)
        coverage = CountryRecordCoverage(
            country=country,
            on=pairs[n][0].on,
            recorded=counts.get(n, 0),
            figures=[f for f in figures if f.country_id in (None, country.pk)],
        )
        answer.coverage = coverage
        answer.reasons.append(coverage_reason(coverage))
