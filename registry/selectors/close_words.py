"""The product resolver's stage two, only for identifiers stage one leaves unmatched: close
words (a typo within `typo_limit`, a related word, every word within a longer name, a recorded
name within a longer wording), ranked in Python over the keys read in one query.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q

from registry.models import Product, ProductSearchKey
from registry.replicas import read_connection
from registry.selectors import trigram
from registry.selectors.resolution import MatchReason, ProductResolution
from registry.text import RELATED_MARK, contained_names, distance, fold, has_cjk, stem, typo_limit

# Stage two reads at most this many keys; past it (a far larger catalogue than the registry's) the
# embedded mode stops suggesting rather than scanning without end.
CLOSE_KEYS_SCANNED = 50_000
TRIGRAM_SIMILARITY_THRESHOLD = 0.1
MAX_CANDIDATES = 12


def close_keys(idents: list[str]) -> list[ProductSearchKey]:
    """The keys (with their products) stage two ranks for `idents`: one query (on PostgreSQL
    inside a SET LOCAL of the similarity threshold)."""
    keys = ProductSearchKey.objects.select_related("product").order_by()
    if not trigram.trigram_available():
        return list(keys[:CLOSE_KEYS_SCANNED])
    near = Q()
    for ident in idents:
        folded, stemmed = fold(ident), stem(ident)
        near |= Q(key__trigram_similar=folded) | Q(stem__trigram_similar=stemmed)
        near |= Q(key=RELATED_MARK + folded) | Q(stem=RELATED_MARK + stemmed)
        for word in stemmed.split():
            near |= Q(stem__contains=word)
        heads = contained_names(ident)
        if has_cjk(folded):  # no word boundaries: the wording within a name, or a name within it
            near |= Q(key__contains=folded) | Q(key__in=heads)
            near |= Q(key__in=[RELATED_MARK + head for head in heads])
        else:
            near |= Q(stem__in=heads) | Q(stem__in=[RELATED_MARK + head for head in heads])
    db = read_connection()  # the node the request reads (registry.replicas)
    with transaction.atomic(using=db.alias), db.cursor() as cursor:
        cursor.execute(
            "SET LOCAL pg_trgm.similarity_threshold = %s", [TRIGRAM_SIMILARITY_THRESHOLD]
        )
        return list(keys.filter(near)[:CLOSE_KEYS_SCANNED])


def close_matches(ident: str, rows: Iterable[ProductSearchKey]) -> dict[int, tuple]:
    """Stage two for one identifier: product id -> (rank, reason). A related word of a product
    ranks first; a typo within `typo_limit` ranks by its distance; every stemmed word (in
    Chinese: the characters) found within a longer name ranks after; a recorded name found
    within a longer wording ranks last, the longest name first."""
    folded, stemmed = fold(ident), stem(ident)
    words = set(stemmed.split())
    limit = typo_limit(folded)
    cjk = has_cjk(folded)
    contained = {
        name: len(name.split()) if not cjk else len(name) for name in contained_names(ident)
    }
    found: dict[int, tuple] = {}
    for row in rows:
        best = _close_match(row, folded, stemmed, words, limit, cjk, contained)
        if best is not None and (row.product_id not in found or best < found[row.product_id]):
            found[row.product_id] = best
    return found


def _close_match(
    row: ProductSearchKey,
    folded: str,
    stemmed: str,
    words: set[str],
    limit: int,
    cjk: bool,
    contained: dict[str, int],
) -> tuple | None:
    key, key_stem = row.key, row.stem
    if key.startswith(RELATED_MARK):
        key, key_stem = key[len(RELATED_MARK) :], key_stem[len(RELATED_MARK) :]
        slips = min(distance(folded, key, limit), distance(stemmed, key_stem, limit))
        if slips <= limit or (words and words <= set(key_stem.split())):
            return (-1, MatchReason.RELATED)
        size = contained.get(key if cjk else key_stem)  # the head of a longer wording
        return (limit + 2 - size / 100, MatchReason.CONTAINS) if size else None
    if limit:
        slips = min(distance(folded, key, limit), distance(stemmed, key_stem, limit))
        if slips <= limit:
            return (slips, MatchReason.TYPO)
    if words and (words <= set(key_stem.split()) or (cjk and folded in key)):
        return (limit + 1, MatchReason.WORDS)
    size = contained.get(key if cjk else key_stem)
    if size:
        return (limit + 2 - size / 100, MatchReason.CONTAINS)
    return None


# Close matches of these kinds keep only the best-ranked products: the one product a typo or a
# related word fits best, the longest recorded name found within a wording.
_BEST_ONLY = {MatchReason.TYPO, MatchReason.RELATED, MatchReason.CONTAINS}


def rank_close(
    ident: str, found: dict[int, tuple], products: dict[int, Product]
) -> ProductResolution:
    ranked = sorted(found, key=lambda pk: (found[pk][0], products[pk].name_en, products[pk].slug))
    chosen = [products[pk] for pk in ranked[:MAX_CANDIDATES]]
    if chosen and found[ranked[0]][1] in _BEST_ONLY:
        top = found[ranked[0]][0]
        chosen = [p for p in chosen if found[p.pk][0] == top]
    return ProductResolution(ident, chosen, {p.slug: found[p.pk][1] for p in chosen}, exact=False)
