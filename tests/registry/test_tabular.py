"""Reading an uploaded list within bounds: every limit is met while the file streams and named
when passed; a declared dimension is not trusted; bad encodings and formulas with no saved value
are refused with what and where."""

from __future__ import annotations

import io
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook

from registry.errors import DomainError
from registry.tabular import Limits, read_table


def _xlsx(fill) -> bytes:
    book = Workbook()
    fill(book.active)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _refused(file_name: str, content: bytes, limits: Limits | None = None) -> DomainError:
    with pytest.raises(DomainError) as err:
        read_table(file_name=file_name, content=content, limits=limits or Limits())
    return err.value


def test_a_workbook_declaring_every_cell_is_refused_at_the_row_past_the_limit():
    """The probe's 1.6 KB file: dimension A1:XFD1048576, rows 1, 2 and 1,048,576. Reading it
    padded every missing row at full width (about 137 GB); now the row is refused where it
    appears, with nothing padded."""

    def fill(sheet):
        sheet.append(["product", "country"])
        sheet.append(["maize", "KZ"])
        sheet.cell(row=1_048_576, column=16_384, value="x")

    content = _xlsx(fill)
    assert len(content) < 10_000
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        assert b'ref="A1:XFD1048576"' in book.read("xl/worksheets/sheet1.xml")
    tracemalloc.start()
    try:
        err = _refused("bomb.xlsx", content)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert err.code == "too_many_rows"
    assert "50,000" in err.message and "1,048,576" in err.message
    assert peak < 20 * 1024 * 1024  # what reading it held at most


def test_a_cell_past_the_column_limit_is_refused_with_its_address():
    def fill(sheet):
        sheet.append(["product", "country"])
        sheet.cell(row=2, column=16_384, value="x")

    err = _refused("wide.xlsx", _xlsx(fill))
    assert err.code == "too_many_columns"
    assert "60" in err.message and "XFD2" in err.message


@pytest.mark.parametrize(
    ("limits", "code", "named"),
    [
        (Limits(max_rows=3), "too_many_rows", "3"),
        (Limits(max_columns=2), "too_many_columns", "2"),
        (Limits(max_cells=10), "too_many_cells", "10"),
        (Limits(max_cell_chars=5), "cell_too_long", "5"),
        (Limits(max_bytes=50), "too_large", "MB"),
    ],
)
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_each_limit_is_refused_by_name(limits, code, named, kind):
    rows = [["product", "country", "status"]] + [["maize-long", "KZ", "in_force"]] * 5
    if kind == "csv":
        content = "\n".join(",".join(r) for r in rows).encode()
    else:
        content = _xlsx(lambda sheet: [sheet.append(r) for r in rows])
        if code == "too_large":
            limits = Limits(max_bytes=len(content) - 1)
    err = _refused(f"list.{kind}", content, limits)
    assert err.code == code
    assert named in err.message


def test_a_file_within_the_limits_reads_with_its_row_numbers():
    content = b"product,country\nmaize,KZ\n,\nwheat,KZ\n"
    rows = read_table(file_name="list.csv", content=content, limits=Limits(max_rows=3))
    assert rows == [{"product": "maize", "country": "KZ"}, {"product": "wheat", "country": "KZ"}]
    assert [row.number for row in rows] == [2, 4]  # the blank row 3 is counted, not read


def test_a_zip_bomb_is_refused_before_it_is_inflated():
    def fill(sheet):
        sheet.append(["product"])
        sheet.append(["maize"])

    source = zipfile.ZipFile(io.BytesIO(_xlsx(fill)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        for info in source.infolist():
            book.writestr(info, source.read(info))
        book.writestr("xl/padding.xml", b" " * (8 * 1024 * 1024))  # 8 MB in a few KB
    assert len(out.getvalue()) < 100_000
    err = _refused("bomb.xlsx", out.getvalue(), Limits(max_unpacked_bytes=4 * 1024 * 1024))
    assert err.code == "too_large_unpacked"
    assert "4 MB" in err.message


def test_reading_stops_at_the_time_limit():
    content = ("product,country\n" + "maize,KZ\n" * 5_000).encode()
    err = _refused("list.csv", content, Limits(max_seconds=0))
    assert err.code == "too_slow"
    assert "0 seconds" in err.message


def test_a_utf16_file_without_bom_is_refused_naming_the_encoding():
    content = "product,country\nmaize,KZ\n".encode("utf-16-le")
    err = _refused("list.csv", content)
    assert err.code == "not_utf8"
    assert "NUL" in err.message and "UTF-8" in err.message


def test_a_latin1_file_is_refused_with_its_line():
    content = "product,country\nmaize,KZ\nlégumes,KZ\n".encode("latin-1")
    err = _refused("list.csv", content)
    assert err.code == "not_utf8"
    assert "line 3" in err.message and "0xE9" in err.message


def test_a_formula_with_no_saved_value_is_refused_with_its_address():
    """openpyxl (like any program that does not calculate) saves a formula with no value; it read
    as blank, proposing to wipe the field."""

    def fill(sheet):
        sheet.append(["product", "country", "treatment"])
        sheet.append(["maize", "KZ", "=UPPER(A2)"])

    err = _refused("list.xlsx", _xlsx(fill))
    assert err.code == "formula_without_value"
    assert "C2" in err.message


def _sheet_xml(cells: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{cells}</sheetData></worksheet>"
    ).encode()


def _with_sheet(sheet_xml: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(_xlsx(lambda sheet: sheet.append(["x"]))))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as book:
        for info in source.infolist():
            data = sheet_xml if info.filename == "xl/worksheets/sheet1.xml" else source.read(info)
            book.writestr(info, data)
    return out.getvalue()


def test_a_formula_with_its_saved_value_reads_the_value_and_errors_are_refused():
    header = '<row r="1"><c r="A1" t="inlineStr"><is><t>product</t></is></c></row>'
    saved = '<row r="2"><c r="A2" t="str"><f>LOWER("MAIZE")</f><v>maize</v></c></row>'
    rows = read_table(file_name="l.xlsx", content=_with_sheet(_sheet_xml(header + saved)))
    assert rows == [{"product": "maize"}]
    error = '<row r="2"><c r="A2" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>'
    err = _refused("l.xlsx", _with_sheet(_sheet_xml(header + error)))
    assert err.code == "error_value" and "A2" in err.message


def test_entities_in_a_sheet_are_refused():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    err = _refused("l.xlsx", _with_sheet(bomb))
    assert err.code == "unreadable_file"


def test_dates_and_numbers_read_as_text():
    import datetime as dt

    def fill(sheet):
        sheet.append(["valid_from", "hs", "share"])
        sheet.append([dt.date(2023, 5, 18), 100590, 1.5])

    rows = read_table(file_name="l.xlsx", content=_xlsx(fill))
    assert rows == [{"valid_from": "2023-05-18", "hs": "100590", "share": "1.5"}]
