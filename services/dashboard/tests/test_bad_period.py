"""A malformed or out-of-range ``?period=`` is a clear 400 (page or JSON), never a
500: years outside 2000–2100, year 0, and periods whose predecessor is before year 1."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient
from thuocdo_dashboard import create_app
from thuocdo_dashboard.settings import Settings

pytestmark = pytest.mark.unit


@pytest.fixture()
def client(tmp_path: Path) -> FlaskClient:
    # Scoring is never reached: the period is refused before any call.
    settings = Settings(
        secret_key="k" * 32,
        data_dir=tmp_path,
        scoring_url="http://127.0.0.1:9",
        scoring_timeout=0.2,
    )
    app = create_app(settings, TESTING=True)
    app.extensions["thuocdo_accounts"].add("tinh", "district", "19", "mật-khẩu-dài-đủ-2025")
    test_client = app.test_client()
    with test_client.session_transaction() as session:
        session["user"] = "tinh"
    return test_client


PAGES = [
    "/?period=0000-01",
    "/?period=9999-12",
    "/?period=0001-01",
    "/?period=1999-12",
    "/?period=2101-01",
    "/csv/overview/ranking.csv?period=0000-Q1",
]


@pytest.mark.parametrize("url", PAGES)
def test_bad_period_is_a_400_page_in_vietnamese(client: FlaskClient, url: str) -> None:
    resp = client.get(url)
    assert resp.status_code == 400
    body = resp.get_data(as_text=True)
    assert "Kỳ báo cáo không hợp lệ" in body
    assert url.split("period=")[1] in body


@pytest.mark.parametrize("period", ["0001-Q1", "0000-01", "9999-Q4", "2025-13", "2025-Q5"])
def test_bad_period_is_a_400_json_for_the_api(client: FlaskClient, period: str) -> None:
    resp = client.get(f"/api/overview?period={period}")
    assert resp.status_code == 400
    payload = resp.get_json()
    assert payload["error"] == "bad_period"
    assert payload["message"] == f"Kỳ báo cáo không hợp lệ: {period}"


def test_picker_reaches_two_years_back_for_months_and_quarters(client: FlaskClient) -> None:
    """The overview's period picker (scoring unreachable here, so the page shows the
    banner but still its picker): 8 quarters and every month since the oldest of them
    (22 to 24 months; months once stopped after 12, a year short of the quarters)."""
    import re

    from thuocdo_dashboard.periods import containing, previous
    from thuocdo_shared.units import local_today

    body = client.get("/").get_data(as_text=True)
    months = re.findall(r'<option value="(\d{4}-\d{2})"', body)
    quarters = re.findall(r'<option value="(\d{4}-Q\d)"', body)
    assert len(quarters) == 8 and 22 <= len(months) <= 24
    oldest = containing(local_today(), "quarter")
    for _ in range(7):
        oldest = previous(oldest)
    assert quarters[-1] == oldest.label
    # The oldest month offered is the first month of the oldest quarter.
    assert months[-1] == containing(oldest.start, "month").label
    assert months[0] == containing(local_today(), "month").label


def test_a_period_not_begun_says_so_instead_of_showing_zeros(client: FlaskClient) -> None:
    ahead = client.get("/?period=2099-01").get_data(as_text=True)
    assert "Kỳ báo cáo này chưa bắt đầu (từ ngày 01/01/2099)" in ahead
    assert 'data-notice="period-future"' not in client.get("/").get_data(as_text=True)
