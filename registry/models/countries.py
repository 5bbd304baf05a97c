"""Countries (keyed by ISO alpha-2) and the other names they are known by, unions and standards
bodies, and a country's dated membership of a union."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from registry.constraints import choices_constraint, validity_constraint
from registry.history import tracked
from registry.localize import localized
from registry.models.products import AliasLanguage
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
