"""The catalogue: countries and unions, products and aliases, ports, reported figures."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from registry.constraints import HS6_REGEX, choices_constraint, hs6_validator, validity_constraint
from registry.history import tracked
from registry.localize import localized
from registry.provenance import DatePrecision, Provenance

ISO2_REGEX = r"^[A-Z]{2}$"


class Region(models.TextChoices):
    CENTRAL_ASIA = "central_asia", _("Central Asia")
    OTHER = "other", _("other")


@tracked()
class Country(Provenance):
    """An exporting country, keyed by ISO 3166-1 alpha-2."""

    iso2 = models.CharField(_("ISO alpha-2"), max_length=2, unique=True)
    iso3 = models.CharField(_("ISO alpha-3"), max_length=3, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=20, choices=Region.choices)

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(iso2__regex=ISO2_REGEX),
                name="country_iso2_format",
                violation_error_message=_("ISO alpha-2 codes are two capital letters."),
            ),
            models.CheckConstraint(
                condition=models.Q(iso3__regex=r"^[A-Z]{3}$"),
                name="country_iso3_format",
                violation_error_message=_("ISO alpha-3 codes are three capital letters."),
            ),
            choices_constraint("country", "region", Region),
            *Provenance.provenance_constraints("country"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.iso2})"

    @property
    def name(self) -> str:
        return localized(self, "name")


class UnionKind(models.TextChoices):
    ECONOMIC_UNION = "economic_union", _("economic union")
    STANDARDS_BODY = "standards_body", _("international standards body")


class Union(Provenance):
    """A union whose acts may bind its members (EAEU), or an international standards body."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=UnionKind.choices)

    class Meta:
        ordering = ["code"]
        verbose_name = _("union or body")
        verbose_name_plural = _("unions and bodies")
        constraints = [
            choices_constraint("union", "kind", UnionKind),
            *Provenance.provenance_constraints("union"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def name(self) -> str:
        return localized(self, "name")


class MembershipRole(models.TextChoices):
    MEMBER = "member", _("member")
    OBSERVER = "observer", _("observer")


@tracked()
class UnionMembership(Provenance):
    """A country's dated membership of a union; only binding memberships make its acts apply."""

    union = models.ForeignKey(Union, on_delete=models.PROTECT, related_name="memberships")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=MembershipRole.choices)
    binding = models.BooleanField(_("acts bind the country"))
    valid_from = models.DateField(_("valid from"))
    valid_from_precision = models.CharField(
        _("precision"), max_length=10, choices=DatePrecision.choices, default=DatePrecision.EXACT
    )
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        ordering = ["union__code", "valid_from"]
        verbose_name = _("union membership")
        verbose_name_plural = _("union memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["union", "country", "valid_from"], name="membership_unique_start"
            ),
            validity_constraint("membership"),
            choices_constraint("membership", "role", MembershipRole),
            choices_constraint("membership", "valid_from_precision", DatePrecision),
            *Provenance.provenance_constraints("membership"),
        ]

    def __str__(self) -> str:
        return f"{self.country.iso2} {self.role} of {self.union.code} from {self.valid_from}"


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


class CountryAlias(Provenance):
    """Another name a country is known by (the full official name, or the name another country's
    usage gives it: «Киргизия» beside Kyrgyzstan's own «Кыргызстан»). The checker, the API, bulk
    and search find the country by it; pages show the country's own official short name
    (`Country.name_*`)."""

    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField(_("alias"), max_length=200)
    language = models.CharField(_("language"), max_length=2, choices=AliasLanguage.choices)

    class Meta:
        ordering = ["country", "language", "alias"]
        verbose_name = _("country alias")
        verbose_name_plural = _("country aliases")
        constraints = [
            models.UniqueConstraint(
                "country",
                Upper("alias"),
                name="country_alias_unique_per_country",
                violation_error_message=_("This country already has that alias."),
            ),
            choices_constraint("country_alias", "language", AliasLanguage),
            *Provenance.provenance_constraints("country_alias"),
        ]

    def __str__(self) -> str:
        return self.alias


