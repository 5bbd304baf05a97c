"""The catalogue, one module a concept: countries, their other names and unions (countries),
products, their aliases, covered kinds, HS headings and search keys (products), ports with their
regimes and supervision sites (ports), and what official statements report beside the records
(statements).

Django finds an app's models in its models module, so this one imports them from the concept
modules (as netbox-community/netbox dcim/models/ does), with every name the single models.py
held: `from registry.models import X` keeps working. The history event models django-pghistory
makes are set on this module by pghistory itself.
"""

from registry.models.countries import (
    ISO2_REGEX,
    Country,
    CountryAlias,
    MembershipRole,
    Region,
    Union,
    UnionKind,
    UnionMembership,
)
from registry.models.ports import (
    CATEGORY_SITE_KINDS,
    Port,
    PortRegime,
    ReportedSiteCount,
    SiteKind,
    SupervisionSite,
    WorkingHours,
)
from registry.models.products import (
    AliasKind,
    AliasLanguage,
    Category,
    HsBasis,
    HsHeading,
    OriginType,
    Product,
    ProductAlias,
    ProductKind,
    ProductKindAlias,
    ProductSearchKey,
)
from registry.models.statements import (
    CoverageGap,
    Metric,
    Qualifier,
    ReportedFigure,
)

__all__ = [
    "CATEGORY_SITE_KINDS",
    "ISO2_REGEX",
    "AliasKind",
    "AliasLanguage",
    "Category",
    "Country",
    "CountryAlias",
    "CoverageGap",
    "HsBasis",
    "HsHeading",
    "MembershipRole",
    "Metric",
    "OriginType",
    "Port",
    "PortRegime",
    "Product",
    "ProductAlias",
    "ProductKind",
    "ProductKindAlias",
    "ProductSearchKey",
    "Qualifier",
    "Region",
    "ReportedFigure",
    "ReportedSiteCount",
    "SiteKind",
    "SupervisionSite",
    "Union",
    "UnionKind",
    "UnionMembership",
    "WorkingHours",
]
