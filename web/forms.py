"""Forms of the web pages: the eligibility checker and the search box with its facets."""

from __future__ import annotations

import datetime as dt
from typing import cast

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from accessions.eligibility.answer import (
    EligibilityAnswer,
    normalise_country,
    normalise_port,
)
from accessions.eligibility.check import check_eligibility
from accessions.models import AccessStatus, Stage
from registry.models import Category, Country, OriginType, Port
from registry.provenance import Confidence, DatePrecision
from registry.selectors.countries import country_resolve
from web.search import MAX_QUERY_LENGTH, SearchFilters


class NormalisedChoiceField(forms.ChoiceField):
    """A choice typed in a URL in any case ("kz", " Khorgos") is the choice it names: the value
    is put in the eligibility question's normal form before it is checked against the choices."""

    def __init__(self, *args, normalise, **kwargs):
        super().__init__(*args, **kwargs)
        self.normalise = normalise

    def to_python(self, value):
        return self.normalise(super().to_python(value))


def country_iso(value: str) -> str:
    """A country typed by its code or its name in any of the three languages, as its ISO code
    (unchanged when the registry has no such country: the choice check refuses it)."""
    value = normalise_country(value)
    if len(value) == 2 or not value:
        return value
    country = country_resolve(value)
    return country.iso2 if country else value


class EligibilityForm(forms.Form):
    """The checker's question. Country and port are chosen from the registry (an unknown one in
    a URL is a form error); the product is free text (slug, HS code or a name in any language)
    with suggestions; the establishment number is checked by the eligibility service.
    """

    product = forms.CharField(
        label=_("Product"),
        max_length=200,
        help_text=_("A name in English, Chinese or Russian, an alias, or a six-digit HS code."),
    )
    country = NormalisedChoiceField(label=_("Exporting country"), normalise=country_iso)
    port = NormalisedChoiceField(
        label=_("Port of entry (optional)"), required=False, normalise=normalise_port
    )
    date = forms.DateField(
        label=_("As of date (optional)"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("YYYY-MM-DD; empty means today."),
    )
    establishment = forms.CharField(
        label=_("Establishment registration number (optional)"),
        required=False,
        max_length=40,
        help_text=_("The GACC registration number, e.g. CKAZ01012201010001."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].widget.attrs.update({"list": "product-suggestions"})
        cast(forms.ChoiceField, self.fields["country"]).choices = [("", "—")] + [
            (c.iso2, f"{c.name} ({c.iso2})") for c in Country.objects.order_by("region", "name_en")
        ]
        cast(forms.ChoiceField, self.fields["port"]).choices = [("", _("any port"))] + [
            (p.code, p.name) for p in Port.objects.order_by("name_en")
        ]

    def as_of(self, today: dt.date) -> dt.date:
        return self.cleaned_data.get("date") or today

    def answer(self, today: dt.date) -> EligibilityAnswer:
        """The one engine's answer to the valid question (on `today` unless it names a date);
        a rule the question breaks raises DomainError, which the pages show as a form error."""
        return check_eligibility(
            product=self.cleaned_data["product"],
            country=self.cleaned_data["country"],
            port=self.cleaned_data["port"],
            on=self.as_of(today),
            establishment=self.cleaned_data["establishment"],
        )


NULL_CHARACTER = _(
    "The search text contains a null character (often written %%00 in a link); remove it."
)


class SearchForm(forms.Form):
    """The search box and its facets. Long queries are shortened, never refused."""

    q = forms.CharField(label=_("Search"), required=False, strip=True)
    country = forms.ChoiceField(label=_("Country"), required=False)
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("any"))] + Category.choices
    )
    status = forms.ChoiceField(
        label=_("Access status"), required=False, choices=[("", _("any"))] + AccessStatus.choices
    )
    origin_type = forms.ChoiceField(
        label=_("Origin type"), required=False, choices=[("", _("any"))] + OriginType.choices
    )
    port = forms.ChoiceField(label=_("Port"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.shortened = False
        self.fields["q"].widget.attrs.update({"type": "search", "autocomplete": "off"})
        # "%00" in a link: say what is wrong with the search text, not "some filters".
        self.fields["q"].validators = [ProhibitNullCharactersValidator(message=NULL_CHARACTER)]
        cast(forms.ChoiceField, self.fields["country"]).choices = [("", _("any"))] + [
            (c.iso2, c.name) for c in Country.objects.order_by("name_en")
        ]
        cast(forms.ChoiceField, self.fields["port"]).choices = [("", _("any"))] + [
            (p.code, p.name) for p in Port.objects.order_by("name_en")
        ]

    def clean_q(self) -> str:
        value = " ".join(self.cleaned_data["q"].split())
        if len(value) > MAX_QUERY_LENGTH:
            self.shortened = True
            value = value[:MAX_QUERY_LENGTH].strip()
        return value

    @property
    def filters(self) -> SearchFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return SearchFilters(
            **{name: data.get(name, "") for name in SearchFilters.__dataclass_fields__}
        )


class StageProposalForm(forms.Form):
    """An inspector proposes a stage of an accession, dated as precisely as the source allows."""

    stage = forms.ChoiceField(label=_("Stage"), choices=Stage.choices)
    occurred_on = forms.DateField(
        label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    precision = forms.ChoiceField(
        label=_("Date precision"), choices=DatePrecision.choices, required=False
    )
    source = forms.CharField(label=_("Source"), max_length=2000)
    source_url = forms.URLField(
        label=_("Source URL"), required=False, max_length=500, assume_scheme="https"
    )
    confidence = forms.ChoiceField(label=_("Confidence"), choices=Confidence.choices)
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea)

    def clean(self):
        data = super().clean() or {}
        if data.get("occurred_on") and not data.get("precision"):
            self.add_error("precision", _("Say how precise the date is."))
        return data
