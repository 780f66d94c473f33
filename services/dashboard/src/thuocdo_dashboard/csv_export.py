"""CSV downloads: UTF-8 with a byte-order mark so Excel shows Vietnamese correctly,
and cells that a spreadsheet would run as a formula neutralised (comments are
citizens' free text)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence

from .messages import local_time

BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# A moment (an aware datetime) is written as Vietnam's "HH:MM dd/mm/yyyy", as shown.
Cell = str | int | float | bool | dt.datetime | None


def _cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dt.datetime):
        return local_time(value)
    text = str(value)
    # OWASP "CSV injection": a leading quote makes Excel/LibreOffice show it as text.
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def encode(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """The CSV file as bytes: BOM, CRLF line ends, every field as text."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([_cell(h) for h in header])
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return (BOM + buf.getvalue()).encode("utf-8")
