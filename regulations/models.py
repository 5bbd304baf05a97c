"""Foreign food-safety regulations and standards, and the products they cover."""

from __future__ import annotations

from typing import cast

from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.constraints import choices_constraint, validity_constraint
from registry.history import tracked
from registry.localize import localized, localized_with_language
from registry.models import Country, Product, Union
from registry.provenance import DatePrecision, NoteTranslations, Provenance


class Topic(models.Model):
    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=100, blank=True)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")


class RegulationKind(models.TextChoices):
    LAW = "law", _("law")
    TECHNICAL_REGULATION = "technical_regulation", _("technical regulation")
    STANDARD = "standard", _("standard")
    CODEX_STANDARD = "codex_standard", _("Codex standard")
    DECREE = "decree", _("decree")
    PROGRAMME = "programme", _("programme")


class TitleLanguage(models.TextChoices):
    """The language a regulation was adopted in (its official title's language)."""

    ENGLISH = "en", _("English")
    RUSSIAN = "ru", _("Russian")
    CHINESE = "zh", _("Chinese")
    KAZAKH = "kk", _("Kazakh")
    KYRGYZ = "ky", _("Kyrgyz")
    TAJIK = "tg", _("Tajik")
    TURKMEN = "tk", _("Turkmen")
    UZBEK = "uz", _("Uzbek")


class RegulationStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    ADOPTED = "adopted", _("adopted (in-force date not recorded)")
    IN_FORCE = "in_force", _("in force")
    SUPERSEDED = "superseded", _("superseded")
    REPEALED = "repealed", _("repealed")


@tracked()
class Regulation(Provenance, NoteTranslations):
    """A foreign regulation or standard. Its jurisdiction is one country or one union/body."""

    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    code = models.CharField(_("code"), max_length=100, blank=True, db_index=True)
    title_en = models.CharField(_("title (English)"), max_length=500)
    title_ru = models.CharField(_("title (Russian)"), max_length=500, blank=True)
    title_zh = models.CharField(_("title (Chinese)"), max_length=500, blank=True)
    title_original_language = models.CharField(
        _("language of the original"),
        max_length=2,
        choices=TitleLanguage.choices,
        blank=True,
        help_text=_("Empty when the sources do not say."),
    )
    # Which titles the registry translated itself (issue 22): a title in the original language
    # or from an official translation is the source's; any other is marked on every page.
    title_translated_by_registry = models.CharField(
        _("titles translated by the registry"),
        max_length=20,
        blank=True,
        help_text=_("Languages (en, zh, ru) whose title is the registry's translation."),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=RegulationKind.choices)
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, null=True, blank=True, related_name="regulations"
    )
    union = models.ForeignKey(
        Union, on_delete=models.PROTECT, null=True, blank=True, related_name="regulations"
    )
    adopted_by = models.CharField(_("adopted by"), max_length=300, blank=True)
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    adopted_on_precision = models.CharField(
        _("precision"), max_length=10, choices=DatePrecision.choices, blank=True
    )
    in_force_from = models.DateField(_("in force from"), null=True, blank=True)
    in_force_from_precision = models.CharField(
        _("precision"), max_length=10, choices=DatePrecision.choices, blank=True
    )
    in_force_until = models.DateField(_("in force until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=RegulationStatus.choices)
    superseded_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="supersedes"
    )
    topics = models.ManyToManyField(Topic, blank=True, related_name="regulations")
    scope = models.TextField(_("scope"), blank=True)
    products = models.ManyToManyField(
        Product, through="RegulationProduct", related_name="regulations", blank=True
    )

    class Meta:
        ordering = ["code", "slug"]
        verbose_name = _("regulation or standard")
        verbose_name_plural = _("regulations and standards")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(country__isnull=False, union__isnull=True)
                    | models.Q(country__isnull=True, union__isnull=False)
                ),
                name="regulation_one_jurisdiction",
                violation_error_message=_(
                    "A regulation belongs to exactly one jurisdiction: a country or a union."
                ),
            ),
            models.CheckConstraint(
                condition=~models.Q(superseded_by=models.F("pk")),
                name="regulation_not_superseded_by_itself",
                violation_error_message=_("A regulation cannot supersede itself."),
            ),
            validity_constraint("regulation", "in_force_from", "in_force_until"),
            validity_constraint("regulation", "adopted_on", "in_force_until"),
            choices_constraint("regulation", "kind", RegulationKind),
            choices_constraint("regulation", "status", RegulationStatus),
            *Provenance.provenance_constraints("regulation"),
        ]

    def __str__(self) -> str:
        return self.code or self.title

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def title_language(self) -> str:
        """The language of `title` as shown now: "en" when the reader's is missing."""
        return localized_with_language(self, "title")[1]

    @property
    def title_is_registry_translation(self) -> bool:
        """The title shown now is one the registry translated (not the original or official)."""
        return self.title_language in self.title_translated_by_registry.split()

    @property
    def jurisdiction(self) -> Country | Union:
        return self.country or self.union  # type: ignore[return-value]

    @property
    def jurisdiction_code(self) -> str:
        if self.country is not None:
            return self.country.iso2
        return cast(Union, self.union).code  # the check constraint: a country or a union


@tracked()
class RegulationProduct(models.Model):
    """A regulation covers a product; the clause when the source gives it."""

    regulation = models.ForeignKey(
        Regulation, on_delete=models.CASCADE, related_name="product_links"
    )
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="regulation_links")
    clause = models.CharField(_("clause"), max_length=300, blank=True)
    note = models.TextField(_("note"), blank=True)
    source = models.TextField(_("source"))
    confidence = models.CharField(
        _("confidence"), max_length=8, choices=Provenance._meta.get_field("confidence").choices
    )

    class Meta:
        ordering = ["regulation", "product"]
        verbose_name = _("regulation scope")
        verbose_name_plural = _("regulation scopes")
        constraints = [
            models.UniqueConstraint(
                fields=["regulation", "product"],
                name="regulation_product_unique",
                violation_error_message=_("This regulation is already linked to the product."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.regulation} → {self.product.slug}"
