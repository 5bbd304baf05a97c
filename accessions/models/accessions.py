"""How access was gained: accessions (a product/country pair's GACC procedure in a year), their
dated stages, and the diplomatic events during which they were promoted."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accessions.models.access import MarketAccess
from registry.constraints import choices_constraint, validity_constraint
from registry.history import tracked
from registry.localize import localized
from registry.provenance import DatePrecision, NoteTranslations, Provenance


class DiplomaticEvent(models.Model):
    """An event during which accessions were promoted (e.g. the China–Central Asia Summit)."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=200, blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    source = models.TextField(_("source"))
    confidence = models.CharField(
        _("confidence"), max_length=8, choices=Provenance._meta.get_field("confidence").choices
    )
    public_note = Provenance._meta.get_field("public_note").clone()
    notes = Provenance._meta.get_field("notes").clone()

    class Meta:
        ordering = ["starts_on", "slug"]
        verbose_name = _("diplomatic event")
        verbose_name_plural = _("diplomatic events")
        constraints = [validity_constraint("event", "starts_on", "ends_on")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")


class AccessionBasis(models.TextChoices):
    FOUND = "found", _("found in independent sources")
    ARTICLE_ONLY = "article_only", _("named only in the Urumqi Customs report")


@tracked()
class Accession(Provenance, NoteTranslations):
    """How a product/country pair gained access: the GACC procedure's stages and the event."""

    market_access = models.ForeignKey(
        MarketAccess, on_delete=models.CASCADE, related_name="accessions"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    event = models.ForeignKey(
        DiplomaticEvent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accessions",
    )
    basis = models.CharField(_("basis"), max_length=15, choices=AccessionBasis.choices)
    event_inferred = models.BooleanField(
        _("event link inferred"),
        default=False,
        help_text=_("The link to the event is the registry's reading; no source states it."),
    )

    class Meta:
        ordering = ["-year", "market_access"]
        verbose_name = _("accession")
        verbose_name_plural = _("accessions")
        constraints = [
            models.UniqueConstraint(
                fields=["market_access", "year"], name="accession_one_per_access_year"
            ),
            models.CheckConstraint(
                condition=models.Q(year__gte=1990, year__lte=2100),
                name="accession_year_plausible",
                violation_error_message=_("The year must be between 1990 and 2100."),
            ),
            choices_constraint("accession", "basis", AccessionBasis),
            models.CheckConstraint(
                condition=models.Q(event_inferred=False) | models.Q(event__isnull=False),
                name="accession_inferred_event_is_set",
                violation_error_message=_("Only a linked event can be marked as inferred."),
            ),
            *Provenance.provenance_constraints("accession"),
        ]

    def __str__(self) -> str:
        return f"{self.market_access} ({self.year})"


class Stage(models.TextChoices):
    APPLICATION = "application", _("application")
    QUESTIONNAIRE = "questionnaire", _("questionnaire")
    RISK_ASSESSMENT = "risk_assessment", _("risk assessment")
    INSPECTION = "inspection", _("inspection")
    PROTOCOL = "protocol", _("protocol")
    ANNOUNCEMENT = "announcement", _("announcement")
    ESTABLISHMENT_REGISTRATION = "establishment_registration", _("establishment registration")


STAGE_ORDER = {value: index for index, value in enumerate(Stage.values)}


@tracked()
class AccessionStage(Provenance):
    accession = models.ForeignKey(Accession, on_delete=models.CASCADE, related_name="stages")
    stage = models.CharField(_("stage"), max_length=30, choices=Stage.choices)
    occurred_on = models.DateField(_("date"), null=True, blank=True)
    occurred_on_precision = models.CharField(
        _("precision"), max_length=10, choices=DatePrecision.choices, blank=True
    )

    class Meta:
        ordering = ["accession", "occurred_on"]
        verbose_name = _("accession stage")
        verbose_name_plural = _("accession stages")
        constraints = [
            models.UniqueConstraint(fields=["accession", "stage"], name="stage_once_per_accession"),
            choices_constraint("stage", "stage", Stage),
            *Provenance.provenance_constraints("stage"),
        ]

    def __str__(self) -> str:
        return f"{self.stage} {self.occurred_on or ''}"
