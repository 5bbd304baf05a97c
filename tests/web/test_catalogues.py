"""The committed zh_Hans and ru catalogues: all messages translated, .mo compiled from .po."""

import gettext
import json
import re
from pathlib import Path

import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"


def po_entries(path: Path) -> list[dict]:
    """msgid/msgstr pairs of a .po file (header and obsolete entries left out)."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        text = "\n".join(lines)
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', text, flags=re.M)
        if not msgid:
            continue
        ident = _joined(msgid.group(1))
        if not ident:
            continue
        strings = re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', text, flags=re.M)
        values = [_joined(s) for s in strings]
        entries.append({"msgid": ident, "msgstr": values, "fuzzy": "#, fuzzy" in block})
    return entries


def _joined(quoted: str) -> str:
    """The text of consecutive PO string literals ("a" "b"), escapes decoded."""
    return "".join(json.loads(f'"{part}"') for part in re.findall(r'"(.*)"', quoted))


@pytest.mark.parametrize("language", ["zh_Hans", "ru"])
def test_every_message_is_translated(language):
    entries = po_entries(LOCALE / language / "LC_MESSAGES" / "django.po")
    assert len(entries) > 500
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"]) or e["fuzzy"]]
    assert untranslated == []


@pytest.mark.parametrize("language", ["zh_Hans", "ru"])
def test_compiled_catalogue_matches_the_po_file(language):
    folder = LOCALE / language / "LC_MESSAGES"
    with open(folder / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    entries = po_entries(folder / "django.po")
    missing = [e["msgid"] for e in entries if e["msgid"] not in _compiled_ids(compiled)]
    assert missing == []


def _compiled_ids(catalogue: gettext.GNUTranslations) -> set[str]:
    ids = set()
    for key in catalogue._catalog:  # noqa: SLF001 - the stdlib exposes no public listing
        ident = key[0] if isinstance(key, tuple) else key
        ids.add(ident.rpartition("\x04")[2])  # a message with a context is "context\x04msgid"
    return ids
