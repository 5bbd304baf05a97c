"""What official statements say beside the registry's records: the figures they report, and the
products they name that the registry could not record (coverage gaps)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.constraints import choices_constraint
from registry.localize import localized
from registry.models.countries import Country
from registry.models.products import Category
from registry.provenance import DatePrecision, NoteTranslations, Provenance


class Metric(models.TextChoices):
    PRODUCTS_WITH_ACCESS = "products_with_access", _("products with access")
    NEW_ACCESSIONS = "new_accessions", _("new accessions")
    ACCESSION_COUNTRIES = "accession_countries", _("countries with new accessions")
    REGULATIONS_COLLECTED = "regulations_collected", _("regulations and standards collected")
    REGISTERED_ENTERPRISES = "registered_enterprises", _("registered enterprises")
    GREEN_CHANNEL_PORTS = "green_channel_ports", _("road ports with a green channel")
    EXPORT_REGISTER_COMPANIES = "export_register_companies", _("companies on the export register")
    PROTOCOL_TYPES = "protocol_types", _("product types with protocols")


class Qualifier(models.TextChoices):
    EXACT = "exact", ""
    MORE_THAN = "more_than", _("more than")
    AT_LEAST = "at_least", _("at least")
    APPROXIMATELY = "approximately", _("about")


class ReportedFigure(Provenance, NoteTranslations):
    """A figure from an official statement, shown beside the registry's own count."""

    key = models.SlugField(_("key"), max_length=80, unique=True)
    metric = models.CharField(_("metric"), max_length=40, choices=Metric.choices)
    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reported_figures",
        help_text=_("Empty: the five Central Asian countries together."),
    )
    value = models.PositiveIntegerField(_("value"))
    qualifier = models.CharField(_("qualifier"), max_length=15, choices=Qualifier.choices)
    as_of = models.DateField(_("as of"), null=True, blank=True)
    as_of_precision = models.CharField(
        _("precision"), max_length=10, choices=DatePrecision.choices, blank=True
    )
    label_en = models.CharField(_("label (English)"), max_length=300)
    label_zh = models.CharField(_("label (Chinese)"), max_length=300, blank=True)
    label_ru = models.CharField(_("label (Russian)"), max_length=300, blank=True)

    class Meta:
        ordering = ["metric", "as_of"]
        verbose_name = _("reported figure")
        verbose_name_plural = _("reported figures")
        constraints = [
            choices_constraint("figure", "metric", Metric),
            choices_constraint("figure", "qualifier", Qualifier),
            choices_constraint("figure", "as_of_precision", DatePrecision, blank=True),
            *Provenance.provenance_constraints("figure"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.source})"

    @property
    def label(self) -> str:
        return localized(self, "label")

    @property
    def display_value(self) -> str:
        prefix = {"more_than": "> ", "at_least": "≥ ", "approximately": "≈ "}.get(
            self.qualifier, ""
        )
        return f"{prefix}{self.value:,}"


class CoverageGap(Provenance):
    """A product an official statement names for a country that the registry could not record:
    no source found dates or confirms its access (issue 22). Shown on the about page beside the
    records so a reader sees what the registry does not cover; never an access record, and never
    read by the eligibility question (an unrecorded pair stays "not recorded")."""

    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="coverage_gaps")
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=200, blank=True)
    reported_on = models.DateField(_("reported on"), null=True, blank=True)
    reported_on_precision = models.CharField(
        _("precision"), max_length=10, choices=DatePrecision.choices, blank=True
    )
    reason = models.TextField(_("why it is not recorded"))
    reason_zh = models.TextField(_("why it is not recorded (Chinese)"), blank=True)
    reason_ru = models.TextField(_("why it is not recorded (Russian)"), blank=True)
    translated_by_registry = models.CharField(
        _("translated by the registry"),
        max_length=20,
        blank=True,
        help_text=_("Languages (zh, ru) whose text is the registry's translation, not official."),
    )

    class Meta:
        ordering = ["country", "category", "name_en"]
        verbose_name = _("coverage gap")
        verbose_name_plural = _("coverage gaps")
        constraints = [
            models.UniqueConstraint(fields=["country", "name_en"], name="coverage_gap_unique"),
            choices_constraint("coverage_gap", "category", Category),
            choices_constraint("coverage_gap", "reported_on_precision", DatePrecision, blank=True),
            *Provenance.provenance_constraints("coverage_gap"),
        ]

    def __str__(self) -> str:
        return f"{self.country_id}: {self.name_en}"

    @property
    def name(self) -> str:
        return localized(self, "name")
