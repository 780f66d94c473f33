"""Reporting periods on local dates (Asia/Ho_Chi_Minh, UTC+7).

A period is an inclusive range of local dates with a label: ``2025`` (year),
``2025-Q3`` (quarter), ``2025-07`` (month), ``2025-W27`` (ISO week) or
``2025-07-14`` (day); ``from``/``to`` give a custom range labelled ``from..to``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

from thuocdo_shared.periods import month_span, quarter_of, quarter_span
from thuocdo_shared.units import local_today

GRANULARITIES = ("day", "week", "month", "quarter")
DEFAULT_DAYS = 30
# Years a period may name. Far beyond any survey, and far from date.max (9999-12-31):
# /trend?period=9999 once answered 500 when a bucket ran past the last date.
MIN_YEAR = 2000
MAX_YEAR = 2100


class PeriodError(ValueError):
    """A period string or range that cannot be understood; ``param`` names the query
    parameter at fault when it is known (``"from"`` or ``"to"``)."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


def _check_year(y: int, what: str, param: str | None = None) -> None:
    if not MIN_YEAR <= y <= MAX_YEAR:
        raise PeriodError(f"{what}: year {y} is outside {MIN_YEAR}..{MAX_YEAR}", param)


@dataclass(frozen=True)
class Period:
    """Local dates ``start``..``end`` inclusive."""

    label: str
    start: dt.date
    end: dt.date

    def to_dict(self) -> dict[str, str]:
        return {"label": self.label, "from": self.start.isoformat(), "to": self.end.isoformat()}


def year(y: int) -> Period:
    return Period(f"{y:04d}", dt.date(y, 1, 1), dt.date(y, 12, 31))


def quarter(y: int, q: int) -> Period:
    return Period(f"{y:04d}-Q{q}", *quarter_span(y, q))


def month(y: int, m: int) -> Period:
    return Period(f"{y:04d}-{m:02d}", *month_span(y, m))


def iso_week(y: int, w: int) -> Period:
    start = dt.date.fromisocalendar(y, w, 1)
    # The last ISO week of 9999 ends after date.max: clip instead of overflowing.
    end = (
        start + dt.timedelta(days=6) if start <= dt.date.max - dt.timedelta(days=6) else dt.date.max
    )
    return Period(f"{y:04d}-W{w:02d}", start, end)


def day(d: dt.date) -> Period:
    return Period(d.isoformat(), d, d)


def parse_period(text: str) -> Period:
    """Parse ``2025`` | ``2025-Q3`` | ``2025-07`` | ``2025-W27`` | ``2025-07-14``;
    the year must be within ``MIN_YEAR..MAX_YEAR`` (2000..2100)."""
    text = text.strip()
    if m := re.match(r"(\d{4})(?:-|$)", text):
        _check_year(int(m[1]), f"not a valid period: {text!r}")
    try:
        if m := re.fullmatch(r"(\d{4})", text):
            return year(int(m[1]))
        if m := re.fullmatch(r"(\d{4})-Q([1-4])", text):
            return quarter(int(m[1]), int(m[2]))
        if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
            return month(int(m[1]), int(m[2]))
        if m := re.fullmatch(r"(\d{4})-W(\d{2})", text):
            return iso_week(int(m[1]), int(m[2]))
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return day(dt.date.fromisoformat(text))
    except ValueError as exc:
        raise PeriodError(f"not a valid period: {text!r} ({exc})") from None
    raise PeriodError(
        f"not a valid period: {text!r}; use 2025, 2025-Q3, 2025-07, 2025-W27 or 2025-07-14"
    )


def date_range(start: dt.date, end: dt.date) -> Period:
    """A custom inclusive range ``start..end``, both in years ``MIN_YEAR..MAX_YEAR``."""
    _check_year(start.year, f"'from' ({start})", "from")
    _check_year(end.year, f"'to' ({end})", "to")
    if end < start:
        raise PeriodError(f"'to' ({end}) is before 'from' ({start})")
    return Period(f"{start.isoformat()}..{end.isoformat()}", start, end)


def last_days(n: int = DEFAULT_DAYS, until: dt.date | None = None) -> Period:
    """The ``n`` days up to and including ``until`` (default: today in Vietnam)."""
    end = until or local_today()
    return date_range(end - dt.timedelta(days=n - 1), end)


def bucket_of(d: dt.date, granularity: str) -> Period:
    """The day/week/month/quarter period that contains ``d``."""
    if granularity == "day":
        return day(d)
    if granularity == "week":
        iso = d.isocalendar()
        return iso_week(iso.year, iso.week)
    if granularity == "month":
        return month(d.year, d.month)
    if granularity == "quarter":
        return quarter(d.year, quarter_of(d))
    raise PeriodError(f"granularity must be one of {', '.join(GRANULARITIES)}")


def buckets(start: dt.date, end: dt.date, granularity: str) -> Iterator[Period]:
    """Consecutive buckets covering ``start..end``, clipped to it: a trend from
    2025-07-10 by month starts with the point labelled ``2025-07`` covering
    2025-07-10..2025-07-31, so no point counts days outside the request."""
    current = bucket_of(start, granularity)
    while True:
        yield Period(current.label, max(current.start, start), min(current.end, end))
        if current.end >= end:
            # Stop before asking for the next bucket: after the one holding
            # date.max there is none (computing it raised OverflowError).
            return
        current = bucket_of(current.end + dt.timedelta(days=1), granularity)
