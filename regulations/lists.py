"""The regulations list's columns, declared once (registry.lists): what the import reads and
the import page documents."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from registry.lists import CHOICE, DATE, URL, Column, ListFormat
from registry.provenance import Confidence
from regulations.models import RegulationKind, RegulationStatus

REGULATIONS = ListFormat(
    kind="regulations",
    title=_("regulations"),
    key=("slug",),
    columns=(
        Column(
            "slug",
            _("The registry's code of the regulation."),
            example="tr-cu-021-2011",
            required=True,
        ),
        Column("code", _("The regulation's official code."), example="TR CU 021/2011"),
        Column("title_en", _("The title in English."), example="On food safety", required=True),
        Column("title_ru", _("The title in Russian."), example="О безопасности пищевой продукции"),
        Column("title_zh", _("The title in Chinese."), example="食品安全技术法规"),
        Column(
            "kind",
            _("What kind of act it is."),
            CHOICE,
            "technical_regulation",
            required=True,
            choices=tuple(RegulationKind.values),
        ),
        Column(
            "country",
            _("The country whose act it is (ISO code), or empty for a union's act."),
            _("two letters"),
            "",
        ),
        Column("union", _("The union or body whose act it is, by code."), example="EAEU"),
        Column("adopted_by", _("Who adopted it."), example="Customs Union Commission"),
        Column("adopted_on", _("The day it was adopted."), DATE, "2011-12-09"),
        Column("in_force_from", _("The first day in force."), DATE, "2013-07-01"),
        Column("in_force_until", _("The last day in force, if it ended."), DATE, ""),
        Column(
            "status",
            _("Its status."),
            CHOICE,
            "in_force",
            required=True,
            choices=tuple(RegulationStatus.values),
        ),
        Column("scope", _("What it covers.")),
        Column("source", _("The source of the row (else the one given on the import page).")),
        Column("source_url", _("The source's address."), URL, ""),
        Column(
            "confidence",
            _("How sure the source is (else the one given on the import page)."),
            CHOICE,
            "high",
            choices=tuple(Confidence.values),
        ),
    ),
)
