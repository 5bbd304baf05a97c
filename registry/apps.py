from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    default = True
    name = "registry"
    verbose_name = _("Catalogue")
    # Records with legal or public effect: an inspector's change is a proposal (registry.review).
    # The countries and their unions and memberships decide which union acts bind an exporter;
    # products, their aliases, covered kinds and HS codes decide what a question names; ports,
    # regimes and sites decide where goods may enter; reported figures and coverage gaps are
    # shown beside the registry's counts.
    reviewed_models = (
        "Country",
        "CountryAlias",
        "Union",
        "UnionMembership",
        "Product",
        "ProductAlias",
        "ProductKind",
        "ProductKindAlias",
        "HsHeading",
        "Port",
        "PortRegime",
        "SupervisionSite",
        "ReportedFigure",
        "ReportedSiteCount",
        "CoverageGap",
    )
