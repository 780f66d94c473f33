"""The dashboard's pages as rendered HTML, over scoring's real read API (scoring's own
Flask app on a store of known records, served over HTTP in a thread: see
tests/dashboard/scoring_api.py), and the dashboard's app (Flask test client) calling
it with its real scoring client."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from thuocdo_dashboard import create_app as dashboard_app
from thuocdo_dashboard.periods import parse as parse_period
from thuocdo_dashboard.scoring_client import ScoringClient, ScoringUnavailable
from thuocdo_dashboard.settings import Settings as DashboardSettings
from thuocdo_scoring.aggregate import Record
from thuocdo_shared import reference
from thuocdo_shared.units import local_today

from tests.dashboard.helpers import PASSWORD
from tests.dashboard.helpers import SCORING_TOKEN as TOKEN
from tests.dashboard.scoring_api import KHA_SON, PERIOD, PHU_BINH, VN, Scoring

pytestmark = pytest.mark.unit


def signed_in(
    scoring: Scoring, data_dir: Path, lang: str = "vi", role: str = "district", unit: str = "19"
) -> FlaskClient:
    """A test client of a dashboard over ``scoring``, its user signed in as ``role`` of
    ``unit`` (by default the province's leader: every commune in scope)."""
    settings = DashboardSettings(
        secret_key="k" * 32,
        data_dir=data_dir,
        scoring_url=scoring.url,
        scoring_token=TOKEN,
        scoring_timeout=5.0,
    )
    app = dashboard_app(settings, TESTING=True)
    app.extensions["thuocdo_accounts"].add("tinh", role, unit, PASSWORD)
    client: FlaskClient = app.test_client()
    with client.session_transaction() as session:
        session["user"] = "tinh"
        session["lang"] = lang
    return client


@pytest.fixture
def open_page(scoring: Scoring, tmp_path: Path) -> Callable[..., str]:
    """GET a page (or a file) as the province's leader (every commune in scope; or as
    ``role`` of ``unit``), in a language; the text it gives, after checking its status.
    Each call starts with an empty last-good cache."""
    count = iter(range(1_000))

    def get(
        path: str, lang: str = "vi", status: int = 200, role: str = "district", unit: str = "19"
    ) -> str:
        client = signed_in(scoring, tmp_path / f"dashboard-{next(count)}", lang, role, unit)
        resp = client.get(path)
        assert resp.status_code == status, (path, resp.status_code)
        return resp.get_data(as_text=True)

    return get


def answer(day: dt.date, i: int, unit: str, overall: int, **kw: object) -> Record:
    """One response to ``unit`` (a unit key) at 09:00 Vietnam time on ``day`` + ``i``."""
    return Record(
        id=str(kw.pop("id", f"{day:%Y%m%d}-{unit}-{i}")),
        submitted_at=dt.datetime.combine(day + dt.timedelta(days=i), dt.time(9), VN),
        unit_key=unit,
        commune_code=unit.split("@")[0],
        field=str(kw.pop("field", "ho_tich")),
        overall=overall,
        **kw,  # type: ignore[arg-type]
    )


def section(html: str, name: str) -> str:
    """The HTML of one live section of a page (``data-section="<name>"``)."""
    after = html.split(f'data-section="{name}"', 1)[1]
    return after.split(">", 1)[1].split("data-section=", 1)[0]


JUNE_10 = dt.date(2025, 6, 10)
NOT_LOADED = "Chưa tải được số liệu: hệ thống tính chỉ số không trả lời."


def test_the_heatmap_file_marks_a_former_commune_like_the_page(
    scoring: Scoring, open_page: Callable[..., str]
) -> None:
    """June 2025: old Xã Kha Sơn (05959, abolished on 2025-07-01) in old Huyện Phú Bình.
    The page's heatmap says "(cũ)"; its CSV said only "Xã Kha Sơn", which a reader
    takes for today's commune of that name."""
    old = [answer(JUNE_10, i, "05959@-", 2, issues=("waiting_time",)) for i in range(3)]
    scoring.store.apply_batch(old, {("t", 0): 100})
    page = open_page("/?unit=173&period=2025-06")
    assert "Xã Kha Sơn (cũ)" in section(page, "heatmap")
    csv = open_page("/csv/overview/heatmap.csv?unit=173&period=2025-06")
    rows = [r for r in csv.lstrip("\ufeff").splitlines() if "Kha Sơn" in r]
    assert len(rows) == 1 and rows[0].startswith("Xã Kha Sơn (cũ),3,"), rows
    # 3 responses: the file says "Mẫu nhỏ" in its last column, as the page does
    assert csv.lstrip("\ufeff").splitlines()[0].endswith(",Mẫu nhỏ")
    assert rows[0].endswith(",Mẫu nhỏ"), rows


def test_only_a_section_whose_own_figures_are_missing_says_not_loaded(
    scoring: Scoring, open_page: Callable[..., str]
) -> None:
    """Scoring fails one call of the page: that section says its figures could not be
    loaded; a section whose call succeeded and is truly empty says so plainly."""
    scoring.failing = {"/api/v1/matrix"}
    overview = open_page(f"/?period={PERIOD}")
    assert NOT_LOADED in section(overview, "heatmap")
    alerts = section(overview, "alerts")
    assert "Không có cảnh báo trong kỳ này." in alerts and NOT_LOADED not in alerts
    assert 'data-unit="05953@2025-07-01"' in section(overview, "ranking")

    scoring.failing = {"/api/v1/themes"}
    commune = open_page(f"/commune/{KHA_SON}?period={PERIOD}")
    assert NOT_LOADED in section(commune, "themes")
    sipas, comments = section(commune, "sipas"), section(commune, "comments")
    assert "Kỳ này chưa có phiếu nào trả lời bộ câu hỏi SIPAS." in sipas
    assert "0 góp ý" in comments and "Không có góp ý nào phù hợp." in comments
    assert NOT_LOADED not in sipas + comments
    # the trend card too: the chart has figures, and says nothing of an outage
    trend_card = commune.split('id="trend-chart"', 1)[1].split("</section>", 1)[0]
    assert NOT_LOADED not in trend_card

    assert 'data-csv="trend"' in trend_card  # its files are offered with its figures

    scoring.failing = {"/api/v1/trend"}
    commune = open_page(f"/commune/{KHA_SON}?period={PERIOD}")
    trend_card = commune.split('id="trend-chart"', 1)[1].split("</section>", 1)[0]
    assert NOT_LOADED in trend_card
    assert 'data-csv="trend"' not in trend_card  # no file offered that would be refused
    assert NOT_LOADED not in section(commune, "sipas")


def test_a_download_is_refused_only_when_its_own_table_is_missing(
    scoring: Scoring, open_page: Callable[..., str]
) -> None:
    """The same rule for the CSV: an empty table that scoring answered is an empty
    file; the file of a table whose call failed is a 503."""
    scoring.failing = {"/api/v1/themes"}
    themes = open_page(f"/csv/commune/{KHA_SON}/themes.csv?period={PERIOD}", status=503)
    assert "Chưa tạo được tệp tải về" in themes
    comments = open_page(f"/csv/commune/{KHA_SON}/comments.csv?period={PERIOD}")
    assert comments.lstrip("\ufeff").startswith("Thời gian,")


STALLED = "Số liệu đã ngừng cập nhật từ lúc"


@pytest.mark.parametrize(
    ("unit", "calls"),
    [
        ("19@-", {"/api/v1/matrix": 1, "/api/v1/units": 1, "/api/v1/trend": 1}),
        (KHA_SON, {"/api/v1/issues": 1, "/api/v1/trend": 1}),
    ],
)
def test_the_issue_page_asks_scoring_only_for_what_it_shows(
    scoring: Scoring, open_page: Callable[..., str], unit: str, calls: dict[str, int]
) -> None:
    """The issue page shows no /index figure: it makes no /index call (it made one only
    for the consumer's heartbeat), and still says when the figures stopped moving."""
    page = open_page(f"/issue/waiting_time?unit={unit}&period={PERIOD}")
    assert dict(scoring.calls) == calls
    assert 'data-table="communes"' in page and STALLED not in page
    # no consumer ever ran: the figures were never updated
    assert "Số liệu chưa được cập nhật lần nào" in page
    scoring.store.note_consumer(dt.datetime.now(dt.UTC) - dt.timedelta(hours=1), None, 0)
    scoring.calls.clear()
    stalled = open_page(f"/issue/waiting_time?unit={unit}&period={PERIOD}")
    assert dict(scoring.calls) == calls
    assert STALLED in stalled.split('id="scoring-status"', 1)[1].split("</div>", 1)[0]
    scoring.store.note_consumer(dt.datetime.now(dt.UTC), None, 0)
    moving = open_page(f"/issue/waiting_time?unit={unit}&period={PERIOD}")
    assert STALLED not in moving and "Số liệu chưa được cập nhật lần nào" not in moving


def headings(html: str, table: str) -> list[str]:
    """The column headings of a table of the page, as text."""
    head = html.split(f'data-table="{table}">', 1)[1].split("</thead>", 1)[0]
    cells = re.findall(r"<th[^>]*>(.*?)</th>", head)
    return [html_lib.unescape(re.sub(r"<[^>]+>", "", h)) for h in cells]


def test_the_issue_columns_say_what_they_count(
    scoring: Scoring, open_page: Callable[..., str]
) -> None:
    """Beside the share of unhappy responses, the count of responses ticking the issue
    says it counts every rating (a tick on 4-5 is praise), and the share says it is the
    1-3 ones out of all the commune's responses. The figures are scoring's: Kha Sơn has
    10 responses ticking "waiting_time", 5 of them rated 2, out of 20 (25 %)."""
    issue = open_page(f"/issue/waiting_time?unit={KHA_SON}&period={PERIOD}")
    assert headings(issue, "communes") == [
        "Xã",
        "Tỷ lệ phiếu chưa hài lòng (1–3 điểm) nêu vấn đề, trên tổng số phiếu của đơn vị (%)",
        "Số phiếu nhắc đến vấn đề (chọn, hoặc nêu trong góp ý; cả khen và chê, 1–5 điểm)",
        "Chỉ số hài lòng của các phiếu nêu vấn đề (%)",
        "Cận dưới (%)",
        "Cận trên (%)",
    ]
    row = issue.split('data-table="communes">', 1)[1].split("<tbody>", 1)[1].split("</tr>")[0]
    assert re.findall(r'data-value="([^"]+)"', row)[:3] == ["25.0", "10", "50.0"]
    english = open_page(f"/issue/waiting_time?unit={KHA_SON}&period={PERIOD}", lang="en")
    assert headings(english, "communes")[1:4] == [
        "Unhappy responses (1–3) that raised the issue, % of all the commune's responses",
        "Responses that mentioned the issue (ticked, or in a comment; praise and complaints"
        " alike, 1–5)",
        "Index among the responses that raised the issue (%)",
    ]
    # the commune page's table of issues says the same
    commune = open_page(f"/commune/{KHA_SON}?period={PERIOD}", lang="en")
    assert headings(commune, "issues")[1:5] == [
        "Responses that mentioned the issue (ticked, or in a comment; praise and complaints"
        " alike, 1–5)",
        "Of which unhappy (1–3)",
        "Unhappy responses (1–3) that raised the issue, % of all the commune's responses",
        "Index among the responses that raised the issue (%)",
    ]


def vi(name: str) -> str:
    return f'<span lang="vi">{name}</span>'


def test_unit_names_are_marked_vietnamese_in_the_english_page(
    scoring: Scoring, open_page: Callable[..., str]
) -> None:
    """A screen reader reads a unit's name in a Vietnamese voice in the English page:
    headings, tables, the ranking chart, banners and their links mark it lang="vi"
    (not the page's own "(former)"); the Vietnamese page, in lang="vi" already, does
    not repeat it."""
    overview = open_page(f"/?period={PERIOD}", lang="en")
    assert '<html lang="en">' in overview
    assert f"<h1>{vi('Tỉnh Thái Nguyên')} <small>" in overview
    ranking = section(overview, "ranking")
    chart, table = ranking.split("<details>", 1)
    for part in (chart, table, section(overview, "heatmap")):
        assert f'">{vi("Xã Kha Sơn")}</a>' in part and f'">{vi("Xã Phú Bình")}</a>' in part

    issue = open_page(f"/issue/waiting_time?period={PERIOD}", lang="en")
    assert f"<small>· {vi('Tỉnh Thái Nguyên')} ·" in issue
    assert f'">{vi("Xã Kha Sơn")}</a>' in section(issue, "communes")

    # Lương Phú ended when Kha Sơn was formed from it (2025-07-01)
    former = open_page(f"/commune/05953@-?period={PERIOD}", lang="en")
    assert f"<h1>{vi('Xã Lương Phú')} (former) <small>" in former
    banner = former.split('id="not-in-force">', 1)[1].split("</p>", 1)[0]
    assert banner.startswith(f"{vi('Xã Lương Phú')} (former) has not been")
    assert f'">{vi("Xã Kha Sơn")}</a>' in banner

    for path in (f"/?period={PERIOD}", f"/commune/05953@-?period={PERIOD}"):
        page = open_page(path)
        assert '<html lang="vi">' in page and '<span lang="vi">' not in page
    assert "<h1>Xã Lương Phú (cũ) <small>" in open_page(f"/commune/05953@-?period={PERIOD}")


def test_the_sipas_table_groups_its_criteria_by_dimension_in_the_html(
    open_page: Callable[..., str],
) -> None:
    """One <tbody> per SIPAS dimension, its first row headed by <th scope="rowgroup">
    naming the dimension, each criterion's row by <th scope="row">: a screen reader
    can tell which dimension a criterion belongs to (CSS alone told only the eye)."""
    page = open_page(f"/commune/{PHU_BINH}?period={PERIOD}")
    table = page.split('data-table="sipas">', 1)[1].split("</table>", 1)[0]
    bodies = re.findall(r'<tbody aria-labelledby="sipas-group-(\d)">(.*?)</tbody>', table, re.S)
    sipas = reference.sipas()
    assert len(bodies) == len(sipas.dimensions) == 5
    for (number, body), dimension in zip(bodies, sipas.dimensions, strict=True):
        # the <tbody> is named by its dimension's name in its header
        assert body.startswith(
            f'<tr class="group"><th scope="rowgroup"><span id="sipas-group-{number}">'
            f"{dimension.label.vi}</span>"
        )
        heads = re.findall(
            r'<tr class="(\w+)"><th scope="(\w+)">(?:<span id="[^"]+">)?([^<]*)(?:</span>)?'
            r' <span class="tag small"[^>]*>Mẫu nhỏ</span></th>',
            body,
        )
        # 20 answers each: every dimension and criterion is tagged a small sample
        assert heads[0] == ("group", "rowgroup", dimension.label.vi)
        assert heads[1:] == [("sub", "row", criterion.label.vi) for criterion in dimension.criteria]
        # the dimension's row and each criterion's carry their figures (20 answers)
        assert body.count('<td class="num"><span data-value="20">') == len(heads)
    assert sum(len(d.criteria) for d in sipas.dimensions) == 19


def test_communes_without_responses_are_not_ranked_shared_or_alerted(
    scoring: Scoring, open_page: Callable[..., str]
) -> None:
    """June 2025 in old Huyện Phú Bình: old Xã Kha Sơn has 3 unsatisfied responses,
    Xã Bàn Đạt a single one, the other communes none. Only those two are ranked; the
    others show "–" for rank and shares (not "0"); Kha Sơn is alerted (0 of 3: its 95%
    interval reaches 56.2%, below 70%), Bàn Đạt's lone answer is not (0 of 1: 79.3%)."""
    records = [answer(JUNE_10, i, "05959@-", 2, issues=("waiting_time",)) for i in range(3)]
    records.append(answer(JUNE_10, 0, "05911@-", 2, issues=("waiting_time",)))
    scoring.store.apply_batch(records, {("t", 0): 100})
    page = open_page("/?unit=173&period=2025-06")
    ranks = re.findall(r'data-unit="([^"]+)" data-rank="(\d*)"', section(page, "ranking"))
    # (by the shrunk index: one answer moves Bàn Đạt less far from the district's mean)
    assert ranks[:2] == [("05911@-", "1"), ("05959@-", "2")] and len(ranks) > 2
    assert {rank for _, rank in ranks[2:]} == {""}
    assert section(page, "ranking").count('<span class="rank-no">–</span>') == len(ranks) - 2
    heat = section(page, "heatmap")
    empty_row = heat.split('data-unit="05908@-">', 1)[1].split("</tr>", 1)[0]
    cells = re.findall(r'data-value="([^"]*)">([^<]*)</td>', empty_row)
    assert cells and set(cells) == {("", "–")}
    alerts = re.findall(r'<li class="alert (\w+)" data-unit="([^"]+)"', section(page, "alerts"))
    assert alerts == [("below", "05959@-")]


def test_a_period_outside_the_picker_stays_chosen(open_page: Callable[..., str]) -> None:
    """A period typed into the address (December 2024, before the picker's lists) is the
    picker's choice, so that "Xem" keeps it."""
    page = open_page("/?unit=173&period=2024-12")
    picker = page.split('<select name="period">', 1)[1].split("</select>", 1)[0]
    assert re.findall(r'<option value="([^"]+)" selected>([^<]+)</option>', picker) == [
        ("2024-12", "Tháng 12/2024")
    ]
    listed = open_page(f"/?unit=173&period={PERIOD}")
    picker = listed.split('<select name="period">', 1)[1].split("</select>", 1)[0]
    assert re.findall(r'<option value="([^"]+)" selected>', picker) == [PERIOD]


def test_the_headline_says_how_many_suspect_responses_it_leaves_out(
    scoring: Scoring, open_page: Callable[..., str]
) -> None:
    """Responses the kiosk flagged are left out of the index by default; the leader
    is told how many, rather than left to wonder why the kiosk's tally is higher."""
    may = [answer(dt.date(2025, 5, 5), i, "05911@-", 5, suspect=i < 2) for i in range(5)]
    scoring.store.apply_batch(may, {("t", 0): 100})
    page = open_page("/?unit=173&period=2025-05")
    assert 'id="headline-n">3</span>' in page
    assert (
        '<div class="muted" data-notice="suspect">Không tính 2 phiếu mà thiết bị đánh giá đã'
        " đánh dấu cần xem lại (chạm quá nhanh, nhiều phiếu giống nhau liên tiếp hoặc ngày"
        " giờ không chắc chắn).</div>"
    ) in page
    english = open_page("/commune/05911@-?period=2025-05", lang="en")
    assert "2 responses flagged by the kiosk for checking" in english
    assert 'data-notice="suspect"' not in open_page("/?unit=173&period=2025-04")


def test_a_field_chosen_on_the_overview_goes_along_to_the_commune(
    open_page: Callable[..., str],
) -> None:
    """A leader looking at civil status procedures (hộ tịch) clicks a commune: its page
    opens with the comments of that field, not all of them."""
    page = open_page(f"/?unit=173&period={PERIOD}&field=ho_tich")
    links = re.findall(r'href="(/commune/[^"]+)"', section(page, "ranking"))
    assert links and all("field=ho_tich" in html_lib.unescape(h) for h in links), links
    commune = open_page(html_lib.unescape(links[0]))
    form = commune.split('<select name="field">', 1)[1].split("</select>", 1)[0]
    chosen = re.findall(r'<option value="([^"]*)" selected>', form)
    assert chosen[:1] == ["ho_tich"]


def test_a_small_sipas_sample_is_flagged_like_the_index(
    scoring: Scoring, open_page: Callable[..., str]
) -> None:
    """Two SIPAS questionnaires give a SIPAS index of their own: flagged "Mẫu nhỏ"
    beside its n, as the satisfaction index is."""
    may = [answer(dt.date(2025, 5, 5), i, "05911@-", 4, criteria={"tc1": 4}) for i in range(2)]
    scoring.store.apply_batch(may, {("t", 0): 100})
    page = open_page("/commune/05911@-?period=2025-05")
    line = page.split("Chỉ số SIPAS chung", 1)[1].split("</p>", 1)[0]
    assert "Số phiếu: 2" in line and "Mẫu nhỏ" in line, line
    # Its 95% interval beside it: 2 of 2 satisfied -> Wilson 34.24 .. 100.
    assert 'Khoảng tin cậy 95%: <span id="sipas-ci">34,2–100,0%</span>' in line, line


def test_a_filtered_comments_file_is_named_by_its_filters(scoring: Scoring, tmp_path: Path) -> None:
    """The comments of rating 1 in land procedures, downloaded, must not carry the name
    of the whole list (a leader keeps both)."""
    client = signed_in(scoring, tmp_path)

    def name(query: str) -> str:
        resp = client.get(f"/csv/commune/{KHA_SON}/comments.csv?period={PERIOD}{query}")
        assert resp.status_code == 200
        return resp.headers["Content-Disposition"]

    assert name("") == f'attachment; filename="thuocdo-commune-comments-05953-{PERIOD}.csv"'
    assert name("&rating=1&field=dat_dai&issue=waiting_time") == (
        f'attachment; filename="thuocdo-commune-comments-05953-rating1-dat_dai-waiting_time'
        f'-{PERIOD}.csv"'
    )


def test_on_a_phone_only_a_column_of_names_stays_in_view(
    scoring: Scoring, open_page: Callable[..., str]
) -> None:
    """The first column stays while a wide table scrolls on a phone when it names the
    rows (fields, issues); not the ranking's rank or the comments' date."""
    comment = answer(dt.date(2025, 8, 5), 0, KHA_SON, 2, comment="Phải chờ lâu.")
    scoring.store.apply_batch([comment], {("t", 0): 1_000})
    tables = re.findall(
        r'<table class="([^"]+)" data-table="([^"]+)"',
        open_page(f"/commune/{KHA_SON}?period={PERIOD}") + open_page(f"/?unit=173&period={PERIOD}"),
    )
    named = {name for cls, name in tables if "named" in cls.split()}
    shown = {name for _, name in tables}
    assert {"fields", "issues", "ranking", "comments"} <= shown, shown
    assert {"fields", "issues"} <= named and not {"ranking", "comments"} & named, tables


def test_comments_deleted_by_the_retention_rule_are_said_to_be(
    scoring: Scoring, open_page: Callable[..., str]
) -> None:
    """A period whose comments were blanked by purge-comments says so, instead of
    reading as a period when citizens wrote nothing; a later period does not."""
    may = [answer(dt.date(2025, 5, 5), i, "05911@-", 2, comment="Phải chờ lâu.") for i in range(2)]
    scoring.store.apply_batch(may, {("t", 0): 1_000})
    scoring.store.purge_comments(dt.datetime(2025, 6, 1, 0, 0, tzinfo=VN))
    page = open_page("/commune/05911@-?period=2025-05")
    assert (
        '<p class="muted" data-notice="purged">Góp ý gửi trước ngày 01/06/2025 đã được xóa'
        " theo thời hạn lưu giữ góp ý; điểm đánh giá và các số liệu vẫn được giữ nguyên.</p>"
    ) in page
    assert "Phải chờ lâu." not in page
    assert 'data-notice="purged"' not in open_page(f"/commune/{KHA_SON}?period={PERIOD}")


def test_a_commune_or_issue_page_leads_back_to_the_overview(open_page: Callable[..., str]) -> None:
    """Beside the logo, a link back to the overview of the same period."""
    back = f'<a class="back-overview" href="/?period={PERIOD}">← Tổng quan</a>'
    assert back in open_page(f"/commune/{KHA_SON}?period={PERIOD}")
    assert back in open_page(f"/issue/waiting_time?unit={KHA_SON}&period={PERIOD}")
    assert 'class="back-overview"' not in open_page(f"/?period={PERIOD}")
    # A commune's own user: the commune page is their overview; an issue leads back to it.
    mine = {"role": "commune", "unit": KHA_SON}
    assert 'class="back-overview"' not in open_page(f"/commune/{KHA_SON}?period={PERIOD}", **mine)
    assert back in open_page(f"/issue/waiting_time?unit={KHA_SON}&period={PERIOD}", **mine)


def test_a_heatmap_share_under_one_percent_is_not_shown_as_zero(
    scoring: Scoring, open_page: Callable[..., str]
) -> None:
    """Cells have one decimal, as the commune and issue pages show the same shares
    (they were whole percents: 16,7 there read 17 here): one complaint in 201
    responses is 0,5 %, not "0", which would read as none; none at all is "0"."""
    happy = [answer(JUNE_10, 0, "05911@-", 5, id=f"happy-{k}") for k in range(200)]
    one = answer(JUNE_10, 1, "05911@-", 2, issues=("waiting_time",))
    scoring.store.apply_batch([*happy, one], {("t", 0): 1_000})
    heat = section(open_page("/?unit=173&period=2025-06"), "heatmap")
    row = heat.split('data-unit="05911@-">', 1)[1].split("</tr>", 1)[0]
    cell = r'data-value="([^"]*)">(?:<a [^>]*>)?([^<]*)(?:</a>)?</td>'  # (a share: a link)
    shown = re.findall(cell, row)
    assert ("0.5", "0,5") in shown and ("0.0", "0") in shown, shown
    # one in 103 (0,97 %) reads "1,0", one decimal like the commune and issue pages
    more = [answer(JUNE_10, 0, "05917@-", 5, id=f"happy2-{k}") for k in range(102)]
    more.append(answer(JUNE_10, 1, "05917@-", 2, id="one2", issues=("waiting_time",)))
    scoring.store.apply_batch(more, {("t", 0): 2_000})
    heat = section(open_page("/?unit=173&period=2025-06"), "heatmap")
    row = heat.split('data-unit="05917@-">', 1)[1].split("</tr>", 1)[0]
    cells = re.findall(cell, row)
    assert [shown for value, shown in cells if value and float(value) > 0] == ["1,0"], cells


def test_a_comments_page_past_the_last_goes_to_the_last(scoring: Scoring, tmp_path: Path) -> None:
    """An old link to comments page 9 when there are two pages (or one) leads to the
    last page, with the other filters kept, not to an empty "trang 9/2"."""
    comments = [
        answer(
            dt.date(2025, 8, 1),
            i % 20,
            KHA_SON,
            2 if i < 60 else 3,
            id=f"c{i}",
            comment=f"Góp ý số {i}.",
        )
        for i in range(70)
    ]
    scoring.store.apply_batch(comments, {("t", 0): 1_000})
    client = signed_in(scoring, tmp_path)
    base = f"/commune/{KHA_SON}"
    resp = client.get(f"{base}?period={PERIOD}&rating=2&cpage=9")
    assert resp.status_code == 302
    assert resp.headers["Location"] == f"{base}?period={PERIOD}&rating=2&cpage=2"
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "trang 2/2" in page and "Góp ý số" in page
    resp = client.get(f"{base}?period={PERIOD}&rating=3&cpage=5")  # one page: no cpage
    assert resp.status_code == 302
    assert resp.headers["Location"] == f"{base}?period={PERIOD}&rating=3"
    assert client.get(f"{base}?period={PERIOD}&rating=1&cpage=3").status_code == 200  # none


def test_the_headings_name_the_kinds_of_commune_listed(
    scoring: Scoring, open_page: Callable[..., str]
) -> None:
    """Phú Bình had a town (thị trấn Hương Sơn) and communes before 1 July 2025, and only
    communes (xã) after: the headings say so, not "xã, phường" in both."""
    june = [answer(JUNE_10, 0, "05908@-", 4, id="june-town"), answer(JUNE_10, 1, "05911@-", 2)]
    scoring.store.apply_batch(june, {("t", 0): 1_000})
    before = open_page("/?unit=173&period=2025-06")
    assert "<h2>Xếp hạng các xã, thị trấn</h2>" in before
    assert "<h2>Vấn đề theo xã, thị trấn</h2>" in before
    assert headings(before, "ranking")[1] == "Xã, thị trấn"
    after = open_page(f"/?unit=19&period={PERIOD}")
    assert "<h2>Xếp hạng các xã</h2>" in after and "<h2>Vấn đề theo xã</h2>" in after
    assert headings(after, "heatmap")[0] == "Xã"
    issue = open_page("/issue/waiting_time?unit=173&period=2025-06")
    assert "Theo xã, thị trấn" in issue
    assert "Xếp hạng các xã, phường" not in before + after


def test_query_words_the_pages_do_not_know_are_ignored(open_page: Callable[..., str]) -> None:
    """A link with ?key=, ?table= or ?code= (names of the routes' own parts) or
    ?_external= gets the page as without them, not a server error, and the page's
    own links do not carry them on."""
    odd = "&key=x&table=y&code=z&_external=1&_anchor=a"

    def links(path: str) -> str:
        # every address the page gives, but the language switch's way back to it
        hrefs = re.findall(r'(?:href|data-api)="([^"]*)"', open_page(path + odd))
        return " ".join(h for h in hrefs if "next=" not in h)

    for path in (f"/commune/{KHA_SON}?period={PERIOD}", "/?unit=173&period=2025-08"):
        shown = links(path)
        assert "period=" in shown and "csv" in shown, shown
        assert not re.search(r"key=x|table=y|code=z|_external|#a\b", shown), shown
    assert "code=z" not in links(f"/issue/waiting_time?unit=173&period={PERIOD}")


def test_a_period_without_a_response_shows_no_figures_not_zeros(
    open_page: Callable[..., str],
) -> None:
    """January 2025 has no response at all: the ranking and the heatmap say there are
    no figures instead of listing 20 communes with 0 responses tagged "Mẫu nhỏ"; a
    commune page before the commune was formed has no table of zeros for its issues."""
    page = open_page("/?unit=173&period=2025-01")
    for name in ("ranking", "heatmap"):
        assert "Chưa có số liệu cho kỳ này." in section(page, name), name
    assert 'data-table="ranking"' not in page and 'data-table="heatmap"' not in page
    assert "Mẫu nhỏ</span>" not in page
    commune = open_page(f"/commune/{KHA_SON}?period=2025-06")
    assert 'data-table="issues"' not in commune
    # a month with responses keeps both, and a commune page its issues
    assert 'data-table="heatmap"' in open_page(f"/?unit=19&period={PERIOD}")
    assert 'data-table="issues"' in open_page(f"/commune/{KHA_SON}?period={PERIOD}")


def test_a_former_commune_says_until_when_it_was_in_force(open_page: Callable[..., str]) -> None:
    """In force since before our records: "Hoạt động đến hết ngày 30/06/2025", not "trước
    năm 2025 – 30/06/2025"; a commune formed in the reform gives both dates. The
    comments' tag filter is named as its column is: a tag is a problem or praise."""
    old = open_page("/commune/05911@-?period=2025-06")
    assert '<p class="muted">Hoạt động đến hết ngày 30/06/2025. Từ 01/07/2025' in old
    assert "trước năm 2025" not in old
    new = open_page(f"/commune/{KHA_SON}?period={PERIOD}")
    assert '<p class="muted">Thời gian hoạt động: 01/07/2025 – nay</p>' in new
    assert '<label>Vấn đề / điểm được khen <select name="issue">' in new
    assert 'id="in-force-part"' not in new
    # The year of the reform: the new commune's figures are half a year's.
    year = open_page(f"/commune/{KHA_SON}?period=2025")
    banner = year.split('id="in-force-part">', 1)[1].split("</p>", 1)[0]
    assert banner.startswith(
        "Xã Kha Sơn được thành lập từ ngày 01/07/2025; số liệu kỳ này chỉ tính từ ngày đó."
    ), banner
    assert "Số liệu của các đơn vị cũ: " in banner and "Xã Lương Phú (cũ)" in banner


def test_an_issue_opened_from_the_heatmap_keeps_its_unit_and_field(
    scoring: Scoring, open_page: Callable[..., str]
) -> None:
    """The province's leader looks at former Phú Bình's land procedures (đất đai) in
    June 2025 and clicks the waiting-time column: the issue page is Phú Bình's, among
    land procedures, with the heatmap's share (1 in 2, not 1 in 3 of every field);
    "← Tổng quan" goes back to the same overview."""
    june = [
        answer(JUNE_10, 0, "05911@-", 2, id="land-slow", field="dat_dai", issues=("waiting_time",)),
        answer(JUNE_10, 1, "05911@-", 5, id="land-fine", field="dat_dai"),
        answer(JUNE_10, 2, "05911@-", 5, id="birth-fine"),
    ]
    scoring.store.apply_batch(june, {("t", 0): 1_000})
    overview = open_page("/?unit=173&period=2025-06&field=dat_dai")
    head = section(overview, "heatmap").split("</thead>", 1)[0]
    href = html_lib.unescape(re.findall(r'href="(/issue/waiting_time[^"]*)"', head)[0])
    assert "unit=173" in href and "field=dat_dai" in href and "period=2025-06" in href, href
    issue = open_page(href)
    assert "Lĩnh vực: Đất đai" in issue.split("</h1>", 1)[0]
    assert "Huyện Phú Bình" in issue.split("</h1>", 1)[0]
    row = issue.split('data-table="communes">', 1)[1].split("<tbody>", 1)[1].split("</tr>")[0]
    assert "Xã Bàn Đạt" in row and re.findall(r'data-value="([^"]+)"', row)[:2] == ["50.0", "1"]
    back = html_lib.unescape(re.findall(r'class="back-overview" href="([^"]+)"', issue)[0])
    assert "field=dat_dai" in back and "unit=173" in back and "period=2025-06" in back, back
    again = open_page(back)
    assert "Lĩnh vực: Đất đai" in again.split("</h1>", 1)[0] and "Huyện Phú Bình" in again


def test_a_commune_page_with_a_field_says_only_its_comments_follow_it(
    open_page: Callable[..., str],
) -> None:
    """Opened from the overview of land procedures, a commune page's index and tables
    are still every field's: it says so, rather than let 47 % read as land's."""
    page = open_page(f"/commune/{KHA_SON}?period={PERIOD}&field=dat_dai")
    note = page.split('data-notice="field">', 1)[1].split("</p>", 1)[0]
    assert note == (
        "Chỉ số và các bảng dưới đây là của mọi lĩnh vực (lĩnh vực Đất đai có một dòng riêng"
        " trong bảng Lĩnh vực thủ tục hành chính); riêng phần góp ý đang được lọc theo lĩnh"
        " vực Đất đai."
    )
    assert 'data-notice="field"' not in open_page(f"/commune/{KHA_SON}?period={PERIOD}")


def test_a_ranking_across_the_reform_says_each_unit_counts_its_own_months(
    scoring: Scoring, open_page: Callable[..., str]
) -> None:
    """The year 2025 ranks the 20 communes before 1 July and the 5 after it in one
    list: the page says each counts only its own months; a month does not."""
    scoring.store.apply_batch([answer(JUNE_10, 0, "05911@-", 4, id="june-1")], {("t", 0): 1_000})
    year = section(open_page("/?unit=19&period=2025"), "ranking")
    assert 'data-notice="mixed"' in year and "Xã Bàn Đạt (cũ)" in year and "Xã Kha Sơn" in year
    assert 'data-notice="mixed"' not in section(open_page(f"/?unit=19&period={PERIOD}"), "ranking")


def _about(client: FlaskClient, path: str) -> tuple[str, dict[str, str]]:
    """The first sheet's name and the lines of the "about" sheet of an Excel file."""
    resp = client.get(path)
    assert resp.status_code == 200, (path, resp.status_code)
    book = load_workbook(io.BytesIO(resp.data))
    first, about = book.worksheets
    return first.title, {str(a): str(b) for a, b in about.iter_rows(values_only=True)}


def test_an_excel_file_says_what_it_covers(scoring: Scoring, tmp_path: Path) -> None:
    """A file forwarded on its own (by mail, Zalo) must say its unit, period, field and
    filters in words; its name has them only in codes, and only until renamed."""
    client = signed_in(scoring, tmp_path)
    title, about = _about(
        client,
        f"/xlsx/commune/{KHA_SON}/comments.xlsx?period={PERIOD}"
        "&rating=1&field=dat_dai&issue=waiting_time",
    )
    assert title == about["Bảng"] == "Góp ý gần đây"
    assert about["Đơn vị"] == "Xã Kha Sơn"
    assert about["Kỳ báo cáo"] == "Tháng 8/2025"
    assert about["Lĩnh vực"] == "Đất đai"
    assert about["Mức đánh giá"] == "1 – Rất không hài lòng"
    assert about["Vấn đề / điểm được khen"] == reference.issues()["waiting_time"].label.vi
    page = about["Xem trên trang"]
    assert page.startswith(f"http://localhost/commune/{KHA_SON}?"), page
    assert all(f in page for f in ("rating=1", "field=dat_dai", "issue=waiting_time", PERIOD))
    made = dt.datetime.strptime(about["Tạo tệp lúc"], "%H:%M %d/%m/%Y").replace(tzinfo=VN)
    assert abs(made - dt.datetime.now(VN)) < dt.timedelta(minutes=2)
    # The commune's own tables cover every field, whatever the comments are filtered to.
    _, fields = _about(client, f"/xlsx/commune/{KHA_SON}/fields.xlsx?period={PERIOD}&field=dat_dai")
    assert fields["Lĩnh vực"] == "Tất cả lĩnh vực" and "Mức đánh giá" not in fields
    # The overview's tables follow its field; the issue page names its issue.
    _, ranking = _about(client, f"/xlsx/overview/ranking.xlsx?period={PERIOD}&field=dat_dai")
    assert ranking["Lĩnh vực"] == "Đất đai" and ranking["Đơn vị"] == "Tỉnh Thái Nguyên"
    assert "Vấn đề" not in ranking
    _, issue = _about(client, f"/xlsx/issue/waiting_time/communes.xlsx?period={PERIOD}")
    assert issue["Vấn đề"] == reference.issues()["waiting_time"].label.vi
    assert issue["Lĩnh vực"] == "Tất cả lĩnh vực"
    assert issue["Xem trên trang"].startswith("http://localhost/issue/waiting_time?")
    english = signed_in(scoring, tmp_path / "en", lang="en")
    _, about_en = _about(english, f"/xlsx/overview/ranking.xlsx?period={PERIOD}")
    assert about_en["Period"] == "Aug 2025" and about_en["Field"] == "All fields"


def test_an_excel_file_made_from_kept_figures_says_so(scoring: Scoring, tmp_path: Path) -> None:
    """With scoring away, a file is made from the last figures kept, as the page shows
    them under its banner; the file said nothing of it, and was forwarded as current."""
    scoring.store.note_consumer(dt.datetime.now(dt.UTC), 0, 0)  # figures moving
    client = signed_in(scoring, tmp_path)
    path = f"/xlsx/overview/ranking.xlsx?period={PERIOD}"
    _, fresh = _about(client, path)
    assert "Lưu ý về số liệu" not in fresh
    scoring.failing = {"/api/v1/units"}
    _, kept = _about(client, path)
    note = kept["Lưu ý về số liệu"]
    assert note.startswith(
        "Không kết nối được với hệ thống tính chỉ số; số liệu đang hiển thị được cập nhật lúc "
    ), note
    assert list(kept)[-2:] == ["Lưu ý về số liệu", "Xem trên trang"]


def _dashboard(scoring: Scoring, data_dir: Path, url: str, token: str) -> FlaskClient:
    settings = DashboardSettings(
        secret_key="k" * 32,
        data_dir=data_dir,
        scoring_url=url,
        scoring_token=token,
        scoring_timeout=5.0,
    )
    app = dashboard_app(settings, TESTING=True)
    app.extensions["thuocdo_accounts"].add("tinh", "district", "19", PASSWORD)
    client: FlaskClient = app.test_client()
    with client.session_transaction() as session:
        session["user"] = "tinh"
    return client


def test_a_wrong_scoring_address_is_said_not_shown_as_no_data(
    scoring: Scoring, tmp_path: Path
) -> None:
    """THUOCDO_SCORING_URL with "/api/v1" added (an easy mistake) made every call a
    404, which the pages took for "no data" and "no alerts": a leader read that no
    commune needed attention. It is now scoring not answering, said on the page, and
    the dashboard is not ready."""
    client = _dashboard(scoring, tmp_path, f"{scoring.url}/api/v1", TOKEN)
    page = client.get(f"/?period={PERIOD}").get_data(as_text=True)
    assert "Không kết nối được hệ thống tính chỉ số" in page
    assert "Không có cảnh báo trong kỳ này." not in page
    assert "Chưa có số liệu cho kỳ này." not in page
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["scoring"] == "HTTP 404"
    # An unknown unit's 404 is still scoring's answer about the query.
    right = _dashboard(scoring, tmp_path / "right", scoring.url, TOKEN)
    assert right.get("/readyz").status_code == 200
    assert "Không kết nối được" not in right.get(f"/?period={PERIOD}").get_data(as_text=True)


def test_a_wrong_scoring_token_makes_the_dashboard_not_ready(
    scoring: Scoring, tmp_path: Path
) -> None:
    client = _dashboard(scoring, tmp_path, scoring.url, "wrong-token")
    ready = client.get("/readyz")
    assert ready.status_code == 503, ready.get_json()
    assert ready.get_json()["scoring"] == "token refused (HTTP 401): check THUOCDO_SCORING_TOKEN"


def test_a_sipas_dimension_with_few_answers_counts_in_part_and_is_marked(
    scoring: Scoring, open_page: Callable[..., str]
) -> None:
    """Old Xã Bàn Đạt, June 2025: 40 SIPAS responses rate tc1, tt1, cc1 and kq1 all 5;
    one of them also rates gy1 (feedback) 1. The overall index is 400 / (4 + 1/30) =
    99.17 (it was 80), the feedback dimension shows its 0 % with its interval and "Mẫu
    nhỏ", and the page says it counts only in part."""
    records = [
        answer(
            JUNE_10,
            i % 15,
            "05911@-",
            5,
            id=f"ban-dat-{i}",
            criteria={"tc1": 5, "tt1": 5, "cc1": 5, "kq1": 5, **({"gy1": 1} if i == 0 else {})},
        )
        for i in range(40)
    ]
    scoring.store.apply_batch(records, {("t", 0): 100})
    page = section(open_page("/commune/05911@-?period=2025-06"), "sipas")
    assert re.search(r"Chỉ số SIPAS chung: <strong>99,2%</strong>", page), page[:600]
    assert (
        '<p class="muted" data-notice="sipas-damped">Yếu tố có ít phiếu trả lời (mẫu nhỏ) chỉ'
        " được tính một phần vào chỉ số chung, theo số phiếu: “Tiếp nhận, giải quyết góp ý,"
        " phản ánh, kiến nghị”.</p>"
    ) in page
    feedback = page.split('id="sipas-group-5">', 1)[1].split("</tr>", 1)[0]
    assert "Mẫu nhỏ</span></th>" in feedback
    # n 1, index 0, Wilson 0 .. 79.35 (0 of 1)
    values = re.findall(r'data-value="([^"]*)"', feedback)
    assert values == ["1", "0.0", "0.0", "79.35"]
    access = page.split('id="sipas-group-1">', 1)[1].split("</tr>", 1)[0]
    assert "Mẫu nhỏ" not in access


def test_each_table_offers_its_files_once(open_page: Callable[..., str]) -> None:
    """The trend's and the ranking's tables, folded under "Xem bảng số liệu…", had
    "Tải CSV · Tải Excel" inside as well as below: twice once opened."""
    for path in (f"/?unit=19&period={PERIOD}", f"/commune/{PHU_BINH}?period={PERIOD}"):
        page = open_page(path)
        for name in re.findall(r'data-table="(\w+)"', page):
            if name == "ranking-chart":
                continue
            assert page.count(f'data-csv="{name}"') == 1, (path, name)
            assert page.count(f'data-xlsx="{name}"') == 1, (path, name)
        assert page.count('data-csv="trend"') == 1


def test_a_merged_communes_user_lands_on_its_last_month(scoring: Scoring, tmp_path: Path) -> None:
    """Old Xã Lương Phú (05953@-) ended on 2025-06-30. Its user landed on this month:
    "no longer an administrative unit", no figures. A period asked for is kept, and a
    commune in force still lands on this month."""
    old = signed_in(scoring, tmp_path / "a", role="commune", unit="05953@-")
    resp = old.get("/")
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/commune/05953@-?period=2025-06"
    kept = old.get("/?period=2025-05")
    assert kept.headers["Location"] == "/commune/05953@-?period=2025-05"
    new = signed_in(scoring, tmp_path / "b", role="commune", unit="05953@2025-07-01")
    assert new.get("/").headers["Location"] == "/commune/05953@2025-07-01"


def test_an_error_page_keeps_the_user_and_logout_in_its_header(
    scoring: Scoring, tmp_path: Path
) -> None:
    """A commune user on another commune's page (403), or on an unknown one (404), had
    a header without their name or "Đăng xuất": no way to log out from there."""
    client = signed_in(scoring, tmp_path, role="commune", unit="05953@2025-07-01")
    for path, status in (("/commune/05941@2025-07-01", 403), ("/commune/99999@-", 404)):
        resp = client.get(path)
        assert resp.status_code == status
        page = resp.get_data(as_text=True)
        assert '<span class="who" title="tinh">tinh</span>' in page, path
        assert 'action="/logout"' in page and 'name="csrf_token"' in page


def test_a_period_not_over_says_up_to_which_day(open_page: Callable[..., str]) -> None:
    """On the 1st of a month its page showed "Tháng 12/2026" over one day's figures,
    like a month's. The heading of a period that has not ended names today."""
    today = local_today()
    month = f"{today:%Y-%m}"
    page = open_page(f"/?unit=19&period={month}")
    heading = page.split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert heading.endswith(f"Tháng {today.month}/{today.year} (đến ngày {today:%d/%m})</small>")
    year = open_page(f"/?unit=19&period={today.year}", lang="en")
    assert f"{today.year} (to {today:%d/%m})</small></h1>" in year
    over = open_page(f"/?unit=19&period={PERIOD}")
    assert "(đến ngày" not in over.split("</h1>", 1)[0]


def test_a_trend_without_any_answer_says_so_instead_of_an_empty_chart(
    open_page: Callable[..., str],
) -> None:
    """A period whose chart reaches back over no answer at all (here June 2024, a year
    before the store's first response) drew a blank grid, which reads as broken. The
    chart's card says why it is empty; with answers, that line is hidden."""
    empty = open_page("/?unit=173&period=2024-06")
    card = empty.split('id="trend-chart"', 1)[1].split("</section>", 1)[0]
    note = re.search(r'<p id="trend-empty" class="muted"( hidden)?>([^<]*)</p>', card)
    assert note is not None, card
    assert note.group(1) is None
    assert note.group(2) == "Chưa có phiếu đánh giá nào trong khoảng thời gian của biểu đồ."
    # nor a table, a CSV and an Excel file of zeros
    assert 'data-csv="trend"' not in card and "<details>" not in card, card
    full = open_page(f"/commune/{KHA_SON}?period={PERIOD}")
    card = full.split('id="trend-chart"', 1)[1].split("</section>", 1)[0]
    assert '<p id="trend-empty" class="muted" hidden>' in card
    assert 'data-csv="trend"' in card and "<details>" in card
    # An issue's trend counts the responses raising it: its note says that much.
    issue = open_page("/issue/fees?unit=173&period=2024-06")
    card = issue.split('id="trend-chart"', 1)[1].split("</section>", 1)[0]
    assert "Không có phiếu nào nêu vấn đề này trong khoảng thời gian của biểu đồ." in card


def test_the_trend_file_of_a_window_without_an_answer_has_no_rows(
    scoring: Scoring, open_page: Callable[..., str], tmp_path: Path
) -> None:
    """June 2024's trend window (July 2023 to June 2024) holds no answer: its page
    offers no trend file, yet the file's address served twelve rows of zeros. It is now
    the header alone, as the ranking's and the heatmap's of a period without an answer;
    the issue page shows no table of zeros either. A window with answers keeps its
    twelve months."""
    client = signed_in(scoring, tmp_path / "xlsx")
    for path in (
        "/{fmt}/overview/trend.{fmt}?unit=173&period=2024-06",
        f"/{{fmt}}/commune/{KHA_SON}/trend.{{fmt}}?period=2024-06",
        "/{fmt}/issue/fees/trend.{fmt}?unit=173&period=2024-06",
    ):
        csv = open_page(path.format(fmt="csv")).lstrip("\ufeff").splitlines()
        assert len(csv) == 1 and csv[0].startswith("Mã kỳ,Kỳ,Số phiếu,"), (path, csv)
        resp = client.get(path.format(fmt="xlsx"))
        assert resp.status_code == 200, path
        sheet = load_workbook(io.BytesIO(resp.data)).worksheets[0]
        assert list(sheet.iter_rows(values_only=True)) == [tuple(csv[0].split(","))], path
    issue = open_page("/issue/fees?unit=173&period=2024-06")
    assert 'data-table="trend"' not in issue and "Chưa có số liệu cho kỳ này." not in issue
    full = open_page(f"/csv/overview/trend.csv?unit=19&period={PERIOD}").lstrip("\ufeff")
    rows = full.splitlines()[1:]
    assert len(rows) == 12 and rows[-1].startswith(f"{PERIOD},"), rows


def test_a_commune_has_no_overview_file_nor_json(open_page: Callable[..., str]) -> None:
    """A commune's overview files read "Hạng 1" of a ranking of one (helper-63): the
    page redirects to the commune's own, and its JSON and files are not found."""
    mine = {"role": "commune", "unit": KHA_SON}
    for path in ("/csv/overview/ranking.csv", "/xlsx/overview/ranking.xlsx", "/api/overview"):
        open_page(path, status=404, **mine)
        open_page(f"{path}?unit={KHA_SON}&period={PERIOD}", status=404)
    assert "Xã Phú Bình" in open_page(f"/csv/overview/ranking.csv?period={PERIOD}")


def test_a_heatmap_row_of_few_responses_says_so(
    scoring: Scoring, open_page: Callable[..., str]
) -> None:
    """A commune of 5 responses, one of which waited, showed "20" under waiting time,
    shaded like a finding of 300 (helper-63); the ranking above marks it "Mẫu nhỏ",
    the heatmap did not. Its row now says so and its cells are striped; from 30
    responses up, and without any, a row is plain."""
    few = [answer(JUNE_10, i, "05911@-", 2 if i else 5, issues=("waiting_time",)) for i in range(5)]
    many = [answer(JUNE_10, i % 20, "05917@-", 4, id=f"many-{i}") for i in range(30)]
    scoring.store.apply_batch([*few, *many], {("t", 0): 3_000})
    heat = section(open_page("/?unit=173&period=2025-06"), "heatmap")
    rows = dict(re.findall(r'<tr data-unit="([^"]+)"( class="small")?>', heat))
    assert rows["05911@-"] == ' class="small"'
    assert rows["05917@-"] == "" and rows["05908@-"] == ""  # 30 responses; none
    small = heat.split('data-unit="05911@-" class="small">', 1)[1].split("</th>", 1)[0]
    assert '<span class="tag small"' in small and "Mẫu nhỏ" in small
    assert heat.count("Mẫu nhỏ</span>") == 1


def test_a_keyboard_can_skip_the_header_and_each_long_table(
    open_page: Callable[..., str],
) -> None:
    """Every row of a table is a link or two, and the heatmap has one at each column:
    a keyboard user crossed 37 Tab stops to get past it. The page now opens with a link
    past its header, and the heatmap and each table of more than 8 rows of links with one
    past them, to a mark just before the table's files; a short table, or one without
    links (SIPAS' 19 criteria), has none (one Tab stop more for nothing)."""
    overview = open_page(f"/?unit=19&period={PERIOD}", lang="vi")
    assert re.search(
        r'<body>\s*<a class="skip" href="#main">Chuyển đến nội dung chính</a>', overview
    )
    assert 'id="main"' in overview
    heat = section(overview, "heatmap")
    title = html_lib.unescape(re.search(r"<h2>([^<]+)</h2>", heat).group(1))  # type: ignore[union-attr]
    skip = re.search(r'<a class="skip skip-table" href="#after-heatmap">([^<]+)</a>', heat)
    assert skip and html_lib.unescape(skip.group(1)) == f"Bỏ qua bảng “{title}”"
    # the mark comes after the table, right before its files
    assert heat.index(skip.group(0)) < heat.index('data-table="heatmap"')
    after = heat.index('<span id="after-heatmap"></span>')
    assert heat.index("</table>") < after < heat.index('data-csv="heatmap"')
    # two communes ranked: no skip link there
    assert "#after-ranking" not in overview and 'id="after-ranking"' not in overview
    # the commune's issues (nine, each a link to the issue's page) have one, and its
    # mark; the SIPAS table (19 criteria, no link) none
    commune = open_page(f"/commune/{PHU_BINH}?period={PERIOD}", lang="en")
    assert re.search(r'<a class="skip skip-table" href="#after-issues">Skip the table “', commune)
    issues = commune.split('href="#after-issues"', 1)[1]
    assert issues.index('data-table="issues"') < issues.index("</table>")
    assert issues.index("</table>") < issues.index('<span id="after-issues"></span>')
    assert "after-sipas" not in commune and 'data-table="sipas"' in commune
    assert '<a class="skip" href="#main">Skip to main content</a>' in commune


def test_a_heatmap_cell_leads_to_the_communes_comments_on_its_issue(
    open_page: Callable[..., str],
) -> None:
    """A leader sees that a quarter of Kha Sơn's responses complain of waiting time,
    and wants to know why: the cell now leads to Kha Sơn's page at its comments, of
    the unsatisfied (1-3, what the share counts) raising that issue. A cell no
    response raised leads nowhere."""
    heat = section(open_page(f"/?unit=19&period={PERIOD}"), "heatmap")
    row = heat.split(f'data-unit="{KHA_SON}"', 1)[1].split("</tr>", 1)[0]
    codes = list(reference.issues())
    cells = re.findall(r'<td class="heat"[^>]*data-value="([^"]*)">(.*?)</td>', row)
    assert len(cells) == len(codes)
    for code, (value, inner) in zip(codes, cells, strict=True):
        link = re.fullmatch(
            r'<a href="([^"]+)" title="([^"]+)" aria-label="([^"]+)">([^<]+)</a>', inner
        )
        if code == "waiting_time":
            assert float(value) == 25.0  # 5 of its 20 rated 2 and ticked it
            assert link, inner
            href = html_lib.unescape(link.group(1))
            path, query = href.split("#")[0].split("?")
            assert path == f"/commune/{KHA_SON}" and href.endswith("#comments")
            assert sorted(query.split("&")) == sorted(
                [f"period={PERIOD}", "issue=waiting_time", "rating=1-3"]
            )
            issue = reference.issues()["waiting_time"].label.vi
            what = f"Xem góp ý của người dân chưa hài lòng ở Xã Kha Sơn về “{issue}”"
            assert html_lib.unescape(link.group(2)) == what
            # a screen reader hears the share and where it leads, not "25" alone
            assert html_lib.unescape(link.group(3)) == f"25,0 %. {what}"
        else:
            assert float(value or 0) == 0 and link is None, (code, inner)
    target = open_page(href.split("#")[0])
    assert '<section class="card" id="comments">' in target
    chosen = re.search(r'<select name="issue">.*?</select>', target, re.S)
    assert chosen and '<option value="waiting_time" selected>' in chosen.group(0)
    rating = re.search(r'<select name="rating">.*?</select>', target, re.S)
    assert rating and '<option value="1-3" selected>Chưa hài lòng (1–3)</option>' in rating.group(0)
    # no comment among them: the page says how many responses raised it (5, rated 2)
    notice = re.search(r'data-notice="issue-responses">([^<]+)<', target)
    assert notice and notice.group(1) == (
        "Trong kỳ có 5 phiếu chưa hài lòng nêu vấn đề này; dưới đây chỉ liệt kê những phiếu"
        " có ghi nội dung góp ý."
    )
    # without the rating filter, every response raising it (5 rated 2, 5 rated 5)
    every = open_page(f"/commune/{KHA_SON}?period={PERIOD}&issue=waiting_time")
    assert "Trong kỳ có 10 phiếu nêu vấn đề này;" in every
    # with a field, or one rating, the commune's counts (of every field, every rating)
    # would not be those of the list: no such line
    for query in ("&field=ho_tich", "&rating=2"):
        assert "issue-responses" not in open_page(
            f"/commune/{KHA_SON}?period={PERIOD}&issue=waiting_time{query}"
        )
    # an issue's page leads to each commune's complaints on it, at the page's top
    issue_page = open_page(f"/issue/waiting_time?unit=19&period={PERIOD}")
    links = re.findall(r'href="(/commune/[^"]+)"', issue_page)
    kha_son = [html_lib.unescape(h) for h in links if KHA_SON in h]
    assert kha_son and all("issue=waiting_time" in h and "rating=1-3" in h for h in kha_son)
    assert not any("#" in h for h in kha_son)


def test_comments_can_be_filtered_to_the_unsatisfied_or_the_satisfied(
    scoring: Scoring, tmp_path: Path
) -> None:
    """Beside one rating, the comments' filter offers "Chưa hài lòng (1–3)" and "Hài lòng
    (4–5)": a leader reads the complaints about an issue without its praise. The file
    made from such a list is named and described by it."""
    comments = [
        answer(
            dt.date(2025, 8, 2), i, KHA_SON, overall, id=f"m{overall}", comment=f"Ý kiến {overall}."
        )
        for i, overall in enumerate((1, 2, 3, 4, 5))
    ]
    scoring.store.apply_batch(comments, {("t", 0): 1_000})
    client = signed_in(scoring, tmp_path)
    base = f"/commune/{KHA_SON}?period={PERIOD}"

    def shown(query: str) -> list[str]:
        page = client.get(base + query).get_data(as_text=True)
        return sorted(re.findall(r"Ý kiến (\d)\.", section(page, "comments")))

    assert shown("") == ["1", "2", "3", "4", "5"]
    assert shown("&rating=1-3") == ["1", "2", "3"]
    assert shown("&rating=4-5") == ["4", "5"]
    assert shown("&rating=2") == ["2"]
    assert client.get(base + "&rating=1-4").status_code == 400
    resp = client.get(f"/csv/commune/{KHA_SON}/comments.csv?period={PERIOD}&rating=1-3")
    assert resp.headers["Content-Disposition"] == (
        f'attachment; filename="thuocdo-commune-comments-05953-rating1-3-{PERIOD}.csv"'
    )
    assert sorted(re.findall(r"Ý kiến (\d)\.", resp.get_data(as_text=True))) == ["1", "2", "3"]
    _, about = _about(client, f"/xlsx/commune/{KHA_SON}/comments.xlsx?period={PERIOD}&rating=4-5")
    assert about["Mức đánh giá"] == "Hài lòng và rất hài lòng (4–5)"


UNDER = "các đơn vị trực thuộc trước và sau mốc này không giống nhau."
FORMED = "đơn vị này được thành lập từ mốc đó nên trước đó không có số liệu."
ENDED = "đơn vị này không còn từ mốc đó nên sau đó không có số liệu."


@pytest.mark.parametrize(
    ("path", "note"),
    [
        (f"/?unit=19&period={PERIOD}", UNDER),  # the province: its communes changed
        (f"/commune/{KHA_SON}?period={PERIOD}", FORMED),  # formed on 1 July 2025
        ("/commune/05953@-?period=2025-06", None),  # ended 30 June: the day after is later
        # ended 30 June, within the quarter's window: it had no units under it that changed
        ("/commune/05953@-?period=2025-Q3", ENDED),
        ("/?unit=19&period=2026-10", None),  # a window after the reform
        # old Phú Bình district: abolished, it goes on in the communes formed from its own
        ("/?unit=173&period=2025-10", UNDER),
        (f"/issue/waiting_time?unit={KHA_SON}&period={PERIOD}", FORMED),
    ],
)
def test_a_trend_across_the_2025_reform_says_so(
    scoring: Scoring, open_page: Callable[..., str], path: str, note: str | None
) -> None:
    # a response in old Lương Phú's last month: its chart has a point to show
    scoring.store.apply_batch([answer(JUNE_10, 0, "05953@-", 4)], {("t", 0): 100})
    page = open_page(path)
    marks = re.search(r"data-marks='([^']*)'", page)
    assert marks, path
    assert json.loads(html_lib.unescape(marks.group(1))) == (
        [
            {
                "date": "2025-07-01",
                "shown": "01/07/2025",
                "formed": note == FORMED,
                "ended": note == ENDED,
            }
        ]
        if note
        else []
    )
    shown = re.search(r'<p id="trend-marks" class="muted trend-marks"( hidden)?>([^<]*)</p>', page)
    assert bool(shown) == bool(note)
    if shown:
        assert shown.group(2) == (
            "Đường đứt nét màu cam đánh dấu ngày sắp xếp đơn vị hành chính (01/07/2025); " + note  # type: ignore[operator]
        )
        assert not shown.group(1)  # (the chart has an answered period: shown)


def test_a_reform_mark_is_hidden_with_a_chart_that_has_no_answer(
    open_page: Callable[..., str],
) -> None:
    """A window across the reform without a single response draws no chart: its note,
    naming a line nobody sees, is hidden like the chart."""
    page = open_page("/?unit=173&period=2025-07")
    assert '<p id="trend-marks" class="muted trend-marks" hidden>' in page


def test_a_batch_counted_between_a_pages_calls_does_not_split_its_figures(
    scoring: Scoring, open_page: Callable[..., str]
) -> None:
    """Each of scoring's answers is read from one snapshot, but a page makes several
    calls: with a batch counted between them, the headline said 40 responses beside a
    ranking and a heatmap of 41 (helper-63 saw 420 beside 421 under live traffic).
    The answer read before the newest is now asked again, and every part agrees."""
    late = answer(dt.date(2025, 8, 20), 0, KHA_SON, 5, id="late")
    # (the heatmap's call: the page's only one to its path; /index is asked for the
    # same period a year before too)
    scoring.after_first = (
        "/api/v1/matrix",
        lambda: scoring.store.apply_batch([late], {("t", 0): 1_000}),
    )
    page = open_page(f"/?unit=19&period={PERIOD}")
    headline = int(re.search(r'class="headline" data-n="(\d+)"', page).group(1))  # type: ignore[union-attr]
    ranking = [int(n) for n in re.findall(r'class="rank-row[^"]*"[^>]*data-n="(\d+)"', page)]
    heat = section(page, "heatmap")
    heat_n = [int(n) for n in re.findall(r'</th><td class="num">(\d+)</td>', heat)]
    assert (headline, sum(ranking), sum(heat_n)) == (41, 41, 41)
    assert scoring.calls["/api/v1/matrix"] == 2  # read at 40, asked again
    assert scoring.calls["/api/v1/index"] == 2  # read after the batch: once each


def test_a_comment_counted_during_a_comments_export_neither_doubles_nor_drops_a_row(
    scoring: Scoring, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The comments file reads scoring's pages one after the other, newest first: a
    comment counted between pages 1 and 2 moved page 2 down by one, so a comment came
    twice and the oldest was left out (helper-66)."""
    base = dt.date(2025, 8, 1)
    old = [
        answer(base, i % 28, KHA_SON, 2, id=f"c{i:03d}", comment=f"Ý kiến số {i}.")
        for i in range(150)
    ]
    scoring.store.apply_batch(old, {("t", 0): 500})
    newest = answer(base, 29, KHA_SON, 2, id="newest", comment="Mới nhất.")
    real = ScoringClient.comments
    counted: list[str] = []

    def comments(self: ScoringClient, *args: Any, **kw: Any) -> Any:
        if kw.get("page") == 2 and not counted:  # the consumer, between pages 1 and 2
            counted.extend(r.id for r in scoring.store.apply_batch([newest], {("t", 0): 600}))
        return real(self, *args, **kw)

    monkeypatch.setattr(ScoringClient, "comments", comments)
    client = signed_in(scoring, tmp_path)
    resp = client.get(f"/csv/commune/{KHA_SON}/comments.csv?period={PERIOD}")
    assert resp.status_code == 200
    texts = re.findall(r"Ý kiến số (\d+)\.", resp.get_data(as_text=True))
    assert sorted(texts, key=int) == [str(i) for i in range(150)]  # each once, none left
    assert counted == ["newest"]  # (it did come in between)


def _month_of(code: str, happy: int, issue: str, unhappy: int) -> list[Record]:
    """June 2025 in ``code`` (a commune before the reform): ``happy`` responses rated 5,
    ``unhappy`` rated 2 that raise ``issue``."""
    key = f"{code}@-"
    return [
        answer(
            JUNE_10,
            i % 15,
            key,
            2 if i < unhappy else 5,
            id=f"{code}-{i}",
            issues=(issue,) if i < unhappy else (),
        )
        for i in range(happy + unhappy)
    ]


def test_the_overview_groups_communes_by_what_they_complain_of(
    scoring: Scoring, open_page: Callable[..., str], tmp_path: Path
) -> None:
    """Six communes of 40 responses: three raise waiting time (12, 11, 10 of 40), three
    fees; a seventh has 5 responses, under the small-sample threshold (30). The page
    shows two groups, each with its communes, its pooled index (3 x 40 responses: 87 of
    120 rated 5, 72,5 %) and its issue's pooled share (33 of 120, 27,5 %), each commune
    with its own index and share; the small commune is listed apart, not grouped."""
    plan = {
        "05908": (28, "waiting_time", 12),
        "05941": (29, "waiting_time", 11),
        "05953": (30, "waiting_time", 10),
        "05917": (28, "fees", 12),
        "05923": (29, "fees", 11),
        "05932": (30, "fees", 10),
        "05911": (4, "fees", 1),
    }
    records = [r for code, args in plan.items() for r in _month_of(code, *args)]
    scoring.store.apply_batch(records, {("t", 0): 10_000})
    part = section(open_page("/?unit=173&period=2025-06"), "groups")
    assert "Nhóm xã, thị trấn có vấn đề giống nhau" in part
    bodies = part.split("<tbody")[1:]
    assert len(bodies) == 3, part

    def rows(body: str) -> list[list[str]]:
        out = []
        for tr in body.split("<tr")[1:]:
            cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)
            out.append([html_lib.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
        return out

    # Groups of the same size come in the order of their first commune's code.
    waiting, fees, small = (rows(b) for b in bodies)
    assert waiting[0] == ["Nhóm 1", "120", "72,5", "Thời gian chờ đợi 27,5%"], waiting[0]
    assert [r[0] for r in waiting[1:]] == [
        "Thị trấn Hương Sơn (cũ)",
        "Xã Điềm Thụy (cũ)",
        "Xã Lương Phú (cũ)",
    ]
    assert waiting[1][1:] == ["40", "70,0", "30,0%"], waiting[1]
    assert fees[0] == ["Nhóm 2", "120", "72,5", "Phí, lệ phí và chi phí không chính thức 27,5%"]
    assert [r[0] for r in fees[1:]] == [
        "Xã Tân Khánh (cũ)",
        "Xã Tân Thành (cũ)",
        "Xã Thượng Đình (cũ)",
    ]
    assert small == [
        ["Chưa xếp nhóm (dưới 30 phiếu)", "5", "–", ""],
        ["Xã Bàn Đạt (cũ)", "5", "80,0", ""],
    ], small
    # The same table as a file, both first columns kept, and a column per issue a group
    # names with its shares as numbers (a leader sorts the communes by them): each
    # group's pooled (33 of 120 waited, 27,5 %; none raised fees, 0), each commune's own
    # (12 of 40, 30 %); none for the communes not grouped, as on the page.
    csv = open_page("/csv/overview/groups.csv?unit=173&period=2025-06")
    assert csv.lstrip("\ufeff").splitlines() == [
        'Nhóm,"Xã, thị trấn",Số phiếu,Chỉ số (%),Thời gian chờ đợi (%),'
        '"Phí, lệ phí và chi phí không chính thức (%)"',
        "Nhóm 1,,120,72.5,27.5,0.0",
        ",Thị trấn Hương Sơn (cũ),40,70.0,30.0,0.0",
        ",Xã Điềm Thụy (cũ),40,72.5,27.5,0.0",
        ",Xã Lương Phú (cũ),40,75.0,25.0,0.0",
        "Nhóm 2,,120,72.5,0.0,27.5",
        ",Xã Tân Khánh (cũ),40,70.0,0.0,30.0",
        ",Xã Tân Thành (cũ),40,72.5,0.0,27.5",
        ",Xã Thượng Đình (cũ),40,75.0,0.0,25.0",
        "Chưa xếp nhóm (dưới 30 phiếu),,5,,,",
        ",Xã Bàn Đạt (cũ),5,80.0,,",
    ], csv
    xlsx = signed_in(scoring, tmp_path / "xlsx").get(
        "/xlsx/overview/groups.xlsx?unit=173&period=2025-06"
    )
    sheet = load_workbook(io.BytesIO(xlsx.data)).worksheets[0]
    assert [c.value for c in sheet[2]] == ["Nhóm 1", None, 120, 72.5, 27.5, 0]
    assert [c.data_type for c in sheet[3]][2:] == ["n"] * 4
    # In English, the communes' names are marked Vietnamese.
    english = section(open_page("/?unit=173&period=2025-06", lang="en"), "groups")
    assert "Communes with similar problems" in english
    assert '<span lang="vi">Xã Bàn Đạt</span> (former)' in english


def test_a_former_commune_says_where_its_area_went_in_any_period(
    open_page: Callable[..., str],
) -> None:
    """Old Lương Phú's page for its own last month (June 2025) said only until when it
    was in force: nothing led to Xã Kha Sơn, which took it over on 1 July. The link
    opens Kha Sơn's first month (in June it did not exist yet); a period after the
    end has the banner's links, not this line as well."""
    page = open_page("/commune/05953@-?period=2025-06")
    line = re.search(r'<p class="muted">Hoạt động đến hết ngày 30/06/2025(.*?)</p>', page, re.S)
    assert line, page[:2000]
    assert re.sub(r"\s+", " ", line.group(1)) == (
        f'. Từ 01/07/2025, địa bàn thuộc: <a href="/commune/{KHA_SON}?period=2025-07">'
        "Xã Kha Sơn</a>."
    )
    # a commune in force today has no such line
    assert "địa bàn thuộc" not in open_page(f"/commune/{KHA_SON}?period={PERIOD}")
    later = open_page(f"/commune/05953@-?period={PERIOD}")
    assert "địa bàn thuộc" not in later and "Số liệu của đơn vị mới" in later


def test_a_drop_alert_says_by_how_many_points_in_plain_words(
    scoring: Scoring, open_page: Callable[..., str]
) -> None:
    """May 2025: 40 of 40 satisfied (100 %); June: 30 of 40 (75 %). The alert said
    "nhiều khả năng không phải do ngẫu nhiên (kiểm định thống kê, p …)", statistician's
    words; it now says the drop in points first."""
    may = dt.date(2025, 5, 5)
    records = [answer(may, i % 20, "05911@-", 5, id=f"may-{i}") for i in range(40)]
    records += [
        answer(JUNE_10, i % 15, "05911@-", 2 if i < 10 else 5, id=f"june-{i}") for i in range(40)
    ]
    scoring.store.apply_batch(records, {("t", 0): 10_000})
    alerts = section(open_page("/?unit=173&period=2025-06"), "alerts")
    item = re.search(r'<li class="alert drop" data-unit="05911@-">(.*?)</li>', alerts, re.S)
    assert item, alerts
    said = html_lib.unescape(re.sub(r"<[^>]+>", "", item.group(1)))
    assert said == (
        "Xã Bàn Đạt (cũ): Giảm rõ rệt so với kỳ trước: 25,0 điểm phần trăm, từ 100,0% xuống 75,0%;"
        " mức giảm này khó có thể chỉ do ngẫu nhiên (p < 0,001)"
    ), said


def test_an_alert_gives_the_figures_the_ranking_shows(
    scoring: Scoring, open_page: Callable[..., str]
) -> None:
    """June 2025 in Tân Khánh: 23 of 34 satisfied, 67,647 %. Scoring gives 67.65 and
    the ranking shows 67,7; the alerts, working it out again from the counts, said
    67,6 and a drop of 32,4 points from 100,0 (helper-76)."""
    may = dt.date(2025, 5, 5)
    records = [answer(may, i % 20, "05917@-", 5, id=f"may-{i}") for i in range(40)]
    records += [
        answer(JUNE_10, i % 15, "05917@-", 2 if i < 11 else 5, id=f"june-{i}") for i in range(34)
    ]
    scoring.store.apply_batch(records, {("t", 0): 10_000})
    page = open_page("/?unit=173&period=2025-06")
    row = re.search(r'data-unit="05917@-"[^>]*data-index="([^"]+)"', section(page, "ranking"))
    assert row and row[1] == "67.65"
    alerts = html_lib.unescape(re.sub(r"<[^>]+>", "", section(page, "alerts")))
    assert "Tân Khánh (cũ): Chỉ số 67,7% thấp hơn ngưỡng cảnh báo 70%" in alerts, alerts
    assert "32,3 điểm phần trăm, từ 100,0% xuống 67,7%" in alerts, alerts


def test_the_issue_pages_chart_says_it_is_not_the_tables_share(
    open_page: Callable[..., str],
) -> None:
    """The chart under "Theo thời gian" plots the index of the responses that raised the
    issue (26,5 % where the table above gave a 16,5 % share, in the walk-through), with
    no axis title: a rising line, read as more complaints, is better. It says so."""
    page = open_page(f"/issue/waiting_time?unit={KHA_SON}&period={PERIOD}")
    chart = page.split("<h2>Theo thời gian</h2>", 1)[1].split('id="trend-chart"', 1)[0]
    assert (
        '<p class="muted" data-notice="issue-trend">Biểu đồ thể hiện chỉ số hài lòng (%) của'
        " những phiếu nêu vấn đề này, không phải tỷ lệ phiếu phản ánh ở bảng trên: đường đi"
        " lên nghĩa là những người nêu vấn đề này hài lòng hơn.</p>"
    ) in chart


def test_two_communes_are_not_called_a_group(
    scoring: Scoring, open_page: Callable[..., str]
) -> None:
    """Scoring puts fewer than three communes in one group whatever they complain of:
    two communes, one raising waiting time and one fees, were shown as "Nhóm 1" of
    communes with the same problems. The section says there are too few instead."""
    plan = {"05908": (28, "waiting_time", 12), "05917": (28, "fees", 12), "05911": (4, "fees", 1)}
    records = [r for code, args in plan.items() for r in _month_of(code, *args)]
    scoring.store.apply_batch(records, {("t", 0): 10_000})
    part = section(open_page("/?unit=173&period=2025-06"), "groups")
    assert 'data-table="groups"' not in part
    assert (
        '<p class="muted" data-notice="groups-empty">Cần ít nhất 3 xã, thị trấn có từ 30 phiếu'
        " trở lên trong kỳ để so sánh và xếp nhóm; kỳ này có 2.</p>"
    ) in part, part
    # a period without a single response: "no figures", like the other sections
    empty = section(open_page("/?unit=173&period=2024-06"), "groups")
    assert "Chưa có số liệu cho kỳ này." in empty and "Cần ít nhất" not in empty


def test_groups_list_their_communes_without_the_ranking(
    scoring: Scoring, open_page: Callable[..., str]
) -> None:
    """The communes' names and links come from the groups' own answer: with scoring's
    ranking call failing, each group still lists its communes (their index then "–")."""
    plan = {c: (30, "waiting_time", 10) for c in ("05908", "05941", "05953")}
    records = [r for code, args in plan.items() for r in _month_of(code, *args)]
    scoring.store.apply_batch(records, {("t", 0): 10_000})
    scoring.failing.add("/api/v1/units")
    part = section(open_page("/?unit=173&period=2025-06"), "groups")
    assert part.count('<tr class="sub">') == 3, part
    assert '<a href="/commune/05941@-?period=2025-06">Xã Điềm Thụy (cũ)</a>' in part


def test_a_page_without_a_period_in_its_address_has_no_live_window(
    open_page: Callable[..., str],
) -> None:
    """A page's days (its period and trend window) let it skip live updates that do not
    touch them; a page opened without a period follows the current month, which moves
    on while it is open, so it keeps none (it would skip every update next month)."""
    assert 'data-window-from="2024-07-01" data-window-to="2025-06-30"' in open_page(
        "/?unit=173&period=2025-06"
    )
    assert "data-window-from" not in open_page("/?unit=173")


def test_the_headline_compares_with_the_same_period_a_year_before(
    scoring: Scoring, open_page: Callable[..., str]
) -> None:
    """A month's trend stops short of the same month a year before: the headline says
    it. August 2025 is 30 of 40 satisfied (75,0 %) across the province, all in civil
    status (ho_tich). August 2024: 20 of 50 in old Kha Sơn on land, and 7 of 10 in
    old Hương Sơn on civil status; 27 of 60, 45,0 %.
    Every field: z = 0,30 / √(0,57 · 0,43 · (1/40 + 1/60)) = 2,97, p = 0,003.
    Civil status only: 70,0 %; z = 0,05 / √(0,74 · 0,26 · (1/40 + 1/10)) = 0,32,
    p = 0,747."""
    page = open_page(f"/?unit=19&period={PERIOD}")
    assert "Cùng kỳ năm trước (tháng 8/2024) không có phiếu đánh giá nào để so sánh." in section(
        page, "headline"
    )
    august = dt.date(2024, 8, 1)
    land = [
        answer(august, i % 28, "05959@-", 5 if i < 20 else 2, id=f"land{i}", field="dat_dai")
        for i in range(50)
    ]
    civil = [answer(august, i, "05908@-", 5 if i < 7 else 1) for i in range(10)]
    scoring.store.apply_batch(land + civil, {("t", 0): 1_000})
    page = open_page(f"/?unit=19&period={PERIOD}")
    assert (
        "Cùng kỳ năm trước (tháng 8/2024): 45,0% (60 phiếu); nay tăng 30,0 điểm phần trăm;"
        " mức chênh lệch này khó có thể chỉ do ngẫu nhiên (p = 0,003)." in section(page, "headline")
    )
    page = open_page(f"/?unit=19&period={PERIOD}&field=ho_tich", lang="en")
    assert (
        "Same period last year (Aug 2024): 70.0% (10 responses); now 5.0 percentage points"
        " higher, but this may be chance (p = 0.747)." in section(page, "headline")
    )
    # Kha Sơn of today was formed in July 2025: nothing of its own a year before.
    page = open_page(f"/commune/{KHA_SON}?period={PERIOD}")
    assert (
        "Cùng kỳ năm trước (tháng 8/2024), đơn vị này chưa được thành lập nên không có số"
        " liệu để so sánh." in section(page, "headline")
    )


def test_the_overview_shows_each_field_and_the_sipas_index(
    scoring: Scoring, open_page: Callable[..., str]
) -> None:
    """The commune page's field and SIPAS tables, over the province: August 2025 is 40
    civil-status responses, 30 rated 5 (75,0 %); Phú Bình's 20 answered SIPAS with
    every criterion as their rating (15 of 20 satisfied on each: 75,0 %). A field
    leads to the overview of its responses, which says so and leads back."""
    page = open_page(f"/?unit=19&period={PERIOD}")
    fields = section(page, "fields")
    row = re.search(r'<tr><td><a href="([^"]+)">Hộ tịch [^<]*</a></td>(.*?)</tr>', fields)
    assert row, fields
    assert parse_qs(urlsplit(html_lib.unescape(row[1])).query) == {
        "field": ["ho_tich"],
        "period": [PERIOD],
        "unit": ["19"],
    }
    # Wilson 95 % for 30 of 40: 59,81–85,81
    assert re.findall(r'data-value="([^"]+)"', row[2]) == ["40", "75.0", "59.81", "85.81"]
    sipas = section(page, "sipas")
    assert "Chỉ số SIPAS chung: <strong>75,0%</strong>" in sipas, sipas
    assert re.search(r"Số phiếu: 20\b", sipas), sipas
    # The files carry the overall SIPAS index first (the page shows it above the table).
    csv = open_page(f"/csv/overview/sipas.csv?unit=19&period={PERIOD}").lstrip("\ufeff")
    first = csv.replace("\r\n", "\n").split("\n")[1]
    assert first.startswith("Chỉ số SIPAS chung,,20,75.0,"), csv[:300]
    one = section(open_page(f"/?unit=19&period={PERIOD}&field=ho_tich"), "fields")
    assert "Trang này chỉ hiển thị số liệu của lĩnh vực Hộ tịch (khai sinh, kết hôn, khai" in one
    assert "<table" not in one  # its one line would repeat the headline
    back = re.search(r'<a href="([^"]+)">Xem tất cả lĩnh vực</a>', one)
    assert back and parse_qs(urlsplit(html_lib.unescape(back[1])).query) == {
        "period": [PERIOD],
        "unit": ["19"],
    }


def test_a_commune_users_picker_offers_only_the_periods_of_their_commune(
    open_page: Callable[..., str],
) -> None:
    """A commune user sees their commune only: the months, quarters and years before
    it was formed (Kha Sơn of today: 01/07/2025) or after it ended (old Kha Sơn:
    30/06/2025) would only say that it has no figures. A district user is offered
    every one."""

    def offered(page: str) -> list[str]:
        picker = page.split('<select name="period">', 1)[1].split("</select>", 1)[0]
        return re.findall(r'<option value="([^"]+)"', picker)

    every = offered(open_page(f"/commune/{KHA_SON}?period={PERIOD}"))
    since = offered(open_page(f"/commune/{KHA_SON}?period={PERIOD}", role="commune", unit=KHA_SON))
    until = offered(open_page("/commune/05959@-?period=2025-06", role="commune", unit="05959@-"))
    reform = dt.date(2025, 7, 1)
    assert since == [p for p in every if parse_period(p).end >= reform], since
    assert PERIOD in since
    assert until == [p for p in every if parse_period(p).start < reform], until


def test_a_year_ago_call_that_fails_says_so(
    scoring: Scoring, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scoring not answering only the year-ago call: the headline says that line could
    not be loaded, rather than leaving it out as if there were nothing to compare."""

    def down(self: ScoringClient, *args: Any, **kw: Any) -> Any:
        raise ScoringUnavailable("down for the test")

    monkeypatch.setattr(ScoringClient, "index_between", down)
    page = signed_in(scoring, tmp_path).get(f"/?unit=19&period={PERIOD}").get_data(as_text=True)
    headline = section(page, "headline")
    assert 'data-n="40"' in headline
    assert "Chưa tải được số liệu cùng kỳ năm trước" in headline, headline