@tracked()
class ProductKind(Provenance):
    """A named kind a product covers: Kyrgyzstan's dried-fruit entry lists nine (prunes, dried
    apricot, ...). A question about a kind resolves to the covering product (registry.selectors),
    and the answer says which entry covers it. `position` keeps the order the source lists them.
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


@tracked()
class Port(Provenance):
    """A Chinese port of entry. `code` is the registry's own key, not an official customs code."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_pinyin = models.CharField(_("name (pinyin)"), max_length=100, blank=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=100, blank=True)
    facing_country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="facing_ports"
    )
    counterpart_port = models.CharField(_("counterpart port"), max_length=200, blank=True)
    road = models.BooleanField(_("road"), default=False)
    rail = models.BooleanField(_("rail"), default=False)
    air = models.BooleanField(_("air"), default=False)
    location = models.TextField(_("location"), blank=True)
    green_channel_since = models.DateField(_("green channel since"), null=True, blank=True)
    green_channel_precision = models.CharField(
        _("green channel date precision"), max_length=10, choices=DatePrecision.choices, blank=True
    )
    green_channel_source = models.TextField(_("green channel source"), blank=True)
    green_channel_confidence = models.CharField(
        _("green channel confidence"),
        max_length=8,
        blank=True,
        choices=Provenance._meta.get_field("confidence").choices,
    )

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("port")
        verbose_name_plural = _("ports")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(road=True) | models.Q(rail=True) | models.Q(air=True),
                name="port_has_a_mode",
                violation_error_message=_("A port serves road, rail or air traffic."),
            ),
            choices_constraint("port", "green_channel_precision", DatePrecision, blank=True),
            *Provenance.provenance_constraints("port"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")

    @property
    def modes(self) -> list[str]:
        return [m for m in ("road", "rail", "air") if getattr(self, m)]


class WorkingHours(models.TextChoices):
    H7X24 = "7x24", _("7 days × 24 hours")
    H7X14 = "7x14", _("7 days × 14 hours")
    H7X12 = "7x12", _("7 days × 12 hours")
    H5X12 = "5x12", _("5 days × 12 hours")


@tracked()
class PortRegime(Provenance):
    """A dated working-hour regime of a port (pilots included)."""

    port = models.ForeignKey(Port, on_delete=models.CASCADE, related_name="regimes")
    regime = models.CharField(_("working hours"), max_length=5, choices=WorkingHours.choices)
    is_pilot = models.BooleanField(_("pilot"), default=False)
    valid_from = models.DateField(_("valid from"))
    valid_from_precision = models.CharField(
        _("precision"), max_length=10, choices=DatePrecision.choices, default=DatePrecision.EXACT
    )
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        ordering = ["port", "valid_from"]
        verbose_name = _("port working-hour regime")
        verbose_name_plural = _("port working-hour regimes")
        constraints = [
            models.UniqueConstraint(
                fields=["port", "regime", "valid_from"], name="port_regime_unique_start"
            ),
            validity_constraint("port_regime"),
            choices_constraint("port_regime", "regime", WorkingHours),
            choices_constraint("port_regime", "valid_from_precision", DatePrecision),
            *Provenance.provenance_constraints("port_regime"),
        ]

    def __str__(self) -> str:
        return f"{self.port.code} {self.regime} from {self.valid_from}"


class SiteKind(models.TextChoices):
    MEAT = "meat", _("meat")
    FRUIT = "fruit", _("fruit")
    GRAIN = "grain", _("grain")
    LIVE_ANIMALS = "live_animals", _("live animals")
    AQUATIC = "aquatic", _("aquatic products")


# Which categories enter only through a port holding a designated supervision site of a kind
# (GACC Announcement 2019 No. 212 of 2019-12-23, "海关指定监管场地管理规范", article 3: sites for
# imported meat, chilled aquatic products, grain, fruit, edible aquatic animals, plant seedlings,
# logs, animal quarantine and others; text read on a mirror, upload.mayiwenku.com/p-56109483.html;
# that pulses and oilseeds count as "grain" is the registry's reading; medium confidence). Where
# the registry records no site of the kind, the checker answers "not recorded", never "allowed".
CATEGORY_SITE_KINDS: dict[str, str] = {
    "meat": SiteKind.MEAT,
    "grain": SiteKind.GRAIN,
    "oilseed": SiteKind.GRAIN,
    "pulses": SiteKind.GRAIN,
    "fresh_fruit": SiteKind.FRUIT,
    "live_animals": SiteKind.LIVE_ANIMALS,
}


@tracked()
class SupervisionSite(Provenance):
    """A designated supervision site at a port: only such ports may receive, e.g., meat."""

    port = models.ForeignKey(Port, on_delete=models.CASCADE, related_name="sites")
    kind = models.CharField(_("kind"), max_length=20, choices=SiteKind.choices)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_from_precision = models.CharField(
        _("precision"), max_length=10, choices=DatePrecision.choices, blank=True
    )
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        ordering = ["port", "kind"]
        verbose_name = _("designated supervision site")
        verbose_name_plural = _("designated supervision sites")
        constraints = [
            models.UniqueConstraint(fields=["port", "kind"], name="site_unique_kind_per_port"),
            validity_constraint("site"),
            choices_constraint("site", "kind", SiteKind),
            *Provenance.provenance_constraints("site"),
        ]

    def __str__(self) -> str:
        return f"{self.port.code}: {self.kind}"


@tracked()
class ReportedSiteCount(Provenance):
    """How many ports of an area a source reports as holding a designated supervision site of a
    kind ("in 2019 Xinjiang had 7 designated meat ports"). When it exceeds the sites of that kind
    the registry records, the recorded list is known to be incomplete: a port with no recorded
    site may still hold one, so the checker answers "not recorded" there, never "not designated"
    (registry.selectors.site_list_incomplete_q). `area` names where the count applies; the ports the
    registry holds are the Xinjiang land ports.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=SiteKind.choices)
    area = models.CharField(_("area"), max_length=100)
    ports_reported = models.PositiveIntegerField(_("ports reported"))
    as_of = models.DateField(_("as of"))
    as_of_precision = models.CharField(
        _("precision"), max_length=10, choices=DatePrecision.choices, default=DatePrecision.EXACT
    )

    class Meta:
        ordering = ["kind", "area", "as_of"]
        verbose_name = _("reported count of designated sites")
        verbose_name_plural = _("reported counts of designated sites")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "area", "as_of"], name="site_count_unique_per_date"
            ),
            choices_constraint("site_count", "kind", SiteKind),
            choices_constraint("site_count", "as_of_precision", DatePrecision),
            *Provenance.provenance_constraints("site_count"),
        ]

    def __str__(self) -> str:
        return f"{self.area}: {self.ports_reported} {self.kind} ({self.as_of:%Y})"


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


class ReportedFigure(Provenance):
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
