"""HTML pages of the registry."""

from django.shortcuts import render

from accessions import selectors


def home(request):
    return render(request, "registry/home.html", {"overview": selectors.coverage_overview()})
