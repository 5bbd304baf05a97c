"""Products as GACC lists them, the names and further HS codes they are found by, the kinds a
product covers, the HS chapters and headings they use, and the resolver's search keys."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from registry.constraints import HS6_REGEX, choices_constraint, hs6_validator
from registry.history import tracked
from registry.localize import localized
from registry.provenance import Provenance


class Category(models.TextChoices):
    GRAIN = "grain", _("grain")
    GRAIN_PRODUCT = "grain_product", _("grain product")
    OILSEED = "oilseed", _("oilseed")
    FEED = "feed", _("feed")
    MEAT = "meat", _("meat")
    DAIRY = "dairy", _("dairy")
    FRESH_FRUIT = "fresh_fruit", _("fresh fruit")
    DRIED_FRUIT = "dried_fruit", _("dried fruit")
    VEGETABLES = "vegetables", _("vegetables")
    SPICES = "spices", _("spices")
    PULSES = "pulses", _("pulses")
    BEE_PRODUCTS = "bee_products", _("bee products")
    NUTS_SEEDS = "nuts_seeds", _("nuts and seeds")
    LIVE_ANIMALS = "live_animals", _("live animals")
    NON_FOOD = "non_food", _("non-food")


class OriginType(models.TextChoices):
    PLANT = "plant", _("plant")
    ANIMAL = "animal", _("animal")
    PROCESSED = "processed", _("processed")
    FEED = "feed", _("feed")


class HsBasis(models.TextChoices):
    SOURCED = "sourced", _("sourced")
    MAPPED = "mapped", _("mapped from the product name, to be checked")
    UNCERTAIN = "uncertain", _("uncertain: several candidate codes")


@tracked()
class Product(Provenance):
    """A product kind as GACC lists it ("fresh grapes", "corn meal"), shared by all countries."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    origin_type = models.CharField(_("origin type"), max_length=10, choices=OriginType.choices)
    hs_code = models.CharField(
        _("HS 2022 code"), max_length=6, blank=True, validators=[hs6_validator]
    )
    hs_basis = models.CharField(_("HS code basis"), max_length=10, choices=HsBasis.choices)

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hs_code="") | models.Q(hs_code__regex=HS6_REGEX),
                name="product_hs_code_six_digits",
                violation_error_message=_("An HS code has exactly six digits, e.g. 100590."),
            ),
            choices_constraint("product", "category", Category),
            choices_constraint("product", "origin_type", OriginType),
            choices_constraint("product", "hs_basis", HsBasis),
            *Provenance.provenance_constraints("product"),
        ]
        indexes = [
            models.Index(fields=["hs_code"], name="product_hs_code_idx"),
            # Exact, case-insensitive name lookups of the eligibility check stay index probes.
            models.Index(Upper("name_en"), name="product_name_en_upper_idx"),
            models.Index(Upper("name_ru"), name="product_name_ru_upper_idx"),
            models.Index(fields=["name_zh"], name="product_name_zh_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")


class AliasKind(models.TextChoices):
    NAME = "name", _("name or synonym")
    HS_CODE = "hs_code", _("further HS code")
    # A word close to the product that does not name it ("лён", flax, for flaxseed meal): it
    # makes the product a suggestion ("did you mean"), never the product asked about.
    RELATED = "related", _("related word (suggests, never names)")


class AliasLanguage(models.TextChoices):
    EN = "en", "English"
    ZH = "zh", "中文"
    RU = "ru", "Русский"


class ProductAlias(models.Model):
    """Another name (maize = corn = кукуруза = 玉米) or a further HS code a product is found by."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField(_("alias"), max_length=200)
    language = models.CharField(_("language"), max_length=2, choices=AliasLanguage.choices)
    kind = models.CharField(
        _("kind"), max_length=10, choices=AliasKind.choices, default=AliasKind.NAME
    )

    class Meta:
        ordering = ["product", "kind", "alias"]
        verbose_name = _("product alias")
        verbose_name_plural = _("product aliases")
        constraints = [
            models.UniqueConstraint(
                "product",
                Upper("alias"),
                name="alias_unique_per_product",
                violation_error_message=_("This product already has that alias."),
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=AliasKind.HS_CODE) | models.Q(alias__regex=HS6_REGEX),
                name="alias_hs_code_six_digits",
                violation_error_message=_("An HS code has exactly six digits, e.g. 100590."),
            ),
            choices_constraint("alias", "kind", AliasKind),
            choices_constraint("alias", "language", AliasLanguage),
        ]
        indexes = [
            models.Index(Upper("alias"), "kind", name="alias_upper_kind_idx"),
            # The resolver's HS-code arms (an exact code, a heading's range of codes) probe
            # this instead of scanning every alias (issue 13: a parallel scan of 300,000
            # aliases took 30 ms of each new eligibility question at scale).
            models.Index(
                fields=["alias"],
                name="alias_hs_code_idx",
                condition=models.Q(kind=AliasKind.HS_CODE),
            ),
        ]

    def __str__(self) -> str:
        return self.alias


@tracked()
class ProductKind(Provenance):
    """A named kind a product covers: Kyrgyzstan's dried-fruit entry lists nine (prunes, dried
    apricot, ...). A question about a kind resolves to the covering product
    (registry.selectors.resolver), and the answer says which entry covers it. `position` keeps the
    order the source lists them.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="kinds")
    slug = models.SlugField(_("slug"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=200, blank=True)
    hs_code = models.CharField(
        _("HS 2022 code"), max_length=6, blank=True, validators=[hs6_validator]
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["product", "position", "slug"]
        verbose_name = _("covered kind")
        verbose_name_plural = _("covered kinds")
        constraints = [
            models.UniqueConstraint(fields=["product", "slug"], name="kind_unique_per_product"),
            models.CheckConstraint(
                condition=models.Q(hs_code="") | models.Q(hs_code__regex=HS6_REGEX),
                name="kind_hs_code_six_digits",
                violation_error_message=_("An HS code has exactly six digits, e.g. 100590."),
            ),
            *Provenance.provenance_constraints("kind"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")


class ProductKindAlias(models.Model):
    """Another name a covered kind is found by ("курага", "сушёный абрикос" for dried apricot)."""

    kind = models.ForeignKey(ProductKind, on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField(_("alias"), max_length=200)
    language = models.CharField(_("language"), max_length=2, choices=AliasLanguage.choices)

    class Meta:
        ordering = ["kind", "alias"]
        verbose_name = _("covered kind alias")
        verbose_name_plural = _("covered kind aliases")
        constraints = [
            models.UniqueConstraint(
                "kind",
                Upper("alias"),
                name="kind_alias_unique_per_kind",
                violation_error_message=_("This kind already has that alias."),
            ),
            choices_constraint("kind_alias", "language", AliasLanguage),
        ]

    def __str__(self) -> str:
        return self.alias


@tracked()
class HsHeading(Provenance):
    """A chapter (two digits) or heading (four digits) of the HS 2022 nomenclature that a recorded
    product uses, named in three languages from the sources its provenance cites. A name a source
    was not found for stays empty, and pages say so (never a name made up)."""

    code = models.CharField(_("HS chapter or heading"), max_length=4, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=400)
    name_zh = models.CharField(_("name (Chinese)"), max_length=400, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=400, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("HS chapter or heading")
        verbose_name_plural = _("HS chapters and headings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^([0-9]{2}|[0-9]{4})$"),
                name="hs_heading_code_format",
                violation_error_message=_("A chapter has two digits, a heading four."),
            ),
            *Provenance.provenance_constraints("hs_heading"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        return localized(self, "name")

    @property
    def is_chapter(self) -> bool:
        return len(self.code) == 2


class ProductSearchKey(models.Model):
    """A name, alias or slug of a product in the resolver's compared form (registry.text): `key`
    folded in every script, `stem` with English and Russian words stemmed. Derived data, rebuilt
    by `registry.services.product_search_keys_refresh` whenever a product or its aliases change,
    so the same words find the same product on SQLite and PostgreSQL."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="search_keys")
    # The covered kind this key names (its name or alias), when it is not the product's own.
    kind = models.ForeignKey(
        ProductKind, on_delete=models.CASCADE, null=True, blank=True, related_name="search_keys"
    )
    key = models.CharField(_("search key"), max_length=200)
    stem = models.CharField(_("stemmed key"), max_length=200)

    class Meta:
        verbose_name = _("product search key")
        verbose_name_plural = _("product search keys")
        constraints = [
            models.UniqueConstraint(fields=["product", "key"], name="search_key_unique_per_product")
        ]
        indexes = [
            models.Index(fields=["key"], name="search_key_key_idx"),
            models.Index(fields=["stem"], name="search_key_stem_idx"),
        ]

    def __str__(self) -> str:
        return self.key
