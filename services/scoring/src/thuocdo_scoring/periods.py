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

from thuocdo_shared.units import LOCAL_TZ

GRANULARITIES = ("day", "week", "month", "quarter")
DEFAULT_DAYS = 30


class PeriodError(ValueError):
    """A period string or range that cannot be understood."""


@dataclass(frozen=True)
class Period:
    """Local dates ``start``..``end`` inclusive."""

    label: str
    start: dt.date
    end: dt.date

    def to_dict(self) -> dict[str, str]:
        return {"label": self.label, "from": self.start.isoformat(), "to": self.end.isoformat()}

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end


def today() -> dt.date:
    return dt.datetime.now(LOCAL_TZ).date()


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
    return nxt - dt.timedelta(days=1)


def year(y: int) -> Period:
    return Period(f"{y:04d}", dt.date(y, 1, 1), dt.date(y, 12, 31))


def quarter(y: int, q: int) -> Period:
    first = 3 * (q - 1) + 1
    return Period(f"{y:04d}-Q{q}", dt.date(y, first, 1), _month_end(y, first + 2))


def month(y: int, m: int) -> Period:
    return Period(f"{y:04d}-{m:02d}", dt.date(y, m, 1), _month_end(y, m))


def iso_week(y: int, w: int) -> Period:
    start = dt.date.fromisocalendar(y, w, 1)
    return Period(f"{y:04d}-W{w:02d}", start, start + dt.timedelta(days=6))


def day(d: dt.date) -> Period:
    return Period(d.isoformat(), d, d)


def parse_period(text: str) -> Period:
    """Parse ``2025`` | ``2025-Q3`` | ``2025-07`` | ``2025-W27`` | ``2025-07-14``."""
    text = text.strip()
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
    """A custom inclusive range ``start..end``."""
    if end < start:
        raise PeriodError(f"'to' ({end}) is before 'from' ({start})")
    return Period(f"{start.isoformat()}..{end.isoformat()}", start, end)


def last_days(n: int = DEFAULT_DAYS, until: dt.date | None = None) -> Period:
    """The ``n`` days up to and including ``until`` (default: today in Vietnam)."""
    end = until or today()
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
        return quarter(d.year, (d.month - 1) // 3 + 1)
    raise PeriodError(f"granularity must be one of {', '.join(GRANULARITIES)}")


def buckets(start: dt.date, end: dt.date, granularity: str) -> Iterator[Period]:
    """Consecutive buckets covering ``start..end``, clipped to it: a trend from
    2025-07-10 by month starts with the point labelled ``2025-07`` covering
    2025-07-10..2025-07-31, so no point counts days outside the request."""
    current = bucket_of(start, granularity)
    while current.start <= end:
        yield Period(current.label, max(current.start, start), min(current.end, end))
        current = bucket_of(current.end + dt.timedelta(days=1), granularity)
