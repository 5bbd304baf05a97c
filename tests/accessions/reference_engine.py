"""REFERENCE ONLY (issue 13): the eligibility engine as it was before the set-based engine, copied
verbatim from accessions/eligibility/check.py (with the port rule of issue 10 merged from main) so
the differential test can compare answers. Kept in the test tree for that change only, then
deleted."""

# ruff: noqa
# mypy: ignore-errors

from __future__ import annotations

import datetime as dt
from typing import Protocol, cast

from django.db.models import Aggregate, Exists, F, Func, JSONField, OuterRef, Subquery
from django.db.models.functions import JSONObject
from django.utils.translation import gettext as _

from accessions.eligibility.answer import (
    EligibilityAnswer,
    EligibilityQuestion,
    Reason,
    Requirement,
    Verdict,
)
from accessions.models import (
    STOPPED_REGISTRATION_STATUSES,
    AccessCondition,
    AccessStatus,
    ConditionKind,
    EstablishmentRegistration,
    MarketAccess,
    RegistrationStatus,
)
from registry.common import covers, format_dated, in_force_q
from registry.models import CATEGORY_SITE_KINDS, Country, Port, Product, SiteKind, SupervisionSite
from registry.selectors import (
    ProductResolution,
    ambiguous_product,
    product_ids_matching,
    product_resolve,
    site_list_incomplete_q,
)
from regulations.models import Regulation
from regulations.selectors import applicable_regulations

# Whether an access entry restricts entry to listed ports (annotated on every access it reads).
LISTED_PORTS = MarketAccess.allowed_ports.through.objects.filter(marketaccess_id=OuterRef("pk"))


class _JSONArray(Aggregate):
    """The rows of a group as one JSON array (json_group_array on SQLite, jsonb_agg on
    PostgreSQL), so an access entry's dated conditions ride in the query that reads the entry."""

    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="JSONB_AGG", **extra_context)


