"""Excel downloads (.xlsx) of the same tables as the CSV files.

A CSV carries numbers as text with a decimal point: Excel set to Vietnamese (decimal
comma) reads "82.5" as text, or "1.000" as a thousand. In a workbook a number is a
number, shown with the reader's own decimal mark, and a moment is a date and time.
Every text cell is stored as text, never as a formula (comments are citizens' free
text).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Font
from thuocdo_shared.units import LOCAL_TZ

from .csv_export import Cell

# Characters the XML of a workbook cannot hold (openpyxl refuses them).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
MAX_WIDTH = 60  # characters; longer texts wrap in Excel's own way


def sheet_name(title: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of []:*?/\\."""
    name = _SHEET_NAME_BAD.sub(" ", title).strip() or "Sheet"
    return name[:31]


def encode(
    title: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    about: tuple[str, Sequence[tuple[str, str]]] | None = None,
) -> bytes:
    """The workbook as bytes: one sheet named after ``title``, a bold header row kept
    in view when scrolling, numbers as numbers, texts as texts. ``about`` (a sheet name
    and its label/value lines: the unit, the period, the field...) adds a second sheet
    saying what the table covers."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None  # a new workbook has its sheet
    ws.title = sheet_name(title)
    wb.properties.title = _ILLEGAL.sub("", title)
    widths = [len(str(h)) for h in header]
    ws.append([_ILLEGAL.sub("", str(h)) for h in header])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.data_type = "s"
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            if value is None:
                continue
            if isinstance(value, bool):
                cell.value = int(value)
            elif isinstance(value, dt.datetime):
                # A date and time Excel can sort and filter, in Vietnam's time (a
                # workbook has no time zones).
                cell.value = value.astimezone(LOCAL_TZ).replace(tzinfo=None)
                cell.number_format = "dd/mm/yyyy hh:mm"
                value = "dd/mm/yyyy hh:mm"  # its width
            elif isinstance(value, int | float):
                cell.value = value
                if isinstance(value, float):
                    cell.number_format = "0.0"
            else:
                cell.value = _ILLEGAL.sub("", str(value))
                cell.data_type = "s"  # "=SUM(...)" typed by a citizen stays text
            if c <= len(widths):
                widths[c - 1] = max(widths[c - 1], len(str(value)))
            else:
                widths.append(len(str(value)))
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = min(
            MAX_WIDTH, width + 2
        )
    ws.freeze_panes = "A2"
    if about is not None:
        _about_sheet(wb, *about)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _about_sheet(wb: Workbook, name: str, lines: Sequence[tuple[str, str]]) -> None:
    ws = wb.create_sheet(sheet_name(name))
    for label, value in lines:
        ws.append([_ILLEGAL.sub("", label), _ILLEGAL.sub("", value)])
    for row in ws.iter_rows():
        row[0].font = Font(bold=True)
        for cell in row:
            cell.data_type = "s"
    for col, width in (
        ("A", max((len(a) for a, _ in lines), default=0)),
        ("B", max((len(b) for _, b in lines), default=0)),
    ):
        ws.column_dimensions[col].width = min(MAX_WIDTH * 2, width + 2)
