"""The eligibility checker: the form, its answer, and "did you mean" when the product named is
not the registry's word."""

from __future__ import annotations

from django.shortcuts import render

from registry.errors import DomainError
from registry.models import Product, ProductKind
from web.auth import shares_api_rate_limit
from web.forms import EligibilityForm
from web.views import clock

PRODUCT_SUGGESTIONS = 1000


def _did_you_mean(request, error: DomainError) -> list[dict]:
    """The candidates as links that rerun the same check with the product chosen (a covered
    kind by its name in the page's language, so the answer says which entry covers it)."""
    slugs = error.extra["candidates"]
    kinds = {s["slug"]: s["kind"] for s in error.extra.get("suggestions", []) if s["kind"]}
    products = Product.objects.in_bulk(slugs, field_name="slug")
    links = []
    for slug in slugs:
        if slug in products:
            query = request.GET.copy()
            query["product"] = kinds.get(slug) or slug
            links.append(
                {"product": products[slug], "kind": kinds.get(slug, ""), "query": query.urlencode()}
            )
    return links


@shares_api_rate_limit
def check(request):
    """The eligibility checker. All the deciding is done by `check_eligibility`; invalid input is
    a 400 with the form's errors, like search and the lists."""
    form = EligibilityForm(request.GET or None)
    answer = None
    did_you_mean: list[dict] = []
    suggestion = None
    if form.is_bound and form.is_valid():
        try:
            answer = form.answer(clock.today())
        except DomainError as error:  # a broken rule is the asker's to fix: a form error
            if "candidates" in error.extra:  # several products, or none exactly: "did you mean"
                # A suggestion, not an error of the form: the question is fine, only the word
                # is not the registry's (issue 24). Still a 400, as in the API: no answer.
                did_you_mean = _did_you_mean(request, error)
                suggestion = {"code": error.code, "identifier": form.cleaned_data["product"]}
            else:
                form.add_error(None, error.message)
    return check_page(request, form, answer, did_you_mean, suggestion)


def check_page(
    request,
    form,
    answer=None,
    did_you_mean: list[dict] | None = None,
    suggestion: dict | None = None,
):
    """The checker page: the form (400 with its errors), and the answer when there is one."""
    suggestions = Product.objects.only("slug", "name_en", "name_zh", "name_ru").order_by("name_en")[
        :PRODUCT_SUGGESTIONS
    ]
    kinds = ProductKind.objects.select_related("product").order_by("name_en")
    return render(
        request,
        "web/check.html",
        {
            "form": form,
            "answer": answer,
            "did_you_mean": did_you_mean or [],
            "suggestion": suggestion,
            "suggestions": suggestions,
            "kinds": kinds,
            "today": clock.today(),
        },
        status=400 if form.errors or suggestion else 200,
    )
