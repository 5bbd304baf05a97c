"""A list's columns, declared once: the shape the registry reads and writes a list in.

Each list (the access list, regulations, establishment registrations) declares its columns here
in the app that owns the records (accessions.lists, regulations.lists): name, meaning and format
(translated), whether an import requires it, and an example. The import reads its columns from the
declaration, the API's serializer and its CSV/XLSX exports write them in the declared order, the
import page documents them in the page's language and offers a template in CSV and XLSX. A column
marked `kept` is written by the registry itself (an id, a timestamp, a reviewed public note): the
exports write it and an import reads past it, so an export re-imports as it is. A column that is
not `public` (internal notes, the basis of a legal fact) is in the seeds and read by the import,
never written by the public exports; an export leaves it out, so its re-import keeps it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

# A cell a spreadsheet would run as a formula is written with a leading apostrophe (the exports'
# `neutralise`) and read back without it (`restore`), so an export re-imports as it was.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Text that a spreadsheet would run as a formula, made inert (a leading apostrophe)."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def restore(text: str) -> str:
    """`neutralise` undone: the text as the registry holds it."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS) else text


# The formats a column may have, in words the import page shows.
TEXT = _("text")
DATE = _("date, YYYY-MM-DD")
CHOICE = _("one of: %(values)s")
CODES = _("codes separated by “;”")
YES_NO = _("true, false, or empty (not stated)")
TRUE_WORDS = ("true", "yes", "1")
FALSE_WORDS = ("false", "no", "0")


def yes_no(text: str) -> bool | None:
    """A YES_NO cell: True, False, or None (not stated)."""
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    if word in ("", "not_stated"):
        return None
    raise ValueError(_("not one of: true, false, empty"))


URL = _("web address (https://…)")


@dataclass(frozen=True)
class Column:
    name: str
    meaning: Promise | str
    format: Promise | str = TEXT
    example: str = ""
    required: bool = False
    kept: bool = False  # written by the registry; an import reads past it
    public: bool = True  # False: in the seeds and the import, never in the public exports
    choices: tuple[str, ...] = ()

    @property
    def format_text(self) -> str:
        if self.choices:
            return str(self.format) % {"values": ", ".join(self.choices)}
        return str(self.format)


@dataclass(frozen=True)
class ListFormat:
    kind: str
    title: Promise | str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # the columns that name a record

    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def public_names(self) -> list[str]:
        """The columns the public API and its exports write (in the declared order)."""
        return [c.name for c in self.columns if c.public]

    def imported(self) -> list[str]:
        return [c.name for c in self.columns if not c.kept]

    def kept(self) -> list[str]:
        return [c.name for c in self.columns if c.kept]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def rows_shown(self) -> Iterator[dict[str, Any]]:
        """The columns as the import page's table shows them (in the active language)."""
        for c in self.columns:
            yield {
                "name": c.name,
                "meaning": str(c.meaning),
                "format": c.format_text,
                "required": c.required,
                "kept": c.kept,
                "public": c.public,
                "example": c.example,
            }

    def as_markdown(self) -> str:
        """The columns as a Markdown table (docs/list-formats.md, linked from the README)."""
        lines = [
            f"## {str(self.title).capitalize()} (`{self.kind}`)",
            "",
            "| column | meaning | format | required | example |",
            "| --- | --- | --- | --- | --- |",
        ]
        for c in self.rows_shown():
            need = (
                "required" if c["required"] else "kept by the registry" if c["kept"] else "optional"
            )
            if not c["public"]:
                need += " (not in the public exports)"
            example = f"`{c['example']}`" if c["example"] else ""
            cells = [f"`{c['name']}`", c["meaning"], c["format"], need, example]
            lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
        return "\n".join(lines) + "\n"

    def template_csv(self) -> bytes:
        """A template: the header and one example row (UTF-8 with BOM, as spreadsheets want)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(self.names())
        writer.writerow([c.example for c in self.columns])
        return ("\ufeff" + out.getvalue()).encode()

    def template_xlsx(self) -> bytes:
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = self.kind
        sheet.append(self.names())
        sheet.append([c.example for c in self.columns])
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()