# Every dated condition of an access entry (annotated on every access the checks read); which of
# them hold on the date asked is decided in Python by `conditions_in_force`, for the single and the
# bulk check alike.
DATED_CONDITIONS = Subquery(
    AccessCondition.objects.filter(market_access=OuterRef("pk"))
    .order_by()
    .values("market_access")
    .annotate(
        items=_JSONArray(
            JSONObject(
                kind=F("kind"),
                text=F("text"),
                instrument=F("instrument_ref"),
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
    """The access entry's dated conditions in force on `on` (from the DATED_CONDITIONS
    annotation), oldest first. A condition from a later instrument is not shown for an earlier
    day."""
    items = getattr(access, "dated_conditions_data", None) or []
    found = []
    for item in items:
        start, end = _as_date(item.get("valid_from")), _as_date(item.get("valid_until"))
        if covers(start, end, on):
            found.append({**item, "valid_from": start, "valid_until": end})
    return sorted(found, key=lambda item: (item["valid_from"], item["kind"], item["text"]))


def _access_message(access: MarketAccess, on: dt.date) -> Reason | None:
    """The blocking reason for an access record on a date, or None when it is in force."""
    status = access.status
    if status == AccessStatus.PROTOCOL_SIGNED:
        return Reason(
            "protocol_only",
            _(
                "A protocol was signed (%(date)s), but the registry holds no GACC announcement; "
                "access starts only with the announcement."
            )
            % {"date": format_dated(access.protocol_signed_on, access.protocol_signed_precision)},
        )
    if status == AccessStatus.NEGOTIATING:
        return Reason("access_negotiating", _("Access is still being negotiated."))
    if status == AccessStatus.SUSPENDED:
        return Reason("access_suspended", _("Access is suspended."))
    if status == AccessStatus.REVOKED:
        return Reason("access_revoked", _("Access has been revoked."))
    if status == AccessStatus.EXPIRED or (access.valid_until and on > access.valid_until):
        return Reason(
            "access_expired",
            _("Access ended on %(date)s.") % {"date": access.valid_until or _("an earlier date")},
        )
    if access.valid_from and on < access.valid_from:
        return Reason(
            "not_yet_in_force",
            _("Access starts on %(date)s, after the date asked about.")
            % {"date": format_dated(access.valid_from, access.valid_from_precision)},
        )
    return None


def required_site_kind(access: MarketAccess) -> str:
    """The kind of designated supervision site the product must enter through: the access
    entry's own, else its category's (registry.models.CATEGORY_SITE_KINDS); '' when none."""
    return access.required_site_kind or CATEGORY_SITE_KINDS.get(access.product.category, "")


def _ports_with_flags(access: MarketAccess, on: dt.date) -> list[Port]:
    listed = access.allowed_ports.through.objects.filter(
        marketaccess_id=access.pk, port_id=OuterRef("pk")
    )
    site = SupervisionSite.objects.filter(
        port=OuterRef("pk"), kind=required_site_kind(access) or "-"
    )
    site = site.filter(in_force_q(on))  # the validity rule (registry.common)
    return list(
        Port.objects.annotate(
            is_listed=Exists(listed),
            has_site=Exists(site),
            sites_incomplete=site_list_incomplete_q(required_site_kind(access) or "-"),
        )
        .select_related("facing_country")
        .order_by("name_en")
    )


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
    (registry.selectors.site_list_incomplete), and the access entry does not list its ports
    (its own list, where it has one, decides)."""
    if not required_site_kind(access):
        return False
    if sites_not_recorded(access, ports):
        return True
    if any(p.is_listed for p in ports) and not port.is_listed:  # type: ignore[attr-defined]
        return False
    return not port.has_site and bool(port.sites_incomplete)  # type: ignore[attr-defined]


def _allowed(access: MarketAccess, ports: list[Port]) -> list[Port]:
    """The ports the data shows may receive the product: those the entry lists, narrowed to the
    ones with a recorded designated site when the product needs one and any is recorded."""
    listed = [p for p in ports if p.is_listed]  # type: ignore[attr-defined]
    if sites_not_recorded(access, ports):
        return []
    candidates = listed or ports
    if required_site_kind(access) and any(p.has_site for p in ports):  # type: ignore[attr-defined]
        candidates = [p for p in candidates if p.has_site]  # type: ignore[attr-defined]
    return candidates


def _site_kind_label(access: MarketAccess) -> str:
    kind = required_site_kind(access)
    return str(dict(SiteKind.choices).get(kind, kind))


def _find_establishment(access: MarketAccess, number: str) -> EstablishmentRegistration | None:
    """The registration by number, annotated with whether it covers the access's product."""
    product_link = EstablishmentRegistration.products.through.objects.filter(
        establishmentregistration_id=OuterRef("pk"), product_id=access.product_id
    )
    return (
        EstablishmentRegistration.objects.filter(registration_number=number.strip().upper())
        .annotate(covers_product=Exists(product_link))
        .select_related("country", "regime")
        .first()
    )


class RecordSource(Protocol):
    """Where the answer's records come from. The single check reads each with one query
    (`QUERIES`); the bulk check (eligibility.batch) serves the same records from a few batch
    queries. Both run the same rules below, so their answers are identical."""

    def resolve(self, identifier: str) -> ProductResolution: ...

    def country(self, iso2: str) -> Country | None: ...

    def regulations(self, product: Product, country: Country, on: dt.date) -> list[Regulation]: ...

    def ports(self, access: MarketAccess, on: dt.date) -> list[Port]: ...

    def establishment(
        self, access: MarketAccess, number: str
    ) -> EstablishmentRegistration | None: ...


class _Queries:
    """One query per record: the single check's RecordSource."""

    def resolve(self, identifier: str) -> ProductResolution:
        return product_resolve(identifier)

    def country(self, iso2: str) -> Country | None:
        return Country.objects.filter(iso2=iso2).first()

    def regulations(self, product: Product, country: Country, on: dt.date) -> list[Regulation]:
        return applicable_regulations(product=product, country=country, on=on)

    def ports(self, access: MarketAccess, on: dt.date) -> list[Port]:
        return _ports_with_flags(access, on)

    def establishment(self, access: MarketAccess, number: str) -> EstablishmentRegistration | None:
        return _find_establishment(access, number)


QUERIES = _Queries()


def _establishment_reasons(
    access: MarketAccess,
    number: str,
    on: dt.date,
    answer: EligibilityAnswer,
    fetch: RecordSource = QUERIES,
) -> list[Reason]:
    establishment = fetch.establishment(access, number)
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
    if establishment.status in STOPPED_REGISTRATION_STATUSES:
        return [
            Reason(
                "establishment_suspended",
                _("Registration %(number)s is %(status)s.")
                % {
                    "number": establishment.registration_number,
                    "status": establishment.get_status_display(),
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
    if on > establishment.effective_until or establishment.status == RegistrationStatus.EXPIRED:
        return [
            Reason(
                "establishment_registration_expired",
                _("Registration %(number)s expired on %(date)s.")
                % {
                    "number": establishment.registration_number,
                    "date": establishment.effective_until.isoformat(),
                },
            )
        ]
    return []


CONDITION_KIND_CODES = {
    ConditionKind.TREATMENT: "treatment_required",
    ConditionKind.ORIGIN_AREA: "origin_area_restricted",
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
        # The sources are silent: a condition to confirm, never "not required" (DESIGN.md).
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
    does not (never a default of "not required"). Certificates, packaging and labelling are not
    yet recorded per entry."""
    dated = conditions_in_force(access, on)
    source = access.source

    def from_conditions(kind: str, own: str) -> list[Requirement]:
        items = [Requirement(kind, "required", own, source)] if own else []
        items += [
            Requirement(kind, "required", item["text"], item["instrument"] or source)
            for item in dated
            if item["kind"] == {"treatment": "treatment", "pest_free_area": "origin_area"}[kind]
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
        port = Requirement(
            "designated_port",
            "required",
            _("A port with a designated supervision site for %(kind)s: %(ports)s.")
            % {"kind": _site_kind_label(access), "ports": ", ".join(names)},
            _("Designated supervision sites as recorded in the registry."),
        )
    else:
        port = Requirement(
            "designated_port",
            "not_required",
            _("No designated supervision site is required for this category."),
        )
    not_recorded = _("Not recorded in the registry.")
    return [
        establishment,
        port,
        *from_conditions("treatment", access.treatment),
        *from_conditions("pest_free_area", access.pest_free_areas),
        Requirement("certificate", "not_recorded", not_recorded),
        Requirement("packaging_labelling", "not_recorded", not_recorded),
    ]


def check_eligibility(
    *,
    product: str,
    country: str,
    port: str = "",
    on: dt.date,
    establishment: str = "",
) -> EligibilityAnswer:
    """Answer the eligibility question as of `on` (the caller decides what "today" is).

    Raises DomainError('ambiguous_product') when an HS code or name matches several products.
    """
    question = EligibilityQuestion(
        product=product, country=country, port=port, on=on, establishment=establishment
    )
    answer = EligibilityAnswer(verdict=Verdict.UNKNOWN, as_of=on, query=question.query)
    matching = product_ids_matching(question.product)
    # COUNT over the whole subquery (a Func, not an aggregate, so no GROUP BY per product).
    candidate_count = (
        Product.objects.filter(pk__in=matching)
        .order_by()
        .annotate(n=Func(F("pk"), function="COUNT"))
    )
    access = (
        MarketAccess.objects.filter(country__iso2=question.country, product_id__in=matching)
        .select_related("product", "country")
        .annotate(
            candidates=Subquery(candidate_count.values("n")[:1]),
            has_listed_ports=Exists(LISTED_PORTS),
            dated_conditions_data=DATED_CONDITIONS,
        )
        .order_by("pk")
        .first()
    )
    if access is None:
        return answer_without_access(answer, question)
    if access.candidates and access.candidates > 1:
        raise ambiguous_product(question.product, product_resolve(question.product))
    return answer_with_access(answer, access, question)


def answer_with_access(
    answer: EligibilityAnswer,
    access: MarketAccess,
    question: EligibilityQuestion,
    fetch: RecordSource = QUERIES,
) -> EligibilityAnswer:
    """The rules once the access record is found (shared by the single and the bulk check)."""
    on, port_code, number = question.on, question.port, question.establishment
    answer.access, answer.product, answer.country = access, access.product, access.country
    answer.query["product"] = access.product.slug
    answer.regulations = fetch.regulations(access.product, access.country, on)

    blocking = _access_message(access, on)
    if blocking:
        answer.verdict, answer.reasons = Verdict.NOT_ELIGIBLE, [blocking]
        return answer

    answer.reasons.append(
        Reason(
            "access_in_force",
            _("%(product)s from %(country)s has access (%(instrument)s; in force since: %(date)s).")
            % {
                "product": access.product.name,
                "country": access.country.name,
                "instrument": access.instrument_ref or access.get_instrument_kind_display(),
                "date": format_dated(access.valid_from, access.valid_from_precision),
            },
        )
    )
    if access.valid_from is None:
        answer.reasons.append(
            Reason(
                "start_date_unknown",
                _(
                    "The sources give no start date for this access; the registry cannot confirm "
                    "that it was already in force on %(date)s."
                )
                % {"date": on.isoformat()},
            )
        )
    ports = fetch.ports(access, on)
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
        else:
            blocking_reasons.append(
                Reason(
                    "port_not_designated",
                    _("%(port)s is not designated for this product.") % {"port": chosen.name},
                )
            )
    if number:
        found = _establishment_reasons(access, number, on, answer, fetch)
        blocking_reasons.extend(found)
        if not found:
            # _establishment_reasons found the registration and put it on the answer.
            registration = cast(EstablishmentRegistration, answer.establishment)
            answer.reasons.append(
                Reason(
                    "establishment_registered",
                    _("Registration %(number)s is valid until %(date)s.")
                    % {"number": number, "date": registration.effective_until},
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

    answer.conditions = _conditions(access, on, bool(port_code), bool(number), ports_unknown)
    if undecided:  # unknown only where the registry cannot decide (DESIGN.md)
        answer.verdict = Verdict.UNKNOWN
        answer.reasons = undecided + answer.reasons
        return answer
    answer.verdict = Verdict.ELIGIBLE_WITH_CONDITIONS if answer.conditions else Verdict.ELIGIBLE
    return answer


def answer_without_access(
    answer: EligibilityAnswer,
    question: EligibilityQuestion,
    fetch: RecordSource = QUERIES,
) -> EligibilityAnswer:
    """No access row matched: find out why (unknown product, unknown country, or no access)."""
    product_ident, iso2, on = question.product, question.country, question.on
    resolution = fetch.resolve(product_ident) if product_ident else ProductResolution("")
    if resolution.ambiguous:  # several products, or none exactly: the asker chooses
        raise ambiguous_product(product_ident, resolution)
    candidates = resolution.candidates
    country = fetch.country(iso2) if iso2 else None
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
    answer.regulations = fetch.regulations(answer.product, country, on)
    answer.verdict = Verdict.NOT_ELIGIBLE
    answer.reasons.append(
        Reason(
            "no_access",
            _("China's access list has no entry for %(product)s from %(country)s.")
            % {"product": answer.product.name, "country": country.name},
        )
    )
    return answer
