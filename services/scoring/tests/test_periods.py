"""Periods and buckets on Vietnamese local dates."""

from __future__ import annotations

import datetime as dt

import pytest
from thuocdo_scoring.periods import (
    PeriodError,
    buckets,
    date_range,
    parse_period,
)
from thuocdo_shared.units import local_date

pytestmark = pytest.mark.unit
D = dt.date


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2025", D(2025, 1, 1), D(2025, 12, 31)),
        ("2025-Q3", D(2025, 7, 1), D(2025, 9, 30)),
        ("2024-02", D(2024, 2, 1), D(2024, 2, 29)),
        ("2025-W27", D(2025, 6, 30), D(2025, 7, 6)),
        ("2025-07-14", D(2025, 7, 14), D(2025, 7, 14)),
    ],
)
def test_parse(text: str, start: dt.date, end: dt.date) -> None:
    p = parse_period(text)
    assert (p.label, p.start, p.end) == (text, start, end)


@pytest.mark.parametrize("text", ["2025-13", "2025-Q5", "2025-W54", "July", "2025-02-30", ""])
def test_parse_rejects(text: str) -> None:
    with pytest.raises(PeriodError):
        parse_period(text)


def test_local_date_is_vietnam() -> None:
    # 17:30 UTC on 30 June is 00:30 on 1 July in Hà Nội (UTC+7).
    when = dt.datetime(2025, 6, 30, 17, 30, tzinfo=dt.UTC)
    assert local_date(when) == D(2025, 7, 1)
    assert local_date(when - dt.timedelta(hours=1)) == D(2025, 6, 30)


def test_buckets_are_clipped_and_cover_the_range() -> None:
    weeks = list(buckets(D(2025, 7, 2), D(2025, 7, 20), "week"))
    assert [w.label for w in weeks] == ["2025-W27", "2025-W28", "2025-W29"]
    assert weeks[0].start == D(2025, 7, 2) and weeks[-1].end == D(2025, 7, 20)
    months = list(buckets(D(2025, 6, 15), D(2025, 8, 1), "month"))
    assert [(m.label, m.start, m.end) for m in months] == [
        ("2025-06", D(2025, 6, 15), D(2025, 6, 30)),
        ("2025-07", D(2025, 7, 1), D(2025, 7, 31)),
        ("2025-08", D(2025, 8, 1), D(2025, 8, 1)),
    ]
    assert [q.label for q in buckets(D(2025, 1, 1), D(2025, 12, 31), "quarter")] == [
        "2025-Q1",
        "2025-Q2",
        "2025-Q3",
        "2025-Q4",
    ]
    assert len(list(buckets(D(2025, 7, 1), D(2025, 7, 31), "day"))) == 31


def test_range_must_be_ordered() -> None:
    with pytest.raises(PeriodError):
        date_range(D(2025, 7, 2), D(2025, 7, 1))


@pytest.mark.parametrize("text", ["9999", "9999-12", "9999-W52", "9999-Q4", "1999-12-31", "2101"])
def test_parse_rejects_years_outside_2000_2100(text: str) -> None:
    with pytest.raises(PeriodError, match=r"outside 2000\.\.2100"):
        parse_period(text)


def test_years_2000_and_2100_are_the_bounds() -> None:
    assert parse_period("2000-01").start == D(2000, 1, 1)
    assert parse_period("2100-Q4").end == D(2100, 12, 31)
    assert date_range(D(2000, 1, 1), D(2100, 12, 31)).label == "2000-01-01..2100-12-31"


@pytest.mark.parametrize(
    ("start", "end", "param"),
    [(D(9999, 12, 31), D(9999, 12, 31), "from"), (D(2025, 1, 1), D(9999, 12, 31), "to")],
)
def test_range_rejects_years_outside_2000_2100(start: dt.date, end: dt.date, param: str) -> None:
    with pytest.raises(PeriodError, match=r"outside 2000\.\.2100") as info:
        date_range(start, end)
    assert info.value.param == param


@pytest.mark.parametrize(
    ("granularity", "labels"),
    [
        ("day", ["9999-12-30", "9999-12-31"]),
        ("week", ["9999-W52"]),
        ("month", ["9999-12"]),
        ("quarter", ["9999-Q4"]),
    ],
)
def test_buckets_stop_at_the_last_date(granularity: str, labels: list[str]) -> None:
    # The bucket after the one holding date.max cannot exist; the loop must not ask.
    got = list(buckets(D(9999, 12, 30), dt.date.max, granularity))
    assert [b.label for b in got] == labels
    assert got[-1].end == dt.date.max
