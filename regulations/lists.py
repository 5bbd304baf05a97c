"""The regulations list's columns, declared once (registry.lists): what the import reads, the
export writes (api.export_serializers) and the import page documents."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from registry.lists import CHOICE, CODES, DATE, URL, YES_NO, Column, ListFormat
from registry.provenance import Confidence, DatePrecision
from regulations.models import RegulationKind, RegulationStatus, TitleLanguage

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
            "title_original_language",
            _("The language of the original title (empty: not known)."),
            CHOICE,
            "ru",
            choices=tuple(TitleLanguage.values),
        ),
        Column(
            "jurisdiction",
            _("Whose act it is: a country's ISO code, or a union's or body's code."),
            _("two letters, or a code"),
            "EAEU",
            required=True,
        ),
        Column("adopted_by", _("Who adopted it."), example="Customs Union Commission"),
        Column("adopted_on", _("The day it was adopted."), DATE, "2011-12-09"),
        Column(
            "adopted_on_precision",
            _("How exact the day of adoption is."),
            CHOICE,
            "exact",
            choices=tuple(DatePrecision.values),
        ),
        Column("in_force_from", _("The first day in force."), DATE, "2013-07-01"),
        Column(
            "in_force_from_precision",
            _("How exact the first day in force is."),
            CHOICE,
            "exact",
            choices=tuple(DatePrecision.values),
        ),
        Column("in_force_until", _("The last day in force, if it ended."), DATE, ""),
        Column(
            "status",
            _("Its status."),
            CHOICE,
            "in_force",
            required=True,
            choices=tuple(RegulationStatus.values),
        ),
        Column(
            "superseded_by",
            _("The regulation that replaced it, by its registry code."),
            example="",
        ),
        Column("topics", _("Its topics, by code."), CODES, "food_safety"),
        Column("scope", _("What it covers.")),
        Column("source", _("The source of the row (else the one given on the import page).")),
        Column("source_zh", _("The source, in Chinese (the registry's translation).")),
        Column("source_ru", _("The source, in Russian (the registry's translation).")),
        Column("source_url", _("The source's address."), URL, ""),
        Column(
            "confidence",
            _("How sure the source is (else the one given on the import page)."),
            CHOICE,
            "high",
            choices=tuple(Confidence.values),
        ),
        Column("is_illustrative", _("Demo data, not a legal fact."), YES_NO, "false", kept=True),
        Column(
            "notes",
            _("Internal notes on the sources (inspectors and the admin only)."),
            public=False,
        ),
        Column("public_note", _("The reviewed note shown to the public."), kept=True),
        Column("public_note_zh", _("The public note, in Chinese."), kept=True),
        Column("public_note_ru", _("The public note, in Russian."), kept=True),
        Column(
            "translated_by_registry",
            _("The languages whose text the registry translated itself (no official text)."),
            _("language codes separated by spaces"),
            "zh ru",
        ),
        Column(
            "title_translated_by_registry",
            _("The languages whose title the registry translated itself (no official title)."),
            _("language codes separated by spaces"),
            "en zh",
        ),
    ),
)
