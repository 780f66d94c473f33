"""The headline's comparison with the same days a year before: the days
(periods.same_days_a_year_before) and the line (model._year_ago), pure, with
hand-checked figures."""

from __future__ import annotations

import datetime as dt

import pytest
from thuocdo_dashboard.model import _year_ago
from thuocdo_dashboard.periods import parse, same_days_a_year_before
from thuocdo_shared.units import registry

D = dt.date
KHA_SON = registry().lookup("05953", D(2025, 7, 1))  # formed on 01/07/2025
PROVINCE = registry().lookup("19", D(2025, 7, 1))


@pytest.mark.parametrize(
    ("period", "today", "days"),
    [
        # a period over: the whole of it a year before
        ("2026-08", D(2026, 11, 28), (D(2025, 8, 1), D(2025, 8, 31))),
        ("2026-Q3", D(2026, 11, 28), (D(2025, 7, 1), D(2025, 9, 30))),
        # still under way: its days so far, a year before
        ("2026-11", D(2026, 11, 28), (D(2025, 11, 1), D(2025, 11, 28))),
        ("2026", D(2026, 11, 28), (D(2025, 1, 1), D(2025, 11, 28))),
        ("2026-11", D(2026, 11, 1), (D(2025, 11, 1), D(2025, 11, 1))),
        # 29 February: the 28th a year before
        ("2028-02", D(2028, 2, 29), (D(2027, 2, 1), D(2027, 2, 28))),
        ("2028-Q1", D(2028, 2, 29), (D(2027, 1, 1), D(2027, 2, 28))),
    ],
)
def test_the_days_a_year_before(period: str, today: dt.date, days: tuple[dt.date, dt.date]) -> None:
    assert same_days_a_year_before(parse(period), today) == days


def estimate(n: int, satisfied: int) -> dict[str, float | None]:
    """As scoring gives it: the index to two decimals."""
    return {"n": n, "satisfied": satisfied, "index": round(100 * satisfied / n, 2)}


def test_the_change_is_the_two_figures_shown_subtracted() -> None:
    """189 of 237 is 79,746 %: scoring says 79.75, shown 79,8; 197 of 289 is 68,166 %,
    shown 68,2. The change is 11,6 points (79,7 − 68,2 = 11,5 worked out again from
    the counts would not match the page). Kha Sơn was formed on 01/07/2025: its 2026
    so far (to 28/11) is compared with its own days of 2025, 01/07 to 28/11.
    z = (0,79747 − 0,68166) / √(386/526 · 140/526 · (1/237 + 1/289)) = 2,99, p = 0,0028."""
    line = _year_ago(
        estimate(289, 197),
        estimate(237, 189),
        KHA_SON,
        parse("2026"),
        (D(2025, 1, 1), D(2025, 11, 28)),
        "vi",
    )
    assert line == (
        "Cùng kỳ năm trước (01/07–28/11/2025): 68,2% (289 phiếu); nay tăng 11,6 điểm phần"
        " trăm; mức chênh lệch này khó có thể chỉ do ngẫu nhiên (p = 0,003)."
    )


def test_the_line_says_why_there_is_nothing_to_compare_with() -> None:
    june = parse("2026-06")
    span = (D(2025, 6, 1), D(2025, 6, 30))
    nothing = {"n": 0, "satisfied": 0, "index": None}
    absent = _year_ago(nothing, estimate(10, 8), KHA_SON, june, span, "vi")
    assert absent == (
        "Cùng kỳ năm trước (tháng 6/2025), đơn vị này chưa được thành lập nên không có số"
        " liệu để so sánh."
    )
    none = _year_ago(nothing, estimate(10, 8), PROVINCE, june, span, "vi")
    assert none == "Cùng kỳ năm trước (tháng 6/2025) không có phiếu đánh giá nào để so sánh."
    # no figure this period, or the year-ago call failed: no line
    assert _year_ago(estimate(10, 8), {"n": 0}, PROVINCE, june, span, "vi") is None
    assert _year_ago(None, estimate(10, 8), PROVINCE, june, span, "vi") is None


def test_unchanged_and_in_english() -> None:
    """30 of 40 (75,0 %) against 7 of 10 (70,0 %): z = 0,32, p = 0,747."""
    august = parse("2026-08")
    span = (D(2025, 8, 1), D(2025, 8, 31))
    same = _year_ago(estimate(40, 30), estimate(20, 15), PROVINCE, august, span, "vi")
    assert same == "Cùng kỳ năm trước (tháng 8/2025): 75,0% (40 phiếu); nay không đổi."
    english = _year_ago(estimate(10, 7), estimate(40, 30), PROVINCE, august, span, "en")
    assert english == (
        "Same period last year (Aug 2025): 70.0% (10 responses); now 5.0 percentage points"
        " higher, but this may be chance (p = 0.747)."
    )
    one = _year_ago(estimate(1, 1), estimate(40, 30), PROVINCE, august, span, "en")
    assert one is not None and "(1 response);" in one


def test_a_district_goes_on_in_its_communes_a_year_before() -> None:
    """Old Phú Bình district (173) ended on 30/06/2025, but scoring counts the communes
    formed from it in it: its November 2026 to the 28th is compared with 1–28 November
    2025, not called "not formed yet" nor cut at 30/06 (helper-78)."""
    district = registry().lookup("173", D(2025, 6, 30))
    span = (D(2025, 11, 1), D(2025, 11, 28))
    line = _year_ago(estimate(40, 30), estimate(40, 30), district, parse("2026-11"), span, "vi")
    assert line == "Cùng kỳ năm trước (01/11–28/11/2025): 75,0% (40 phiếu); nay không đổi."
    year = _year_ago(
        estimate(40, 30),
        estimate(40, 30),
        district,
        parse("2026"),
        (D(2025, 1, 1), D(2025, 11, 28)),
        "en",
    )
    assert year is not None and year.startswith(
        "Same period last year (1 Jan – 28 Nov 2025): 75.0% (40 responses)"
    )
    nothing = {"n": 0, "satisfied": 0, "index": None}
    none = _year_ago(nothing, estimate(40, 30), district, parse("2026-11"), span, "vi")
    assert none == ("Cùng kỳ năm trước (01/11–28/11/2025) không có phiếu đánh giá nào để so sánh.")
