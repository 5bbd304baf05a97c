"""Chinese ports of entry, their dated working-hour regimes, their designated supervision sites
(and which categories need one), and the counts of such sites sources report."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.constraints import choices_constraint, validity_constraint
from registry.history import tracked
from registry.localize import localized
from registry.models.countries import Country
from registry.provenance import DatePrecision, NoteTranslations, Provenance


@tracked()
class Port(Provenance, NoteTranslations):
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
    green_channel_source_zh = models.TextField(_("green channel source (Chinese)"), blank=True)
    green_channel_source_ru = models.TextField(_("green channel source (Russian)"), blank=True)
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
class PortRegime(Provenance, NoteTranslations):
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
class SupervisionSite(Provenance, NoteTranslations):
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
    (registry.selectors.ports.site_list_incomplete_q). `area` names where the count applies; the
    ports the registry holds are the Xinjiang land ports.
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
