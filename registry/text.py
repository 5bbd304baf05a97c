"""How the resolver compares words: one normal form for every script, Snowball stems for English
and Russian, and a typo distance. Pure functions, used by the stored search keys
(registry.services.product_search_keys_refresh) and by the resolver (registry.selectors.resolver),
so the key stored and the key asked are made the same way on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer  # type: ignore[import-untyped]

_PUNCT = re.compile(r"[\s\-_/,;:.()\[\]\"'«»“”‘’!?·、，（）~]+")
# Marks a stored key that is a related word of a product, not a name of it: `fold` strips the
# mark from whatever is asked, so no identifier ever equals such a key exactly.
RELATED_MARK = "~"
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-z]")
_ENGLISH = snowballstemmer.stemmer("english")
_RUSSIAN = snowballstemmer.stemmer("russian")


def fold(text: str) -> str:
    """The comparison form: NFKC, case-folded in every script (Python's casefold, not the
    database's, which folds only Latin letters on SQLite), ё as е, punctuation as one space."""
    folded = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    return " ".join(_PUNCT.sub(" ", folded).split())


@lru_cache(maxsize=4096)
def _stem_word(word: str) -> str:
    if _CYRILLIC.search(word):
        return _RUSSIAN.stemWord(word)
    if _LATIN.search(word):
        return _ENGLISH.stemWord(word)
    return word  # Chinese has no inflection to strip


def stem(text: str) -> str:
    """The folded text with every English and Russian word reduced to its Snowball stem, so
    singular and plural meet ("peaches" and "peach" -> "peach"; "дыни" and "дыня" -> "дын")."""
    return stem_folded(fold(text))


def stem_folded(folded: str) -> str:
    """`stem` of a text already folded (`fold`), for a caller that needs both."""
    return " ".join(_stem_word(word) for word in folded.split())


def name_variants(name: str) -> list[str]:
    """A display name as a whole and without its parenthesis: "Maize (corn)" -> "maize corn" and
    "maize". (A parenthesis is a qualifier as often as a synonym, "Beef (frozen)", so it is not
    a name of its own; synonyms are aliases.)"""
    variants = [name, re.sub(r"\([^)]*\)", " ", name)]
    return [v for v in dict.fromkeys(fold(v) for v in variants) if v]


def distance(a: str, b: str, limit: int) -> int:
    """The optimal-string-alignment distance (an insertion, deletion, substitution or swap of
    neighbours each counts one), or limit + 1 once it is surely above `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def typo_limit(text: str) -> int:
    """How many slips a word of this length may carry and still be recognised: none below four
    letters (too many short names sit one letter apart), one up to seven, two from eight."""
    n = len(text)
    return 0 if n < 4 else 1 if n < 8 else 2


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# How a fresh product's name is turned into its dried form's in each script ("apricot" ->
# "dried apricot", "абрикос" -> "сушёный абрикос", "杏" -> "杏干"): a word naming the fresh
# product names the dried one too, so the resolver offers both (issue 24).
_DRIED = {"latin": "dried", "cyrillic": "сушёный", "cjk": "干"}


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def dried_forms(text: str) -> list[str]:
    """The wordings of the dried form of what `text` names, in its own script."""
    if has_cjk(text):
        return [text + _DRIED["cjk"], _DRIED["cjk"] + text]
    word = _DRIED["cyrillic"] if _CYRILLIC.search(text) else _DRIED["latin"]
    return [f"{word} {text}", f"{text} {word}"]


def contained_names(text: str) -> list[str]:
    """The parts of a wording a recorded name may be: its head, the run of words it ends with
    ("red kidney beans" holds "kidney bean"; "honey bee" does not hold "honey"), in Russian also
    the run it starts with ("фасоль красная"); in Chinese the characters it ends with (two at
    least: "红芸豆" holds "芸豆"). Longest first, the wording itself left out."""
    if has_cjk(text):
        folded = fold(text).replace(" ", "")
        return [folded[i:] for i in range(1, len(folded) - 1)]
    words = stem(text).split()
    runs = [" ".join(words[i:]) for i in range(1, len(words))]
    if _CYRILLIC.search(text):
        runs += [" ".join(words[:j]) for j in range(len(words) - 1, 0, -1)]
    return sorted(dict.fromkeys(runs), key=lambda run: (-len(run.split()), run))
