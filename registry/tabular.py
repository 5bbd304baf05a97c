"""Reading an uploaded list (CSV or XLSX) within fixed bounds, before anything is held in memory.

A list comes from outside: its size, its rows, its columns, its cells and the time spent reading
it are bounded (`Limits`, from settings), and each bound is checked while the file streams, so a
file past one is refused with a message naming the limit, never read whole first. A workbook's
declared dimension is not trusted (a 1.6 KB file may declare A1:XFD1048576): rows and cells are
counted as the sheet's XML streams by, and a row or a column past the limit is refused where it
appears. The unpacked size of every part of the workbook is bounded too, so a zip bomb is refused
before it is inflated; the XML is read with defusedxml (no entity expansion, no external entity),
the library openpyxl itself uses when it is installed.

CSV is UTF-8 (a BOM is allowed); a NUL byte or another encoding is refused with what to do, never
passed on to the database. An XLSX cell holding a formula with no saved value, or an error value,
is refused with its address: reading it as blank would propose wiping the field.

The rows come back as `Row` dictionaries keyed by the header row's names (lower-cased), each with
its row number as a spreadsheet shows it (the header is row 1); blank rows are skipped but counted.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.cell import get_column_letter
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from registry.errors import DomainError

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
MAX_PARTS = 1_000  # a workbook of one sheet has about ten


@dataclass(frozen=True)
class Limits:
    """The bounds of one uploaded list (settings REGISTRY_IMPORT_MAX_*)."""

    max_bytes: int = 20 * 1024 * 1024
    max_rows: int = 50_000  # rows below the header
    max_columns: int = 60
    max_cells: int = 1_000_000
    max_cell_chars: int = 20_000
    max_unpacked_bytes: int = 100 * 1024 * 1024  # XLSX: every part of the workbook, unzipped
    max_seconds: float = 60.0

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            max_bytes=settings.REGISTRY_IMPORT_MAX_BYTES,
            max_rows=settings.REGISTRY_IMPORT_MAX_ROWS,
            max_columns=settings.REGISTRY_IMPORT_MAX_COLUMNS,
            max_cells=settings.REGISTRY_IMPORT_MAX_CELLS,
            max_cell_chars=settings.REGISTRY_IMPORT_MAX_CELL_CHARS,
            max_unpacked_bytes=settings.REGISTRY_IMPORT_MAX_UNPACKED_BYTES,
            max_seconds=settings.REGISTRY_IMPORT_MAX_SECONDS,
        )

    def as_words(self) -> dict[str, str]:
        """The limits as the import page states them."""
        return {
            "bytes": _megabytes(self.max_bytes),
            "rows": f"{self.max_rows:,}",
            "columns": f"{self.max_columns:,}",
            "cells": f"{self.max_cells:,}",
            "cell_chars": f"{self.max_cell_chars:,}",
            "seconds": f"{self.max_seconds:g}",
        }


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


class Row(dict[str, str]):
    """One row of a list, keyed by the header's names; `number` is its row in the file."""

    number: int = 0


def refuse(code: str, message: str, **extra: Any) -> DomainError:
    return DomainError(code, message, {"limit": code, **extra})


