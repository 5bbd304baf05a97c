"""The HS tree pages (issue 24): chapters and headings of the recorded products, named in three
languages, each heading with its products and covered kinds and their access entries by country,
for a trader who does not know the registry's word for a product."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from accessions.selectors.access import access_entries_by_product
from registry.hs_tree import HS_NODE, hs_tree


def hs_tree_page(request):
    """Every chapter with its headings, and the products whose HS code is not recorded."""
    return render(request, "web/hs_tree.html", {"tree": hs_tree()})


def hs_node_page(request, code: str):
    """A chapter (its headings) or a heading (its products and kinds, each with its access
    entries by country)."""
    if not HS_NODE.match(code):
        raise Http404
    tree = hs_tree()
    node = tree.node(code)
    if node is None:
        raise Http404
    headings = node.children if node.is_chapter else [node]
    products = {p.pk for heading in headings for p in heading.products}
    products |= {k.product_id for heading in headings for k in heading.kinds}
    entries = access_entries_by_product(products)
    rows = [
        {
            "heading": heading,
            "products": [(p, entries.get(p.pk, [])) for p in heading.products],
            "kinds": [(k, entries.get(k.product_id, [])) for k in heading.kinds],
        }
        for heading in headings
    ]
    chapter = node if node.is_chapter else tree.node(code[:2])
    return render(request, "web/hs_node.html", {"node": node, "chapter": chapter, "rows": rows})
