"""The eligibility engine: the rules of the answer, composed from the records a batch of
questions reads (accessions.eligibility.records: two statements on PostgreSQL, whatever the
number of questions and the size of the data), once for every surface. Every answer carries the
window of dates over which the same records give it (accessions.windows).
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from django.utils.translation import ngettext

from accessions.eligibility.answer import (
    EligibilityAnswer,
    EligibilityQuestion,
    Reason,
    Verdict,
)
from accessions.eligibility.conditions import access_conditions
from accessions.eligibility.establishment import establishment_reasons, registration_valid_reason
from accessions.eligibility.kinds import covered_kind_add
from accessions.eligibility.ports import (
    allowed_ports,
    port_reason,
    sites_not_recorded,
)
from accessions.eligibility.records import Records, records_read
from accessions.eligibility.requirements import requirements_checklist
from accessions.eligibility.state import access_state_reasons
from accessions.models import (
    EstablishmentRegistration,
    MarketAccess,
)
from accessions.selectors.counts import CountryRecordCoverage
from accessions.windows import answer_window
from registry.errors import DomainError
from registry.localize import gettext as _
from registry.localize import language_held
from registry.models import Country
from registry.selectors.resolution import ambiguous_product

# The most statements a batch costs on PostgreSQL, whatever its size and the data's: the product
# resolver (1) and the records (1, records.sql). Words no product's name matches add the
# resolver's close-words read. The coverage of `not_recorded` answers rides in the records'
# statement (COVERAGE_STATEMENTS: none more).
MAX_STATEMENTS = 2
COVERAGE_STATEMENTS = 0


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


def check_eligibility_batch(
    questions: list[EligibilityQuestion],
) -> list[EligibilityAnswer | DomainError]:
    """Answer many eligibility questions (the single check is a batch of one) in two statements
    (accessions.eligibility.records). Each result is the answer, with the window of dates over
    which it holds (accessions.windows), or the DomainError of a product identifier that names
    several products or none exactly (ambiguous_product, product_not_found), in the order
    asked."""
    with language_held():  # one language for the whole batch: read it and its words once
        return [
            _answer(question, records)
            for question, records in zip(questions, records_read(questions), strict=True)
        ]


def _answer(question: EligibilityQuestion, records: Records) -> EligibilityAnswer | DomainError:
    answer = EligibilityAnswer(verdict=Verdict.UNKNOWN, as_of=question.on, query=question.query)
    resolution = records.resolution
    if question.product and resolution.ambiguous:
        return ambiguous_product(question.product, resolution)
    if records.access is None:
        answer = answer_without_access(answer, question, records)
    else:
        answer = answer_with_access(answer, records.access, question, records)
    if answer.verdict == Verdict.NOT_RECORDED and answer.country is not None:
        _add_coverage(answer, question, records)
    covered_kind_add(answer, resolution)  # "covered by a broader entry" (issue 24)
    window = answer_window(question.on, records.days)
    answer.holds_from, answer.holds_until = window.starts, window.ends
    answer.change_days = records.days
    return answer


def answer_with_access(
    answer: EligibilityAnswer,
    access: MarketAccess,
    question: EligibilityQuestion,
    records: Records,
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
    answer.allowed_ports = allowed_ports(access, ports)
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
        forces, reason = port_reason(access, chosen, ports, answer.allowed_ports)
        if forces == Verdict.UNKNOWN:
            undecided.append(reason)
        elif forces == Verdict.NOT_ELIGIBLE:
            blocking_reasons.append(reason)
        else:
            answer.reasons.append(reason)
    if number:
        found = establishment_reasons(access, number, on, answer, records.establishment)
        blocking_reasons.extend(found)
        if not found:
            # establishment_reasons found the registration and put it on the answer.
            registration = cast(EstablishmentRegistration, answer.establishment)
            answer.reasons.append(registration_valid_reason(registration, number))
    if answer.is_illustrative:
        answer.reasons.append(
            Reason("illustrative_data", _("Part of this answer rests on illustrative demo data."))
        )
    if blocking_reasons:
        answer.verdict = Verdict.NOT_ELIGIBLE
        answer.reasons = blocking_reasons + answer.reasons
        return answer

    answer.conditions = state_conditions + access_conditions(
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
    records: Records,
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


def _add_coverage(
    answer: EligibilityAnswer, question: EligibilityQuestion, records: Records
) -> None:
    """A `not_recorded` answer states what the registry covers for its country on the date
    asked: the entries granting access then beside the reported figures (read with the
    records)."""
    coverage = CountryRecordCoverage(
        country=cast(Country, answer.country),
        on=question.on,
        recorded=records.coverage or 0,
        figures=records.figures,
    )
    answer.coverage = coverage
    answer.reasons.append(coverage_reason(coverage))