class _Budget:
    """Counts rows, cells and seconds while a file streams; refuses past a limit."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.cells = 0
        self.deadline = time.monotonic() + limits.max_seconds
        self._ticks = 0

    def row(self, number: int) -> None:
        if number > self.limits.max_rows + 1:  # the header is row 1
            raise refuse(
                "too_many_rows",
                _("The file has more rows than the limit of %(limit)s (row %(row)s).")
                % {"limit": f"{self.limits.max_rows:,}", "row": f"{number:,}"},
                row=number,
            )
        self.tick()

    def cell(self, row: int, column: int) -> None:
        if column > self.limits.max_columns:
            raise refuse(
                "too_many_columns",
                _("The file has more columns than the limit of %(limit)s (cell %(cell)s).")
                % {
                    "limit": f"{self.limits.max_columns:,}",
                    "cell": f"{get_column_letter(min(column, 18278))}{row}",
                },
                row=row,
            )
        self.cells += 1
        if self.cells > self.limits.max_cells:
            raise refuse(
                "too_many_cells",
                _("The file has more cells than the limit of %(limit)s (row %(row)s).")
                % {"limit": f"{self.limits.max_cells:,}", "row": f"{row:,}"},
                row=row,
            )
        self.tick()

    def text(self, text: str, where: str) -> str:
        if len(text) > self.limits.max_cell_chars:
            raise refuse(
                "cell_too_long",
                _("Cell %(cell)s is longer than the limit of %(limit)s characters.")
                % {"cell": where, "limit": f"{self.limits.max_cell_chars:,}"},
            )
        if "\x00" in text:
            raise refuse("nul_byte", _("Cell %(cell)s holds a NUL character.") % {"cell": where})
        return text

    def tick(self) -> None:
        self._ticks += 1
        if self._ticks % 256 == 0 and time.monotonic() > self.deadline:
            raise refuse(
                "too_slow",
                _("Reading the file took longer than the limit of %(limit)s seconds.")
                % {"limit": f"{self.limits.max_seconds:g}"},
            )


def read_table(*, file_name: str, content: bytes, limits: Limits | None = None) -> list[Row]:
    """The rows of a CSV (UTF-8, with or without BOM) or XLSX file, keyed by the header row."""
    limits = limits or Limits.from_settings()
    if len(content) > limits.max_bytes:
        raise refuse(
            "too_large",
            _("The file is larger than the limit of %(limit)s.")
            % {"limit": _megabytes(limits.max_bytes)},
        )
    budget = _Budget(limits)
    lowered = file_name.lower()
    if lowered.endswith(".xlsx"):
        raw = _xlsx_rows(content, budget)
    elif lowered.endswith(".csv"):
        raw = _csv_rows(content, budget)
    else:
        raise DomainError("unsupported_file", _("Give a .csv or .xlsx file."))
    header: list[str] | None = None
    rows: list[Row] = []
    for number, cells in raw:
        if header is None:
            header = [cell.strip().lower() for cell in cells]
            continue
        if not any(cell.strip() for cell in cells):
            continue
        row = Row({name: cell.strip() for name, cell in zip(header, cells, strict=False) if name})
        row.number = number
        rows.append(row)
    if header is None:
        raise DomainError("empty_file", _("The file is empty."))
    return rows


# --- CSV ------------------------------------------------------------------------------------------


def _csv_text(content: bytes) -> str:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in content:
        raise refuse(
            "not_utf8",
            _(
                "The file holds NUL bytes, so it is not UTF-8 text (perhaps UTF-16). "
                "Save it as “CSV UTF-8” and upload it again."
            ),
        )
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise refuse(
            "not_utf8",
            _(
                "The CSV file is not UTF-8 text (line %(line)s, byte %(byte)s). "
                "Save it as “CSV UTF-8” and upload it again."
            )
            % {"line": line, "byte": f"0x{content[exc.start]:02X}"},
            line=line,
        ) from exc


def _csv_rows(content: bytes, budget: _Budget) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(_csv_text(content), newline=""))
    number = 0
    try:
        for cells in reader:
            number += 1
            budget.row(number)
            for column, cell in enumerate(cells, start=1):
                budget.cell(number, column)
                budget.text(cell, f"{get_column_letter(min(column, 18278))}{number}")
            yield number, cells
    except csv.Error as exc:  # e.g. a field past csv's own limit of 131,072 characters
        raise refuse(
            "unreadable_file",
            _("The CSV file cannot be read at line %(line)s: %(error)s")
            % {"line": reader.line_num, "error": exc},
        ) from exc


# --- XLSX -----------------------------------------------------------------------------------------


def _xlsx_unreadable() -> DomainError:
    return DomainError("unreadable_file", _("The file is not a readable XLSX."))


def _open_workbook(content: bytes, limits: Limits) -> zipfile.ZipFile:
    try:
        book = zipfile.ZipFile(io.BytesIO(content))
        parts = book.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _xlsx_unreadable() from exc
    # zipfile never inflates a part past its declared size, so the declared sizes bound the work.
    unpacked = sum(part.file_size for part in parts)
    if len(parts) > MAX_PARTS or unpacked > limits.max_unpacked_bytes:
        raise refuse(
            "too_large_unpacked",
            _("The workbook unpacks to more than the limit of %(limit)s.")
            % {"limit": _megabytes(limits.max_unpacked_bytes)},
        )
    return book


def _parse(book: zipfile.ZipFile, name: str, budget: _Budget) -> Iterator[tuple[str, Any]]:
    try:
        with book.open(name) as source:
            for event, element in iterparse(source, events=("start", "end")):
                budget.tick()
                yield event, element
    except KeyError as exc:
        raise _xlsx_unreadable() from exc
    except (ParseError, DefusedXmlException, zipfile.BadZipFile, OSError, EOFError) as exc:
        raise _xlsx_unreadable() from exc
    except ValueError as exc:
        raise _xlsx_unreadable() from exc


def _relations(book: zipfile.ZipFile, name: str, budget: _Budget) -> dict[str, tuple[str, str]]:
    """{id: (type, target path)} of a part's relationships."""
    folder = name.rsplit("/", 1)[0]
    rels_name = f"{folder}/_rels/{name.rsplit('/', 1)[1]}.rels"
    if rels_name not in book.namelist():
        return {}
    found = {}
    for event, element in _parse(book, rels_name, budget):
        if event == "end" and element.tag == f"{PKG_REL_NS}Relationship":
            target = element.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else f"{folder}/{target}"
            found[element.get("Id", "")] = (element.get("Type", ""), path)
    return found


