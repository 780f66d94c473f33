"""Excel downloads: numbers stay numbers, texts stay texts (never formulas)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from thuocdo_dashboard.csv_export import Cell
from thuocdo_dashboard.csv_export import encode as csv_encode
from thuocdo_dashboard.xlsx_export import encode, sheet_name

pytestmark = pytest.mark.unit


def test_numbers_are_numbers_and_texts_never_formulas() -> None:
    header = ["Xã, phường", "Số phiếu", "Chỉ số (%)", "Góp ý"]
    rows: list[list[Cell]] = [
        ["Xã Kha Sơn", 40, 45.0, '=HYPERLINK("http://x","bấm")'],
        ["Xã Điềm Thụy", 12, 75.25, "dòng một\nhai\x07ba"],
        ["Xã Tân Khánh", None, None, "+84 912 345 678"],
    ]
    book = load_workbook(io.BytesIO(encode("Xếp hạng [các xã]: 11/2026", header, rows)))
    sheet = book.active
    assert sheet is not None and sheet.title == "Xếp hạng  các xã   11 2026"
    assert [c.value for c in sheet[1]] == header and all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    kha_son = [c for c in sheet[2]]
    assert (kha_son[1].value, kha_son[1].data_type) == (40, "n")
    assert (kha_son[2].value, kha_son[2].number_format) == (45.0, "0.0")
    assert kha_son[3].data_type == "s" and kha_son[3].value.startswith("=HYPERLINK")
    assert sheet["D3"].value == "dòng một\nhaiba"  # a control character dropped
    assert sheet["C3"].value == 75.25
    assert sheet["B4"].value is None and sheet["D4"].data_type == "s"


def test_sheet_names_fit_excel() -> None:
    assert sheet_name("a/b\\c?d*e") == "a b c d e"
    assert len(sheet_name("x" * 40)) == 31
    assert sheet_name("[]") == "Sheet"


def test_a_moment_is_a_date_and_time_in_vietnam() -> None:
    at = dt.datetime(2026, 11, 26, 23, 40, tzinfo=dt.UTC)  # 06:40 on the 27th in Vietnam
    book = load_workbook(io.BytesIO(encode("Góp ý", ["Thời gian", "Góp ý"], [[at, "chờ lâu"]])))
    sheet = book.active
    assert sheet is not None
    assert sheet["A2"].value == dt.datetime(2026, 11, 27, 6, 40)  # a date, sortable
    assert sheet["A2"].number_format == "dd/mm/yyyy hh:mm"
    # and the CSV of the same row shows it as the page does
    assert csv_encode(["t"], [[at]]).decode("utf-8-sig").splitlines()[1] == "06:40 27/11/2026"
