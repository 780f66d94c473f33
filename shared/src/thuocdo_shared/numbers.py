"""Rounding as people and spreadsheets do it: a half goes up.

Python's ``round`` and ``format`` send a half to the even digit (3.125 -> 3.12) and
work on the binary value (2.675 is 2.67499999... and goes down), so an index of 1 in
32 answers read 3.12 % where a leader's own ROUND() in Excel says 3.13 %. These
round the number as it is written (its shortest repr), a half away from zero.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def _to(exact: Decimal, digits: int) -> Decimal:
    return exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def half_up(x: float, digits: int) -> Decimal:
    """``x`` to ``digits`` decimals, a half away from zero, as a Decimal."""
    return _to(Decimal(repr(float(x))), digits)


def round_half_up(x: float, digits: int) -> float:
    """``x`` to ``digits`` decimals, a half away from zero: 3.125 -> 3.13."""
    return float(half_up(x, digits))


def ratio_half_up(num: int, den: int, digits: int) -> float:
    """``num / den`` to ``digits`` decimals, a half away from zero, from the integers:
    100 * (23 / 160) is 14.374999999999998 in floating point, and went down to 14.37;
    2300 / 160 is exactly 14.375 and goes up to 14.38."""
    exact = Decimal(num) / Decimal(den)  # 28 digits: a half is always seen exactly
    return float(_to(exact, digits))
