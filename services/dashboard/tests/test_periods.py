"""Months, quarters and years as local dates."""

from __future__ import annotations

import datetime as dt

import pytest
from thuocdo_dashboard import periods

pytestmark = pytest.mark.unit


def test_parse_month_and_quarter() -> None:
    feb = periods.parse("2024-02")
    assert (feb.start, feb.end, feb.kind) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29), "month")
    q4 = periods.parse("2025-q4")
    assert (q4.label, q4.start, q4.end) == ("2025-Q4", dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    for bad in ("2025-13", "2025-Q5", "25", "07-2025", "2025-07-01"):
        with pytest.raises(periods.BadPeriod):
            periods.parse(bad)


def test_a_year_is_a_period_with_its_own_label_and_trend() -> None:
    from thuocdo_dashboard.messages import period_label

    y = periods.parse(" 2025 ")
    assert (y.label, y.kind, y.start, y.end) == (
        "2025",
        "year",
        dt.date(2025, 1, 1),
        dt.date(2025, 12, 31),
    )
    assert periods.previous(y).label == "2024"
    assert periods.containing(dt.date(2026, 11, 27), "year").label == "2026"
    # the year and the one before it, by quarter (eight points)
    assert periods.trend_window(y) == (dt.date(2024, 1, 1), dt.date(2025, 12, 31), "quarter")
    assert (period_label(y, "vi"), period_label(y, "en")) == ("Năm 2025", "2025")
    for bad in ("1999", "2101"):
        with pytest.raises(periods.BadPeriod):
            periods.parse(bad)


def test_previous_crosses_years() -> None:
    assert periods.previous(periods.parse("2026-01")).label == "2025-12"
    assert periods.previous(periods.parse("2026-Q1")).label == "2025-Q4"


def test_recent_and_trend_window() -> None:
    labels = [p.label for p in periods.recent(dt.date(2026, 2, 10), "quarter", 3)]
    assert labels == ["2026-Q1", "2025-Q4", "2025-Q3"]
    start, end, granularity = periods.trend_window(periods.parse("2026-11"))
    assert (start, end, granularity) == (dt.date(2025, 12, 1), dt.date(2026, 11, 30), "month")
    start, end, granularity = periods.trend_window(periods.parse("2026-Q2"))
    assert (start, end, granularity) == (dt.date(2024, 7, 1), dt.date(2026, 6, 30), "quarter")


def test_parse_bounds_years_so_every_derived_period_is_a_date() -> None:
    for bad in ("0000-01", "0001-01", "0001-Q1", "1999-12", "2101-01", "9999-12", "9999-Q4"):
        with pytest.raises(periods.BadPeriod) as caught:
            periods.parse(bad)
        assert caught.value.text == bad
    first, last = periods.parse("2000-01"), periods.parse("2100-Q4")
    assert periods.trend_window(first)[0] == dt.date(1999, 2, 1)
    assert (first.start, last.end) == (dt.date(2000, 1, 1), dt.date(2100, 12, 31))
