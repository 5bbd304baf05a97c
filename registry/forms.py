"""Web-only forms of the catalogue pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accessions.models import AccessStatus
from registry.models import Category, Country, OriginType, Port
from registry.search import MAX_QUERY_LENGTH, SearchFilters


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
        self.fields["country"].choices = [("", _("any"))] + [
            (c.iso2, c.name) for c in Country.objects.order_by("name_en")
        ]
        self.fields["port"].choices = [("", _("any"))] + [
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
