"""API v1: the HS tree (issue 24): the HS chapters and headings of the recorded products, named
in three languages, with their products and covered kinds; a heading with the access entries of
each by country. The same shared read as the web pages (registry.hs_tree)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from accessions.models import MarketAccess
from accessions.selectors.access import access_entries_by_product
from api.base import ApiView, problem_responses
from registry.hs_tree import HS_NODE, HsNode, hs_tree
from registry.models import Product, ProductKind


class HsNamesSerializer(serializers.Serializer):
    en = serializers.CharField(allow_blank=True)
    zh = serializers.CharField(allow_blank=True, help_text="'' where no source names it.")
    ru = serializers.CharField(allow_blank=True, help_text="'' where no source names it.")


class HsEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The access entry (/api/v1/access/{id}/).")
    country = serializers.CharField(help_text="ISO alpha-2.")
    country_name = serializers.CharField()
    status = serializers.CharField()


class HsProductSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    hs_code = serializers.CharField(allow_blank=True)
    entries = HsEntrySerializer(many=True, required=False)


class HsKindSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    hs_code = serializers.CharField(allow_blank=True)
    product = serializers.CharField(help_text="The slug of the product that covers the kind.")
    product_name = serializers.CharField()
    entries = HsEntrySerializer(
        many=True, required=False, help_text="The covering product's access entries."
    )


SOURCE_ZH_HELP = "`source` in Chinese: the registry's translation ('' where it has none)."
SOURCE_RU_HELP = "`source` in Russian: the registry's translation ('' where it has none)."


class HsHeadingSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Four digits.")
    name = serializers.CharField(
        allow_blank=True, help_text="In the language asked for, else English."
    )
    name_language = serializers.CharField(allow_blank=True)
    names = HsNamesSerializer()
    # Shadows Field.source in the stubs only: the metaclass takes declared fields off.
    source = serializers.CharField(  # type: ignore[assignment]
        allow_blank=True, help_text="Where the names come from."
    )
    source_zh = serializers.CharField(allow_blank=True, help_text=SOURCE_ZH_HELP)
    source_ru = serializers.CharField(allow_blank=True, help_text=SOURCE_RU_HELP)
    products = HsProductSerializer(many=True)
    kinds = HsKindSerializer(many=True)


class HsChapterSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Two digits.")
    name = serializers.CharField(allow_blank=True)
    name_language = serializers.CharField(allow_blank=True)
    names = HsNamesSerializer()
    source = serializers.CharField(allow_blank=True)  # type: ignore[assignment]
    source_zh = serializers.CharField(allow_blank=True, help_text=SOURCE_ZH_HELP)
    source_ru = serializers.CharField(allow_blank=True, help_text=SOURCE_RU_HELP)
    headings = HsHeadingSerializer(many=True)


class HsTreeSerializer(serializers.Serializer):
    chapters = HsChapterSerializer(many=True)
    unclassified = HsProductSerializer(
        many=True, help_text="Products whose six-digit HS code the sources leave uncertain."
    )


class HsNodeSerializer(HsChapterSerializer):
    is_chapter = serializers.BooleanField()


def _names(node: HsNode) -> dict[str, Any]:
    heading = node.heading
    return {
        "code": node.code,
        "name": str(node.name),
        "name_language": node.name_language,
        "names": {
            "en": heading.name_en if heading else "",
            "zh": heading.name_zh if heading else "",
            "ru": heading.name_ru if heading else "",
        },
        "source": heading.source if heading else "",
        "source_zh": heading.source_zh if heading else "",
        "source_ru": heading.source_ru if heading else "",
    }


def _entries(entries: list[MarketAccess]) -> list[dict[str, Any]]:
    return [
        {
            "id": a.pk,
            "country": a.country.iso2,
            "country_name": str(a.country.name),
            "status": a.status,
        }
        for a in entries
    ]


def _product(product: Product, entries: dict | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "slug": product.slug,
        "name": str(product.name),
        "hs_code": product.hs_code,
    }
    if entries is not None:
        out["entries"] = _entries(entries.get(product.pk, []))
    return out


def _kind(kind: ProductKind, entries: dict | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "slug": kind.slug,
        "name": str(kind.name),
        "hs_code": kind.hs_code,
        "product": kind.product.slug,
        "product_name": str(kind.product.name),
    }
    if entries is not None:
        out["entries"] = _entries(entries.get(kind.product_id, []))
    return out


def _heading(node: HsNode, entries: dict | None = None) -> dict[str, Any]:
    return {
        **_names(node),
        "products": [_product(p, entries) for p in node.products],
        "kinds": [_kind(k, entries) for k in node.kinds],
    }


class HsTreeView(ApiView):
    """Every HS chapter and heading of the recorded products, with the products and covered kinds
    under each heading, named in the language asked for (`Accept-Language`)."""

    @extend_schema(
        summary="The HS tree",
        operation_id="hs_tree",
        responses={200: HsTreeSerializer, **problem_responses(400, 429)},
    )
    def get(self, request, *args, **kwargs):
        tree = hs_tree()
        return Response(
            {
                "chapters": [
                    {**_names(c), "headings": [_heading(h) for h in c.children]}
                    for c in tree.chapters
                ],
                "unclassified": [_product(p, None) for p in tree.unclassified],
            }
        )


class HsNodeView(ApiView):
    """A chapter (two digits) or heading (four digits): its headings, their products and covered
    kinds, each with its access entries by country."""

    @extend_schema(
        summary="An HS chapter or heading",
        operation_id="hs_node",
        parameters=[
            OpenApiParameter(
                "code",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="A chapter (two digits) or heading (four digits) the tree lists.",
            )
        ],
        responses={200: HsNodeSerializer, **problem_responses(400, 404, 429)},
    )
    def get(self, request, code: str, *args, **kwargs):
        node = hs_tree().node(code) if HS_NODE.match(code) else None
        if node is None:
            raise exceptions.NotFound(_("No recorded product uses this HS chapter or heading."))
        headings = node.children if node.is_chapter else [node]
        products = {p.pk for h in headings for p in h.products}
        products |= {k.product_id for h in headings for k in h.kinds}
        entries = access_entries_by_product(products)
        return Response(
            {
                **_names(node),
                "is_chapter": node.is_chapter,
                "headings": [_heading(h, entries) for h in headings],
            }
        )