@dataclass
class _Book:
    sheet: str
    shared: list[str]
    date_styles: set[int]
    epoch: dt.datetime


def _workbook(book: zipfile.ZipFile, budget: _Budget) -> _Book:
    """The active sheet's part, the shared strings, the styles that show dates, the epoch."""
    names = set(book.namelist())
    if "xl/workbook.xml" not in names:
        raise _xlsx_unreadable()
    rels = _relations(book, "xl/workbook.xml", budget)
    sheets: list[str] = []
    active = 0
    epoch = CALENDAR_WINDOWS_1900
    for event, element in _parse(book, "xl/workbook.xml", budget):
        if event != "end":
            continue
        if element.tag == f"{NS}sheet":
            sheets.append(element.get(f"{REL_NS}id", ""))
        elif element.tag == f"{NS}workbookView":
            active = int(element.get("activeTab", "0") or 0)
        elif element.tag == f"{NS}workbookPr" and element.get("date1904") in ("1", "true"):
            epoch = CALENDAR_MAC_1904
    if not sheets:
        raise _xlsx_unreadable()
    sheet_id = sheets[active] if 0 <= active < len(sheets) else sheets[0]
    sheet = rels.get(sheet_id, ("", ""))[1]
    if sheet not in names:
        raise _xlsx_unreadable()
    by_type = {kind.rsplit("/", 1)[-1]: path for kind, path in rels.values()}
    shared = _shared_strings(book, by_type.get("sharedStrings"), budget)
    styles = _date_styles(book, by_type.get("styles"), budget)
    return _Book(sheet=sheet, shared=shared, date_styles=styles, epoch=epoch)


def _shared_strings(book: zipfile.ZipFile, name: str | None, budget: _Budget) -> list[str]:
    if not name or name not in book.namelist():
        return []
    found: list[str] = []
    parts: list[str] = []
    skip = 0  # inside a phonetic run (rPh), whose text is not the cell's
    for event, element in _parse(book, name, budget):
        tag = element.tag
        if tag == f"{NS}rPh":
            skip += 1 if event == "start" else -1
        elif event == "end" and tag == f"{NS}t" and not skip:
            parts.append(element.text or "")
        elif event == "end" and tag == f"{NS}si":
            found.append(_unescape("".join(parts)))
            parts = []
            element.clear()
            if len(found) > budget.limits.max_cells:
                raise refuse(
                    "too_many_cells",
                    _("The file has more cells than the limit of %(limit)s.")
                    % {"limit": f"{budget.limits.max_cells:,}"},
                )
    return found


