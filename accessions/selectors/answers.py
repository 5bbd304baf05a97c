"""Answers as given (AnswerRecord), read back with the access entry they name."""

from __future__ import annotations

from django.db.models import QuerySet

from accessions.models import AnswerRecord


def answer_record_detail() -> QuerySet[AnswerRecord]:
    """Answers as given, with the access entry they name (its product and country)."""
    return AnswerRecord.objects.select_related("access__product", "access__country")
