"""An answer as given (accessions.models.AnswerRecord) beside today's answer to the same question
and date: the registry's records about that date may have changed since (a suspension recorded
afterwards, a corrected start of access), and a citable answer says so rather than change."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from accessions.eligibility.answer import EligibilityAnswer
from accessions.eligibility.check import check_eligibility
from accessions.models import AnswerRecord
from registry.errors import DomainError


def _codes(reasons: Iterable[Any]) -> list[str]:
    return sorted(r["code"] if isinstance(r, dict) else r.code for r in reasons)


def answer_changed(
    verdict_before: str,
    reasons_before: Iterable[Any],
    verdict_after: str,
    reasons_after: Iterable[Any],
) -> bool:
    """The rule: an answer changed when its verdict or the codes of its reasons differ (the
    messages' words and language do not count). Shared by citable answers and saved questions."""
    return str(verdict_before) != str(verdict_after) or _codes(reasons_before) != _codes(
        reasons_after
    )


@dataclass
class AnswerComparison:
    """The answer as given and today's answer (None when the question cannot be answered today:
    `problem` says why)."""

    record: AnswerRecord
    today: EligibilityAnswer | None
    problem: str = ""

    @property
    def changed(self) -> bool:
        """The rule: the answer changed when today's verdict or the codes of today's reasons
        differ from those given (the messages' words and language do not count)."""
        if self.today is None:
            return True
        return answer_changed(
            self.record.verdict, self.record.reasons, self.today.verdict, self.today.reasons
        )


def answer_record_compare(record: AnswerRecord) -> AnswerComparison:
    """Ask the record's question again, for the same date, of the registry as it is now."""
    try:
        today = check_eligibility(
            product=record.product,
            country=record.country,
            port=record.port,
            on=record.on,
            establishment=record.establishment,
        )
    except DomainError as error:  # e.g. the product's slug now also names another product
        return AnswerComparison(record=record, today=None, problem=error.message)
    return AnswerComparison(record=record, today=today)
