"""Calendar months and quarters as inclusive date ranges: the arithmetic scoring's
reporting periods and the dashboard's period picker both stand on."""

from __future__ import annotations

import datetime as dt


def month_span(year: int, month: int) -> tuple[dt.date, dt.date]:
    """First and last day of ``month`` (1-12) of ``year``."""
    first = dt.date(year, month, 1)
    if month == 12:  # not via 1 January of year + 1, which does not exist after 9999
        return first, dt.date(year, 12, 31)
    return first, dt.date(year, month + 1, 1) - dt.timedelta(days=1)


def quarter_span(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    """First and last day of ``quarter`` (1-4) of ``year``."""
    if not 1 <= quarter <= 4:
        raise ValueError(f"quarter must be in 1..4, not {quarter}")
    first_month = 3 * (quarter - 1) + 1
    return month_span(year, first_month)[0], month_span(year, first_month + 2)[1]


def quarter_of(day: dt.date) -> int:
    """The quarter (1-4) that ``day`` falls in."""
    return (day.month - 1) // 3 + 1
