"""The SIPAS table in headless Chromium: the dashboard served over HTTP (in a thread)
on scoring's real read API (tests/dashboard/scoring_api.py), logged into through its
form. Chromium's own accessibility tree must put each criterion under its dimension,
and the table must look as it did (a screenshot is kept)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from thuocdo_dashboard import create_app
from thuocdo_dashboard.settings import Settings
from thuocdo_scoring.aggregate import Record
from thuocdo_shared import reference

from tests.dashboard.helpers import PASSWORD, serve_in_thread
from tests.dashboard.helpers import SCORING_TOKEN as TOKEN
from tests.dashboard.scoring_api import KHA_SON, PERIOD, PHU_BINH, VN, Scoring

pytestmark = pytest.mark.browser


@contextmanager
def _served(
    scoring: Scoring, tmp_path: Path, user: str = "tinh", stale_after: float = 120.0
) -> Iterator[str]:
    """The dashboard over ``scoring``, with ``user`` a district user of province 19."""
    settings = Settings(
        secret_key="k" * 32,
        data_dir=tmp_path / "dashboard",
        scoring_url=scoring.url,
        scoring_token=TOKEN,
        stale_after=stale_after,
    )
    app = create_app(settings)
    app.extensions["thuocdo_accounts"].add(user, "district", "19", PASSWORD)
    with serve_in_thread(app) as url:
        yield url


@pytest.fixture
def dashboard_url(scoring: Scoring, tmp_path: Path) -> Iterator[str]:
    with _served(scoring, tmp_path) as url:
        yield url


def _log_in(page: Any, url: str, name: str = "tinh") -> None:
    """Through the login form, as ``name``; back on the page it leads to."""
    page.goto(f"{url}/login")
    page.fill('input[name="name"]', name)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_load_state("load")


def _ax_tree(page: Any, selector: str) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Chromium's own accessibility node for the element at ``selector``, and every
    node of the page's tree by id (DevTools protocol)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Accessibility.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    found = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    backend = cdp.send("DOM.describeNode", {"nodeId": found})["node"]["backendNodeId"]
    nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    (node,) = [n for n in nodes if n.get("backendDOMNodeId") == backend]
    return node, {n["nodeId"]: n for n in nodes}


def test_chromium_reads_each_criterion_under_its_dimension(
    browser: Any, dashboard_url: str, output_dir: Path
) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    _log_in(page, dashboard_url)
    page.goto(f"{dashboard_url}/commune/{PHU_BINH}?period={PERIOD}")
    table = page.locator('table[data-table="sipas"]')
    table.scroll_into_view_if_needed()
    table.screenshot(path=str(output_dir / "sipas-table.png"))

    grid, by_id = _ax_tree(page, 'table[data-table="sipas"]')

    def role(node: dict[str, Any]) -> str:
        return str(node.get("role", {}).get("value", ""))

    def name(node: dict[str, Any]) -> str:
        return str(node.get("name", {}).get("value", ""))

    assert role(grid) == "table"
    groups = [by_id[c] for c in grid.get("childIds", []) if role(by_id[c]) == "rowgroup"]

    sipas = reference.sipas()
    assert len(groups) == 1 + len(sipas.dimensions)  # the header's, then one per dimension
    for group, dimension in zip(groups[1:], sipas.dimensions, strict=True):
        assert name(group) == dimension.label.vi  # the group is named by its header
        rows = [by_id[c] for c in group.get("childIds", []) if role(by_id[c]) == "row"]
        heads = []
        for row in rows:
            cells = [by_id[c] for c in row.get("childIds", [])]
            assert role(cells[0]) == "rowheader", [role(c) for c in cells]
            heads.append(name(cells[0]))
        # each header reads its name and, at 20 answers, "Mẫu nhỏ" (small sample)
        labels = [c.label.vi for c in dimension.criteria]
        assert heads == [f"{n} Mẫu nhỏ" for n in (dimension.label.vi, *labels)]
    # the look is kept: a dimension's row shaded and bold, a criterion's indented
    group_cell = table.locator("tr.group th").first
    sub_cell = table.locator("tr.sub th").first
    assert group_cell.evaluate("e => getComputedStyle(e).fontWeight") == "600"
    assert group_cell.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(243, 246, 250)"
    assert sub_cell.evaluate("e => getComputedStyle(e).fontWeight") == "400"
    assert sub_cell.evaluate("e => getComputedStyle(e).paddingLeft") == "19.2px"
    page.close()


def test_a_long_account_name_leaves_logout_on_a_phone_screen(
    scoring: Scoring, tmp_path: Path, browser: Any
) -> None:
    """A 58-letter account name without a hyphen to break at (names may have 64) made
    a 390 px page 539 px wide, with "Đăng xuất" at x = 503, off the screen."""
    name = "canbovanphonguybannhandanxakhasontinhthainguyenhuyenphubin"
    assert len(name) == 58
    with _served(scoring, tmp_path, name) as url:
        page = browser.new_page(viewport={"width": 390, "height": 844}, locale="vi-VN")
        _log_in(page, url, name)
        page.goto(f"{url}/commune/{PHU_BINH}?period={PERIOD}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        box = page.locator("header form.inline button").bounding_box()
        assert box is not None and box["x"] + box["width"] <= 390
        who = page.locator("header .who")
        assert who.get_attribute("title") == name
        who_box = who.bounding_box()
        assert who_box is not None and who_box["width"] < 390 * 0.5
        page.close()


def test_the_trend_marks_the_2025_reform_between_june_and_july(
    browser: Any, dashboard_url: str, output_dir: Path
) -> None:
    """The province's trend to August 2025 crosses the reform of 1 July 2025: the
    communes before and after it differ, and nothing on the chart said so. A dashed
    orange line now stands between June and July, named at its top, and a note under
    the chart says what it is. A window after the reform has neither."""
    page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    _log_in(page, dashboard_url)
    page.goto(f"{dashboard_url}/?unit=19&period={PERIOD}")
    page.wait_for_selector("#trend-chart canvas")
    chart = page.locator("#trend-chart")
    labels = [p["label"] for p in json.loads(chart.get_attribute("data-trend") or "[]")]
    july = labels.index("2025-07")
    assert json.loads(chart.get_attribute("data-mark-xs") or "[]") == [july - 0.5]
    note = page.locator("p.trend-marks")
    assert "ngày sắp xếp đơn vị hành chính (01/07/2025)" in note.inner_text()
    # The line is drawn: orange pixels down the plot at its x, none half a period off.
    orange = """x => { const u = document.getElementById('trend-chart').uplot;
        const px = Math.round(u.valToPos(x, 'x', true)), c = u.ctx;
        let n = 0;
        for (let y = u.bbox.top; y < u.bbox.top + u.bbox.height; y += 2) {
          const [r, g, b] = c.getImageData(px, y, 1, 1).data;
          if (r > 150 && g > 60 && g < 120 && b < 40) { n += 1; }
        }
        return n; }"""
    assert page.evaluate(orange, july - 0.5) > 20
    assert page.evaluate(orange, july - 1) == 0
    chart.screenshot(path=str(output_dir / "trend-reform-mark.png"))
    page.goto(f"{dashboard_url}/?unit=19&period=2026-10")
    assert page.locator("p.trend-marks").count() == 0
    assert json.loads(page.locator("#trend-chart").get_attribute("data-marks") or "") == []
    page.close()


def test_a_refresh_keeps_the_focus_on_the_same_heatmap_share(
    scoring: Scoring, tmp_path: Path, browser: Any
) -> None:
    """A keyboard user on Kha Sơn's waiting-time share; a first complaint about fees
    comes in Phú Bình, whose row is above: its 0 becomes a link, and the refresh put
    the focus back by place, on the link before the one it was on (helper-65). It is
    put back on the same address."""
    # the page rechecks its figures after 5 s without an update (half of 10 s)
    with _served(scoring, tmp_path, stale_after=10) as url:
        page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="vi-VN")
        _log_in(page, url)
        page.goto(f"{url}/?unit=19&period={PERIOD}")
        cell = f'tr[data-unit="{KHA_SON}"] td.heat a[href*="issue=waiting_time"]'
        rows = page.locator("table.heatmap tbody tr").evaluate_all(
            "rs => rs.map(r => r.dataset.unit)"
        )
        assert rows.index(PHU_BINH) < rows.index(KHA_SON), rows
        page.focus(cell)
        href = page.evaluate("document.activeElement.getAttribute('href')")
        fees = Record(
            id="fees-1",
            submitted_at=dt.datetime(2025, 8, 25, 9, tzinfo=VN),
            unit_key=PHU_BINH,
            commune_code=PHU_BINH.split("@")[0],
            field="ho_tich",
            overall=1,
            issues=("fees",),
        )
        scoring.store.apply_batch([fees], {("t", 0): 5_000})
        page.wait_for_selector(
            f'tr[data-unit="{PHU_BINH}"] td.heat a[href*="issue=fees"]', timeout=20_000
        )
        assert page.evaluate("document.activeElement.getAttribute('href')") == href
        page.close()
