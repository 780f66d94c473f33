"""Reporting periods the dashboard offers: months ("2025-07"), quarters ("2025-Q3")
and years ("2025", the span of the annual SIPAS report), as local dates in
Asia/Ho_Chi_Minh (UTC+7), like scoring's API."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from thuocdo_shared.periods import month_span, quarter_of, quarter_span

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


# Years the dashboard accepts in a period: wide around the data (which starts in
# 2025), narrow enough that the previous period and the trend window (up to eight
# quarters back) are real dates.
MIN_YEAR = 2000
MAX_YEAR = 2100


class BadPeriod(ValueError):
    """The text is not a month ``YYYY-MM``, a quarter ``YYYY-Qn`` or a year ``YYYY``
    in ``MIN_YEAR``–``MAX_YEAR``; ``.text`` is what was given."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


@dataclass(frozen=True)
class Period:
    """A month, quarter or year; ``start`` and ``end`` are inclusive local dates."""

    label: str
    kind: str  # "month" | "quarter" | "year"
    start: dt.date
    end: dt.date


def month(year: int, m: int) -> Period:
    return Period(f"{year:04d}-{m:02d}", "month", *month_span(year, m))


def quarter(year: int, q: int) -> Period:
    return Period(f"{year:04d}-Q{q}", "quarter", *quarter_span(year, q))


def year(y: int) -> Period:
    return Period(f"{y:04d}", "year", dt.date(y, 1, 1), dt.date(y, 12, 31))


def parse(label: str) -> Period:
    """``"2025-07"`` → July 2025; ``"2025-Q3"`` → July–September 2025; ``"2025"`` →
    the year 2025. Raises :class:`BadPeriod` for anything else, including years
    outside 2000–2100."""
    text = label.strip().upper()
    found = _MONTH.match(text) or _QUARTER.match(text) or _YEAR.match(text)
    if found is None or not MIN_YEAR <= int(found[1]) <= MAX_YEAR:
        raise BadPeriod(label)
    try:
        if found.re is _YEAR:
            period = year(int(found[1]))
        else:
            make = quarter if found.re is _QUARTER else month
            period = make(int(found[1]), int(found[2]))
        trend_window(period)  # the earliest date the pages will ask for must exist
    except (ValueError, OverflowError):
        raise BadPeriod(label) from None
    return period


def containing(day: dt.date, kind: str) -> Period:
    """The month, quarter or year that contains ``day``."""
    if kind == "year":
        return year(day.year)
    if kind == "quarter":
        return quarter(day.year, quarter_of(day))
    return month(day.year, day.month)


def previous(period: Period) -> Period:
    """The period of the same kind just before ``period``."""
    return containing(period.start - dt.timedelta(days=1), period.kind)


def year_before(period: Period) -> Period:
    """The same month, quarter or year one year earlier."""
    return containing(year_back(period.start), period.kind)


def year_back(day: dt.date) -> dt.date:
    """The same date a year before (29 February: the 28th)."""
    if (day.month, day.day) == (2, 29):
        return dt.date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


def same_days_a_year_before(period: Period, today: dt.date) -> tuple[dt.date, dt.date]:
    """The days to compare ``period`` with a year before: the whole period of a year
    before, or for a period still under way on ``today`` its days up to today's date a
    year before (November 2026 on the 28th: 1–28 November 2025)."""
    ago = year_before(period)
    if period.start <= today <= period.end:
        return ago.start, min(ago.end, year_back(today))
    return ago.start, ago.end


def recent(day: dt.date, kind: str, count: int) -> list[Period]:
    """The ``count`` periods of ``kind`` ending with the one containing ``day``,
    newest first (for the period picker)."""
    out = [containing(day, kind)]
    while len(out) < count:
        out.append(previous(out[-1]))
    return out


def trend_window(period: Period) -> tuple[dt.date, dt.date, str]:
    """(from, to, granularity) for the trend chart ending with ``period``: twelve
    months by month, eight quarters by quarter, or a year and the one before it by
    quarter."""
    if period.kind == "year":
        return dt.date(period.start.year - 1, 1, 1), period.end, "quarter"
    back = 11 if period.kind == "month" else 7
    first = period
    for _ in range(back):
        first = previous(first)
    return first.start, period.end, period.kind
