"""The SIPAS table in headless Chromium: the dashboard served over HTTP (in a thread)
on scoring's real read API (tests/dashboard/scoring_api.py), logged into through its
form. Chromium's own accessibility tree must put each criterion under its dimension,
and the table must look as it did (a screenshot is kept)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from thuocdo_dashboard import create_app
from thuocdo_dashboard.settings import Settings
from thuocdo_shared import reference

from tests.dashboard.helpers import PASSWORD, serve_in_thread
from tests.dashboard.helpers import SCORING_TOKEN as TOKEN
from tests.dashboard.scoring_api import PERIOD, PHU_BINH, Scoring

pytestmark = pytest.mark.browser


@contextmanager
def _served(scoring: Scoring, tmp_path: Path, user: str = "tinh") -> Iterator[str]:
    """The dashboard over ``scoring``, with ``user`` a district user of province 19."""
    settings = Settings(
        secret_key="k" * 32,
        data_dir=tmp_path / "dashboard",
        scoring_url=scoring.url,
        scoring_token=TOKEN,
    )
    app = create_app(settings)
    app.extensions["thuocdo_accounts"].add(user, "district", "19", PASSWORD)
    with serve_in_thread(app) as url:
        yield url


@pytest.fixture
def dashboard_url(scoring: Scoring, tmp_path: Path) -> Iterator[str]:
    with _served(scoring, tmp_path) as url:
        yield url


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
    page.goto(f"{dashboard_url}/login")
    page.fill('input[name="name"]', "tinh")
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
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
        page.goto(f"{url}/login")
        page.fill('input[name="name"]', name)
        page.fill('input[name="password"]', PASSWORD)
        page.click('button[type="submit"]')
        page.wait_for_load_state("load")
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
    page.goto(f"{dashboard_url}/login")
    page.fill('input[name="name"]', "tinh")
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.goto(f"{dashboard_url}/?unit=19&period={PERIOD}")
    page.wait_for_selector("#trend-chart canvas")
    chart = page.locator("#trend-chart")
    labels = [p["label"] for p in json.loads(chart.get_attribute("data-trend") or "[]")]
    july = labels.index("2025-07")
    assert json.loads(chart.get_attribute("data-mark-xs") or "[]") == [july - 0.5]
    note = page.locator("p.trend-marks")
    assert "ngày 01/07/2025 sắp xếp đơn vị hành chính" in note.inner_text()
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
