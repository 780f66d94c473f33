"""Reporting periods the dashboard offers: months ("2025-07") and quarters
("2025-Q3"), as local dates in Asia/Ho_Chi_Minh (UTC+7), like scoring's API."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from thuocdo_shared.periods import month_span, quarter_of, quarter_span

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


# Years the dashboard accepts in a period: wide around the data (which starts in
# 2025), narrow enough that the previous period and the trend window (up to eight
# quarters back) are real dates.
MIN_YEAR = 2000
MAX_YEAR = 2100


class BadPeriod(ValueError):
    """The text is not a month ``YYYY-MM`` or a quarter ``YYYY-Qn`` with a year in
    ``MIN_YEAR``–``MAX_YEAR``; ``.text`` is what was given."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


@dataclass(frozen=True)
class Period:
    """A month or a quarter; ``start`` and ``end`` are inclusive local dates."""

    label: str
    kind: str  # "month" | "quarter"
    start: dt.date
    end: dt.date


def month(year: int, m: int) -> Period:
    return Period(f"{year:04d}-{m:02d}", "month", *month_span(year, m))


def quarter(year: int, q: int) -> Period:
    return Period(f"{year:04d}-Q{q}", "quarter", *quarter_span(year, q))


def parse(label: str) -> Period:
    """``"2025-07"`` → July 2025; ``"2025-Q3"`` → July–September 2025. Raises
    :class:`BadPeriod` for anything else, including years outside 2000–2100."""
    text = label.strip().upper()
    found = _MONTH.match(text) or _QUARTER.match(text)
    if found is None or not MIN_YEAR <= int(found[1]) <= MAX_YEAR:
        raise BadPeriod(label)
    try:
        make = quarter if found.re is _QUARTER else month
        period = make(int(found[1]), int(found[2]))
        trend_window(period)  # the earliest date the pages will ask for must exist
    except (ValueError, OverflowError):
        raise BadPeriod(label) from None
    return period


def containing(day: dt.date, kind: str) -> Period:
    """The month or quarter that contains ``day``."""
    if kind == "quarter":
        return quarter(day.year, quarter_of(day))
    return month(day.year, day.month)


def previous(period: Period) -> Period:
    """The period of the same kind just before ``period``."""
    return containing(period.start - dt.timedelta(days=1), period.kind)


def recent(day: dt.date, kind: str, count: int) -> list[Period]:
    """The ``count`` periods of ``kind`` ending with the one containing ``day``,
    newest first (for the period picker)."""
    out = [containing(day, kind)]
    while len(out) < count:
        out.append(previous(out[-1]))
    return out


def trend_window(period: Period) -> tuple[dt.date, dt.date, str]:
    """(from, to, granularity) for the trend chart ending with ``period``: twelve
    months by month, or eight quarters by quarter."""
    back = 11 if period.kind == "month" else 7
    first = period
    for _ in range(back):
        first = previous(first)
    return first.start, period.end, period.kind
