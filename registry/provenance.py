"""Why a record can be trusted: its source, confidence, notes and the precision of its dates."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Confidence(models.TextChoices):
    HIGH = "high", _("high")
    MEDIUM = "medium", _("medium")
    LOW = "low", _("low")


class DatePrecision(models.TextChoices):
    EXACT = "exact", _("exact date")
    REPOST = "repost", _("repost date (the real date is the same day or a few days earlier)")
    MONTH = "month", _("month only")
    YEAR = "year", _("year only")
    INFERRED = "inferred", _("inferred")


class Provenance(models.Model):
    """Why a record can be trusted: shown wherever the record is shown (docs/design.md, "The
    domain": Provenance)."""

    source = models.TextField(_("source"), help_text=_("Citation of the public source."))
    # The citation in the other two languages (issue 22): always the registry's own translation
    # (registry.localize.CITATION_FIELDS), one per distinct citation in
    # seeds/citation_translations.csv.
    source_zh = models.TextField(_("source (Chinese)"), blank=True)
    source_ru = models.TextField(_("source (Russian)"), blank=True)
    source_url = models.URLField(_("source URL"), max_length=500, blank=True)
    confidence = models.CharField(_("confidence"), max_length=8, choices=Confidence.choices)
    is_illustrative = models.BooleanField(
        _("illustrative"),
        default=False,
        help_text=_("Demo or synthetic data, not a fact. Never part of the seeds."),
    )
    # Two kinds of note (docs/design.md, "Public pages show only public notes"): the public note is
    # written for traders and inspectors; the internal note holds sources, reasoning and research
    # references and is shown only in the admin and to inspectors (roles.Ability.INTERNAL_NOTES).
    public_note = models.TextField(
        _("public note"),
        blank=True,
        help_text=_("Shown on public pages: plain words for traders and inspectors."),
    )
    notes = models.TextField(
        _("internal note"),
        blank=True,
        help_text=_("Sources, reasoning, research references. Shown only to inspectors."),
    )

    class Meta:
        abstract = True

    @classmethod
    def provenance_constraints(cls, prefix: str) -> list[models.BaseConstraint]:
        return [
            models.CheckConstraint(
                condition=models.Q(confidence__in=Confidence.values),
                name=f"{prefix}_confidence_valid",
                violation_error_message=_("Confidence must be high, medium or low."),
            ),
            models.CheckConstraint(
                condition=~models.Q(source=""),
                name=f"{prefix}_source_required",
                violation_error_message=_("Every record needs a source."),
            ),
        ]


class NoteTranslations(models.Model):
    """The public note in the other two languages (issue 22), as the access rows keep it: the
    English `public_note` is the registry's own wording; `translated_by_registry` names the
    languages ("zh ru") whose text the registry translated itself (no official translation), and
    pages say so beside the text (web_tags.translated)."""

    public_note_zh = models.TextField(_("public note (Chinese)"), blank=True)
    public_note_ru = models.TextField(_("public note (Russian)"), blank=True)
    translated_by_registry = models.CharField(
        _("translated by the registry"),
        max_length=20,
        blank=True,
        help_text=_("Languages (zh, ru) whose text is the registry's translation, not official."),
    )

    class Meta:
        abstract = True


NOTE_TRANSLATION_FIELDS = ("public_note_zh", "public_note_ru", "translated_by_registry")


# A record's source in its three languages, in this order (the API's lists give all three).
SOURCE_FIELDS = ("source", "source_zh", "source_ru")

PROVENANCE_FIELDS = (
    "source",
    "source_zh",
    "source_ru",
    "source_url",
    "confidence",
    "is_illustrative",
    "public_note",
    "notes",
)
