"""Trend periods as readers see them: scoring's labels (month, ISO week, day,
quarter) in Vietnamese and English; the CSV keeps the ISO code beside them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from thuocdo_dashboard import csv_export, messages
from thuocdo_dashboard.model import Status, Table, _trend
from thuocdo_dashboard.scoring_client import Fetched

pytestmark = pytest.mark.unit

CASES = [
    ("2025-07", "Tháng 7/2025", "Jul 2025"),
    ("2025-12", "Tháng 12/2025", "Dec 2025"),
    ("2025-W28", "Tuần 28/2025", "Week 28, 2025"),
    ("2026-W01", "Tuần 1/2026", "Week 1, 2026"),
    ("2025-07-14", "14/07/2025", "14/07/2025"),
    ("2025-Q3", "Quý 3/2025", "Q3 2025"),
]


@pytest.mark.parametrize(("label", "vi", "en"), CASES)
def test_scoring_period_labels_in_both_languages(label: str, vi: str, en: str) -> None:
    assert messages.scoring_period_label(label, "vi") == vi
    assert messages.scoring_period_label(label, "en") == en


@pytest.mark.parametrize("odd", ["", "2025-W54", "2025-02-30", "2025-13", "tháng bảy"])
def test_unknown_labels_are_shown_as_given(odd: str) -> None:
    assert messages.scoring_period_label(odd, "vi") == odd


def _trend_table(lang: str, labels: list[str]) -> tuple[list[dict[str, Any]], Table]:
    points = [
        {"period": {"label": label, "from": "2025-07-14"}, "n": 10, "satisfied": 8, "index": 80.0}
        for label in labels
    ]
    status = Status()
    answer = status.start(lambda: Fetched({"points": points}, dt.datetime.now(dt.UTC)))
    return _trend(status, answer, lang)


def test_trend_table_shows_readable_periods_and_csv_keeps_the_code() -> None:
    points, table = _trend_table("vi", ["2025-W28", "2025-W29"])
    assert [p["label"] for p in points] == ["2025-W28", "2025-W29"]  # chart data unchanged
    assert [row[0] for row in table.rows] == ["Tuần 28/2025", "Tuần 29/2025"]
    body = csv_export.encode(table.csv_header(), table.csv_rows()).decode("utf-8-sig")
    lines = body.splitlines()
    assert lines[0].startswith("Mã kỳ,Kỳ,Số phiếu,")
    assert lines[1].startswith("2025-W28,Tuần 28/2025,10,80.0,")
    _, table_en = _trend_table("en", ["2025-Q3"])
    assert table_en.rows[0][0] == "Q3 2025"
