"""Month and quarter spans (thuocdo_shared.periods), checked by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from thuocdo_shared.periods import month_span, quarter_of, quarter_span

pytestmark = pytest.mark.unit

D = dt.date


@pytest.mark.parametrize(
    ("year", "month", "first", "last"),
    [
        (2025, 1, D(2025, 1, 1), D(2025, 1, 31)),
        (2025, 2, D(2025, 2, 1), D(2025, 2, 28)),
        (2028, 2, D(2028, 2, 1), D(2028, 2, 29)),  # leap year
        (2100, 2, D(2100, 2, 1), D(2100, 2, 28)),  # divisible by 100, not by 400
        (2025, 4, D(2025, 4, 1), D(2025, 4, 30)),
        (2025, 12, D(2025, 12, 1), D(2025, 12, 31)),
        (9999, 12, D(9999, 12, 1), D(9999, 12, 31)),  # no 1 January 10000 needed
    ],
)
def test_month_span(year: int, month: int, first: dt.date, last: dt.date) -> None:
    assert month_span(year, month) == (first, last)


@pytest.mark.parametrize(
    ("quarter", "first", "last"),
    [
        (1, D(2024, 1, 1), D(2024, 3, 31)),
        (2, D(2024, 4, 1), D(2024, 6, 30)),
        (3, D(2024, 7, 1), D(2024, 9, 30)),
        (4, D(2024, 10, 1), D(2024, 12, 31)),
    ],
)
def test_quarter_span(quarter: int, first: dt.date, last: dt.date) -> None:
    assert quarter_span(2024, quarter) == (first, last)


@pytest.mark.parametrize("bad", [0, 5, -1])
def test_quarter_span_refuses_other_numbers(bad: int) -> None:
    with pytest.raises(ValueError, match=r"quarter must be in 1\.\.4"):
        quarter_span(2025, bad)


@pytest.mark.parametrize(
    ("day", "quarter"),
    [
        (D(2025, 1, 1), 1),
        (D(2025, 3, 31), 1),
        (D(2025, 4, 1), 2),
        (D(2025, 6, 30), 2),
        (D(2025, 7, 1), 3),
        (D(2025, 9, 30), 3),
        (D(2025, 10, 1), 4),
        (D(2025, 12, 31), 4),
    ],
)
def test_quarter_of(day: dt.date, quarter: int) -> None:
    assert quarter_of(day) == quarter
