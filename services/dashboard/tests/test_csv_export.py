"""CSV encoding: BOM, CRLF, Vietnamese intact, formulas neutralised."""

from __future__ import annotations

import csv
import io

import pytest
from thuocdo_dashboard.csv_export import encode

pytestmark = pytest.mark.unit


def test_bom_utf8_and_vietnamese() -> None:
    body = encode(["Xã, phường", "Chỉ số (%)"], [["Xã Kha Sơn", 82.5], ["Xã Điềm Thụy", None]])
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert text == '"Xã, phường",Chỉ số (%)\r\nXã Kha Sơn,82.5\r\nXã Điềm Thụy,\r\n'


def test_formula_cells_are_neutralised_but_numbers_are_not() -> None:
    body = encode(
        ["comment", "n"], [['=HYPERLINK("http://x","bấm")', -3], ["+1", 0], ["@SUM(A1)", 1]]
    )
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[1] == ['\'=HYPERLINK("http://x","bấm")', "-3"]
    assert rows[2][0] == "'+1"
    assert rows[3][0] == "'@SUM(A1)"


def test_quotes_and_newlines_round_trip() -> None:
    comment = 'Chờ "rất" lâu,\nphải quay lại'
    rows = list(csv.reader(io.StringIO(encode(["c"], [[comment]]).decode("utf-8-sig"))))
    assert rows[1] == [comment]