def _date_styles(book: zipfile.ZipFile, name: str | None, budget: _Budget) -> set[int]:
    """The indexes of the cell styles whose number format shows a date."""
    if not name or name not in book.namelist():
        return set()
    formats: dict[int, str] = dict(BUILTIN_FORMATS)
    styles: list[int] = []
    in_xfs = False
    for event, element in _parse(book, name, budget):
        tag = element.tag
        if tag == f"{NS}cellXfs":
            in_xfs = event == "start"
        elif event == "end" and tag == f"{NS}numFmt":
            formats[int(element.get("numFmtId", "0"))] = element.get("formatCode", "")
        elif event == "end" and tag == f"{NS}xf" and in_xfs:
            styles.append(int(element.get("numFmtId", "0") or 0))
    return {index for index, fmt in enumerate(styles) if is_date_format(formats.get(fmt, ""))}


def _unescape(text: str) -> str:
    """Excel's `_xHHHH_` escapes of characters XML cannot hold."""
    if "_x" not in text:
        return text
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


def _column(reference: str) -> int:
    number = 0
    for char in reference:
        if not char.isalpha():
            break
        number = number * 26 + ord(char.upper()) - 64
    return number


def _xlsx_rows(content: bytes, budget: _Budget) -> Iterator[tuple[int, list[str]]]:
    book = _open_workbook(content, budget.limits)
    with book:
        meta = _workbook(book, budget)
        number = 0
        column = 0
        cells: dict[int, str] = {}
        for event, element in _parse(book, meta.sheet, budget):
            tag = element.tag
            if event == "start":
                if tag == f"{NS}row":
                    number = int(element.get("r") or number + 1)
                    budget.row(number)
                    column, cells = 0, {}
                elif tag == f"{NS}c":
                    reference = element.get("r") or ""
                    column = _column(reference) if reference else column + 1
                    budget.cell(number, column)
                continue
            if tag == f"{NS}c":
                cells[column] = _cell_value(element, meta, budget, number, column)
                element.clear()
            elif tag == f"{NS}row":
                element.clear()
                yield number, [cells.get(c, "") for c in range(1, max(cells, default=0) + 1)]


def _cell_value(element: Any, meta: _Book, budget: _Budget, row: int, column: int) -> str:
    where = f"{get_column_letter(column)}{row}"
    kind = element.get("t", "n")
    value = element.find(f"{NS}v")
    text = None if value is None else value.text
    if element.find(f"{NS}f") is not None and not text and kind != "str":
        raise refuse(
            "formula_without_value",
            _(
                "Cell %(cell)s holds a formula with no saved value. Open the file in a "
                "spreadsheet program and save it (or paste the values), then upload it again."
            )
            % {"cell": where},
            cell=where,
        )
    if kind == "inlineStr":
        inline = element.find(f"{NS}is")
        parts = [] if inline is None else [t.text or "" for t in inline.iter(f"{NS}t")]
        return budget.text(_unescape("".join(parts)), where)
    if text is None or text == "":
        return ""
    if kind == "e":
        raise refuse(
            "error_value",
            _("Cell %(cell)s holds the error %(error)s, not a value.")
            % {"cell": where, "error": text},
            cell=where,
        )
    if kind == "s":
        try:
            return budget.text(meta.shared[int(text)], where)
        except (IndexError, ValueError) as exc:
            raise _xlsx_unreadable() from exc
    if kind == "b":
        return "True" if text.strip() in ("1", "true") else "False"
    if kind == "d":
        return text[:10]
    if kind == "n":
        return _number(text, int(element.get("s", "0") or 0), meta, where)
    return budget.text(_unescape(text), where)


def _number(text: str, style: int, meta: _Book, where: str) -> str:
    try:
        number = float(text) if any(c in text for c in ".eE") else int(text)
    except ValueError as exc:
        raise _xlsx_unreadable() from exc
    if style in meta.date_styles:
        try:
            day = from_excel(number, meta.epoch)
        except (OverflowError, ValueError) as exc:
            raise refuse(
                "bad_date", _("Cell %(cell)s is not a date.") % {"cell": where}, cell=where
            ) from exc
        return day.isoformat()[:10] if hasattr(day, "isoformat") else str(day)
    if isinstance(number, float) and number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return str(number)
