"""The read API over a temporary store (Flask test client; real HTTP is covered by
tests/scoring/). Figures are checked against hand counts of the records below."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from thuocdo_scoring import create_app
from thuocdo_scoring.aggregate import Record
from thuocdo_scoring.periods import parse_period
from thuocdo_scoring.queries import Query, ReadModel
from thuocdo_scoring.settings import Settings
from thuocdo_scoring.store import SqliteStore

pytestmark = pytest.mark.unit

ICT = dt.timezone(dt.timedelta(hours=7))
OLD = "05953@-"  # Xã Lương Phú until 2025-06-30
NEW = "05953@2025-07-01"  # Xã Kha Sơn from 2025-07-01


def rec(i: int, when: str, unit: str, overall: int, **kw: Any) -> Record:
    return Record(
        id=f"r{i}",
        submitted_at=dt.datetime.fromisoformat(when),
        unit_key=unit,
        commune_code=unit.split("@")[0],
        field=kw.pop("field", "ho_tich"),
        overall=overall,
        **kw,
    )


RECORDS = [
    # Lương Phú, June: levels 5, 4, 2 -> 2 of 3 satisfied
    rec(1, "2025-06-10T09:00:00+07:00", OLD, 5),
    rec(2, "2025-06-11T09:00:00+07:00", OLD, 4, issues=("waiting_time",), comment="Chờ lâu"),
    rec(3, "2025-06-12T09:00:00+07:00", OLD, 2, field="dat_dai", criteria={"tc1": 2, "tt1": 5}),
    # 23:30 UTC on 30 June = 06:30 on 1 July in Vietnam: Kha Sơn, not Lương Phú.
    rec(4, "2025-06-30T23:30:00+00:00", NEW, 1, comment="Thái độ kém", issues=("staff_attitude",)),
    rec(5, "2025-07-02T10:00:00+07:00", NEW, 5, criteria={"tc1": 5}),
    # A suspect response: excluded by default, counted apart.
    rec(6, "2025-07-03T10:00:00+07:00", NEW, 1, suspect=True),
    # Bàn Đạt (another commune of the old district)
    rec(7, "2025-06-15T08:00:00+07:00", "05911@-", 3, comment="Bình thường"),
]


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    store = SqliteStore(tmp_path / "s.sqlite3")
    store.apply_batch(RECORDS, {("t", 0): len(RECORDS)})
    settings = Settings(data_dir=tmp_path, token="sekret")  # noqa: S106 - a test token
    return create_app(settings, store=store)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = "Bearer sekret"
    return c


def test_index_of_a_commune_version(client: FlaskClient) -> None:
    body = client.get("/api/v1/index?unit=05953@-&period=2025-06").get_json()
    assert body["unit"]["name"] == "Xã Lương Phú"
    assert (body["n"], body["satisfied"], body["index"]) == (3, 2, 66.67)
    assert body["counts"] == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1}
    # mean = (5 + 4 + 2) / 3 = 3.6667 -> (3.6667 - 1) / 4 * 100 = 66.67
    assert body["mean"] == pytest.approx(3.6667) and body["mean_100"] == 66.67
    assert body["small_sample"] is True
    # SIPAS from record 3 only: tc1=2 (0 %), tt1=5 (100 %) -> access 0, procedures 100 -> 50
    assert body["sipas"]["overall"] == 50.0 and body["sipas"]["n"] == 1
    assert body["sipas"]["small_sample"] is True
    assert [f["code"] for f in body["fields"]] == ["ho_tich", "dat_dai"]
    assert body["as_of"] == "2025-06-12T02:00:00+00:00"


def test_bare_code_means_version_in_force_and_local_dates(client: FlaskClient) -> None:
    body = client.get("/api/v1/index?unit=05953&from=2025-07-01&to=2025-07-31").get_json()
    assert body["unit"]["key"] == NEW
    assert (body["n"], body["satisfied"], body["suspect_excluded"]) == (2, 1, 1)
    with_suspect = client.get(
        "/api/v1/index?unit=05953&period=2025-07&include_suspect=true"
    ).get_json()
    assert (with_suspect["n"], with_suspect["suspect_excluded"]) == (3, 0)


def test_rollup_to_province_and_ranking(client: FlaskClient) -> None:
    body = client.get("/api/v1/index?unit=19&period=2025").get_json()
    assert body["n"] == 6  # 7 records minus the suspect one
    ranking = client.get("/api/v1/units?parent=19&period=2025").get_json()
    assert len(ranking["units"]) == 25  # 20 old communes + 5 new ones
    by_key = {u["unit"]["key"]: u for u in ranking["units"]}
    assert (by_key[OLD]["n"], by_key[NEW]["n"], by_key["05911@-"]["n"]) == (3, 2, 1)
    # Ranked: the 3 units with responses; the 22 without are listed after them, unranked.
    # Six responses fit a strong prior: 50.03 and 49.98 both read 50,0 and share rank 1.
    assert [u["rank"] for u in ranking["units"]] == [1, 1, 3] + [None] * 22
    assert {u["unit"]["key"] for u in ranking["units"][:3]} == {OLD, NEW, "05911@-"}
    assert by_key["05908@-"]["shrunk"] is None


def test_a_former_district_goes_on_in_the_communes_formed_from_it(client: FlaskClient) -> None:
    """Huyện Phú Bình (173) ended on 2025-06-30; after that its figures are those of the
    five communes formed from its old communes (here only Kha Sơn has responses)."""
    district = client.get("/api/v1/units?parent=173&period=2025-07").get_json()
    assert district["parent"]["key"] == "173@-"
    assert len(district["units"]) == 5
    by_key = {u["unit"]["key"]: u["n"] for u in district["units"]}
    assert by_key[NEW] == 2 and sum(by_key.values()) == 2
    # July: records 4 (level 1) and 5 (level 5); the suspect record 6 is left out.
    july = client.get("/api/v1/index?unit=173&period=2025-07").get_json()
    assert (july["n"], july["satisfied"]) == (2, 1)
    # June: the old communes (records 1, 2, 3 of Lương Phú and 7 of Bàn Đạt).
    june = client.get("/api/v1/index?unit=173&period=2025-06").get_json()
    assert (june["n"], june["satisfied"]) == (4, 2)
    # A year across the reform counts both, as the province does.
    year = client.get("/api/v1/index?unit=173&period=2025").get_json()
    assert year["n"] == 6 == client.get("/api/v1/index?unit=19&period=2025").get_json()["n"]
    trend = client.get(
        "/api/v1/trend?unit=173&from=2025-06-01&to=2025-07-31&granularity=month"
    ).get_json()
    assert [(p["period"]["label"], p["n"]) for p in trend["points"]] == [
        ("2025-06", 4),
        ("2025-07", 2),
    ]


def test_issues_matrix_trend_comments(client: FlaskClient) -> None:
    issues = client.get("/api/v1/issues?unit=19&period=2025").get_json()
    by_code = {i["code"]: i for i in issues["issues"]}
    # waiting_time was ticked once, on a 4: praise, not a problem -> share 0 %.
    wait = by_code["waiting_time"]
    assert (wait["count"], wait["complaints"], wait["share"], wait["index"]) == (1, 0, 0.0, 100.0)
    # staff_attitude was ticked once, on a 1: 1 of the 6 responses -> 16.67 %.
    staff = by_code["staff_attitude"]
    assert (staff["count"], staff["complaints"], staff["share"], staff["index"]) == (
        1,
        1,
        16.67,
        0.0,
    )
    matrix = client.get("/api/v1/matrix?parent=19&period=2025").get_json()
    codes = [i["code"] for i in matrix["issues"]]
    row = next(r for r in matrix["rows"] if r["unit"]["key"] == NEW)
    # Kha Sơn: 2 responses, one of them (the 1) raising staff_attitude -> 50 %.
    assert row["n"] == 2 and row["shares"][codes.index("staff_attitude")] == 50.0
    assert sum(row["shares"]) == 50.0
    old = next(r for r in matrix["rows"] if r["unit"]["key"] == OLD)
    assert old["n"] == 3 and old["shares"][codes.index("waiting_time")] == 0.0
    # A commune without a response has no shares at all (not 0 %), here and per issue.
    none = next(r for r in matrix["rows"] if r["unit"]["key"] == "05908@-")
    assert none["n"] == 0 and none["shares"] == [None] * len(codes)
    empty = client.get("/api/v1/issues?unit=05908@-&period=2025").get_json()
    assert empty["n"] == 0 and {i["share"] for i in empty["issues"]} == {None}
    trend = client.get(
        "/api/v1/trend?unit=19&from=2025-06-01&to=2025-07-31&granularity=month"
    ).get_json()
    assert [(p["period"]["label"], p["n"]) for p in trend["points"]] == [
        ("2025-06", 4),
        ("2025-07", 2),
    ]
    page = client.get("/api/v1/comments?unit=19&period=2025&per_page=2").get_json()
    assert page["total"] == 3
    assert [c["id"] for c in page["items"]] == ["r4", "r7"]  # newest first
    only = client.get("/api/v1/comments?unit=19&period=2025&issue=staff_attitude").get_json()
    assert [c["id"] for c in only["items"]] == ["r4"]


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        # r4 rated 1, r7 3 and r2 4 (r6, rated 1, has no comment)
        ("max_rating=3", ["r4", "r7"]),  # the unsatisfied
        ("min_rating=4", ["r2"]),
        ("min_rating=2&max_rating=3", ["r7"]),
        ("rating=3", ["r7"]),
        ("rating=1&max_rating=3", ["r4"]),
        ("rating=4&max_rating=3", []),  # an empty range: none, not all
        ("min_rating=1&max_rating=5", ["r4", "r7", "r2"]),
    ],
)
def test_comments_of_a_range_of_ratings(client: FlaskClient, query: str, ids: list[str]) -> None:
    """A leader opening a heatmap cell wants the complaints (1-3), not the praise beside
    them: comments can be asked for a range of ratings as well as for one."""
    page = client.get(f"/api/v1/comments?unit=19&period=2025&{query}").get_json()
    assert ([c["id"] for c in page["items"]], page["total"]) == (ids, len(ids))


def test_a_rating_bound_off_the_scale_is_refused(client: FlaskClient) -> None:
    for query in ("min_rating=0", "max_rating=6", "max_rating=x"):
        resp = client.get(f"/api/v1/comments?unit=19&period=2025&{query}")
        assert resp.status_code == 400
        assert list(resp.get_json()["errors"]) == [query.split("=")[0]]


@dataclass
class FakeTheme:
    id: str
    label: str
    top_terms: list[str]
    size: int
    examples: list[str]


class FakeModel:
    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.spellings: list[list[str]] = []

    def predict(self, texts: list[str]) -> list[tuple[str | None, float]]:
        return [(None, 0.0) for _ in texts]

    def themes(self, texts: list[str], spell_from: Sequence[str] = ()) -> list[FakeTheme]:
        self.calls.append(texts)
        self.spellings.append(list(spell_from))
        return [FakeTheme("t1", "bình thường", ["bình", "thường"], len(texts), texts[:2])]


def test_themes_from_unassigned_comments_cached(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.sqlite3")
    store.apply_batch(RECORDS, {("t", 0): len(RECORDS)})
    model = FakeModel()
    read = ReadModel(store, model_loader=lambda: model)
    q = Query(unit="19", period=parse_period("2025"))
    body = read.themes(q)
    # r2 and r4 carry ticked issues; only r7's comment is unassigned.
    assert model.calls == [["Bình thường"]]
    assert body["themes"] == [
        {
            "id": "t1",
            "tone": "complaint",
            "label": "bình thường",
            "top_terms": ["bình", "thường"],
            "size": 1,
            "examples": ["Bình thường"],
        }
    ]
    read.themes(q)
    assert len(model.calls) == 1  # same data, same answer from the cache
    new = [
        rec(8, "2025-06-20T08:00:00+07:00", "05911@-", 2, comment="Mới"),
        rec(9, "2025-06-21T08:00:00+07:00", "05911@-", 2, comment="Khác", predicted_issue="other"),
        rec(10, "2025-06-22T08:00:00+07:00", "05911@-", 2, comment="Phí", predicted_issue="fees"),
    ]
    store.apply_batch(new, {("t", 0): 10})
    read.themes(q)
    # New data: recomputed, newest first; the catch-all "other" counts as unassigned.
    assert model.calls[-1] == ["Khác", "Mới", "Bình thường"]
    assert ReadModel(store, model_loader=lambda: None).themes(q)["themes"] == []


def test_themes_of_complaints_and_praise_are_found_apart(tmp_path: Path) -> None:
    """Comments rated 1-3 and 4-5 are clustered separately (a theme mixing "chưa hài
    lòng" with "rất hài lòng" tells a leader nothing), complaints listed first."""
    store = SqliteStore(tmp_path / "s.sqlite3")
    praise = [
        rec(11, "2025-06-16T08:00:00+07:00", "05911@-", 5, comment="Rất hài lòng"),
        rec(12, "2025-06-17T08:00:00+07:00", "05911@-", 4, comment="Phục vụ tốt"),
    ]
    store.apply_batch([*RECORDS, *praise], {("t", 0): len(RECORDS) + 2})
    model = FakeModel()
    body = ReadModel(store, model_loader=lambda: model).themes(
        Query(unit="19", period=parse_period("2025"))
    )
    # newest first within each group; r2 and r4 carry ticked issues
    assert model.calls == [["Bình thường"], ["Phục vụ tốt", "Rất hài lòng"]]
    # Labels are spelt from the other tone's comments and from those put under an
    # issue too (r2, r4): only unassigned ones lent their spelling before.
    assigned = ["Thái độ kém", "Chờ lâu"]
    assert model.spellings == [
        ["Phục vụ tốt", "Rất hài lòng", *assigned],
        ["Bình thường", *assigned],
    ]
    assert [(t["tone"], t["size"]) for t in body["themes"]] == [("complaint", 1), ("praise", 2)]


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("unit=19&period=2025-13", "period"),
        ("unit=19&from=2025-07-01", "to"),
        ("unit=19&period=2025&from=2025-01-01&to=2025-02-01", "period"),
        ("period=2025", "unit"),
        ("unit=19&field=nope", "field"),
        ("unit=19&granularity=year", "granularity"),
        ("unit=19&period=2025&rating=6", "rating"),
        # Once 500 (year 10000 / OverflowError past date.max): years are 2000..2100.
        ("unit=05953&period=9999&granularity=month", "period"),
        ("unit=05953&period=9999-W52&granularity=week", "period"),
        ("unit=05953&from=9999-12-31&to=9999-12-31", "from"),
        ("unit=05953&from=2025-01-01&to=2101-01-01", "to"),
        # 7,000 days but 1,001 weekly points (the first and last weeks are partial).
        ("unit=19&from=2025-01-01&to=2044-03-01&granularity=week", "granularity"),
        ("unit=19&from=2025-01-01&to=2027-09-28&granularity=day", "granularity"),
    ],
)
def test_bad_parameters_say_which(client: FlaskClient, query: str, param: str) -> None:
    path = "/api/v1/comments" if "rating" in query else "/api/v1/trend"
    resp = client.get(f"{path}?{query}")
    assert resp.status_code == 400, resp.get_json()
    assert param in resp.get_json()["errors"]


def test_a_trend_of_exactly_the_point_limit_is_answered(client: FlaskClient) -> None:
    # 2001-01 .. 2084-04 is 1,000 months (30,436 days: 1,087 "28-day months").
    resp = client.get("/api/v1/trend?unit=19&from=2001-01-01&to=2084-04-30&granularity=month")
    assert resp.status_code == 200, resp.get_json()
    assert len(resp.get_json()["points"]) == 1000


def test_unknown_unit_and_auth(client: FlaskClient, app: Flask) -> None:
    resp = client.get("/api/v1/index?unit=99999&period=2025")
    assert resp.status_code == 404 and "99999" in resp.get_json()["message"]
    anon = app.test_client()
    assert anon.get("/api/v1/index?unit=19").status_code == 401
    assert anon.get("/api/v1/openapi.json").status_code == 200
    spec = anon.get("/api/v1/openapi.json").get_json()
    for path in ("index", "units", "issues", "matrix", "groups", "themes", "trend", "comments"):
        op = spec["paths"][f"/api/v1/{path}"]["get"]
        assert {"200", "400"} <= set(op["responses"]), path
    params = {p["name"] for p in spec["paths"]["/api/v1/index"]["get"]["parameters"]}
    assert {"unit", "period", "from", "to", "field", "issue", "include_suspect"} <= params
    assert anon.get("/readyz").get_json()["responses"] == len(RECORDS)


def test_store_that_cannot_open_is_not_ready(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    app = create_app(Settings(db_path=blocker / "scoring.sqlite3"))
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503 and "store" in ready.get_json()["reason"]
    resp = client.get("/api/v1/index?unit=19&period=2025")
    assert resp.status_code == 503
    assert resp.get_json()["message"].startswith("Kho dữ liệu")


def test_the_consumers_heartbeat_is_in_index_readyz_and_metrics(
    app: Flask, client: FlaskClient
) -> None:
    """The API process cannot see the consumer; what the consumer last wrote into the
    store (its heartbeat) tells a leader's page and an operator whether the figures
    still move."""
    store: SqliteStore = app.extensions["thuocdo_store"]
    anon = app.test_client()
    index = client.get("/api/v1/index?unit=19&period=2025").get_json()
    assert index["consumer"] is None  # no consumer ever ran
    assert anon.get("/readyz").get_json()["consumer"] is None
    metrics = anon.get("/metrics")
    assert metrics.headers["Content-Type"].count("charset") == 1
    text = metrics.get_data(as_text=True)
    assert "thuocdo_scoring_store_up 1.0" in text
    assert f"thuocdo_scoring_responses {float(len(RECORDS))}" in text
    assert "heartbeat_age" not in text

    seen = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=90)
    store.note_consumer(seen, 4, 2)
    store.note_consumer(seen, 3, 1)  # lag replaced, dead letters added up
    index = client.get("/api/v1/index?unit=19&period=2025").get_json()
    consumer = index["consumer"]
    assert dt.datetime.fromisoformat(consumer["seen_at"]) == seen
    # 90 s without a heartbeat: its lag is no longer a measurement (a stopped consumer
    # said 0 while records piled up), so it is not given; the age is.
    assert 90 <= consumer["age_s"] < 120 and consumer["lag"] is None
    assert consumer["dead_lettered"] == 3
    assert anon.get("/readyz").get_json()["consumer"]["lag"] is None
    text = anon.get("/metrics").get_data(as_text=True)
    (age,) = (
        float(line.split()[1])
        for line in text.splitlines()
        if line.startswith("thuocdo_scoring_consumer_heartbeat_age_seconds ")
    )
    assert 90 <= age < 120
    assert "thuocdo_scoring_consumer_lag" not in text
    assert "thuocdo_scoring_dead_lettered_total 3.0" in text
    store.note_consumer(dt.datetime.now(dt.UTC), 3, 0)  # a fresh heartbeat
    assert anon.get("/readyz").get_json()["consumer"]["lag"] == 3
    assert "thuocdo_scoring_consumer_lag 3.0" in anon.get("/metrics").get_data(as_text=True)


def test_the_heartbeat_is_in_every_answer_a_page_builds_on(app: Flask, client: FlaskClient) -> None:
    """The dashboard's issue page shows /units, /matrix, /issues and /trend figures and
    no /index ones: those answers carry the consumer's heartbeat too, so that it need
    not ask /index only to learn whether the figures still move."""
    store: SqliteStore = app.extensions["thuocdo_store"]
    paths = [
        "/api/v1/units?parent=19&period=2025",
        "/api/v1/matrix?parent=19&period=2025",
        "/api/v1/issues?unit=05953@-&period=2025-06",
        "/api/v1/trend?unit=19&from=2025-06-01&to=2025-07-31&granularity=month",
    ]
    for path in paths:
        assert client.get(path).get_json()["consumer"] is None, path  # none ever ran
    seen = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=300)
    store.note_consumer(seen, None, 0)
    for path in paths:
        consumer = client.get(path).get_json()["consumer"]
        assert dt.datetime.fromisoformat(consumer["seen_at"]) == seen, path
        assert consumer["age_s"] >= 300, path


def test_a_commune_without_sipas_answers_is_grouped_by_its_own_satisfaction(
    tmp_path: Path,
) -> None:
    """August 2025, the five communes of the former Phú Bình district, 40 responses
    each. Phú Bình's citizens rate in quick mode, all 5; Tân Thành's answer SIPAS with
    1 on every criterion; the other three answer SIPAS with 5. Phú Bình's missing
    dimensions counted as 0 % satisfied and put it with Tân Thành."""
    sipas_5 = {c: 5 for c in ("tc1", "tt1", "cc1", "kq1", "gy1")}
    sipas_1 = dict.fromkeys(sipas_5, 1)
    records: list[Record] = []
    for code, overall, criteria in (
        ("05908", 5, None),
        ("05923", 1, sipas_1),
        ("05941", 5, sipas_5),
        ("05953", 5, sipas_5),
        ("05917", 5, sipas_5),
    ):
        for i in range(40):
            extra = {"criteria": criteria} if criteria else {}
            records.append(
                rec(
                    len(records),
                    f"2025-08-{i % 9 + 1:02d}T09:00:00+07:00",
                    f"{code}@2025-07-01",
                    overall,
                    **extra,
                )
            )
    store = SqliteStore(tmp_path / "s.sqlite3")
    store.apply_batch(records, {("t", 0): len(records)})
    groups = ReadModel(store).groups(Query(unit="19", period=parse_period("2025-08")))["groups"]
    members = [sorted(u["code"] for u in g["units"]) for g in groups]
    assert members == [["05908", "05917", "05941", "05953"], ["05923"]]


def _quick_month(plan: dict[str, list[tuple[int, tuple[str, ...]]]]) -> list[Record]:
    """Quick-mode responses of June 2025, before the reform (20 communes under the
    district 173): commune code -> [(rating, issues), ...]."""
    records: list[Record] = []
    for code, answers in plan.items():
        for i, (overall, raised) in enumerate(answers):
            records.append(
                rec(
                    len(records),
                    f"2025-06-{i % 9 + 1:02d}T09:00:00+07:00",
                    f"{code}@-",
                    overall,
                    issues=raised,
                )
            )
    return records


def _answers(satisfied: int, unhappy_on: str, raised: int, n: int = 40) -> list[Any]:
    """``n`` answers: ``satisfied`` rated 5, the rest 2, ``raised`` of those 2s
    raising ``unhappy_on``."""
    rest = n - satisfied
    return [(5, ())] * satisfied + [(2, (unhappy_on,))] * raised + [(2, ())] * (rest - raised)


def test_communes_are_grouped_by_what_they_complain_of_not_by_a_repeated_index(
    tmp_path: Path,
) -> None:
    """Six quick-mode communes, 40 responses each: three raise waiting time, three
    fees, 16 of 40 each; their satisfaction indices differ a little (70-75 %) and
    do not follow the issues. The index filled in for the five missing SIPAS
    dimensions weighed six columns against each issue's one, and grouped them by
    satisfaction: 05908 with 05917 (both 70 %), one raising waiting, one fees."""
    plan = {
        "05908": _answers(28, "waiting_time", 12),  # 70 %
        "05941": _answers(29, "waiting_time", 11),  # 72.5 %
        "05953": _answers(30, "waiting_time", 10),  # 75 %
        "05917": _answers(28, "fees", 12),
        "05923": _answers(29, "fees", 11),
        "05932": _answers(30, "fees", 10),
    }
    store = SqliteStore(tmp_path / "s.sqlite3")
    records = _quick_month(plan)
    store.apply_batch(records, {("t", 0): len(records)})
    answer = ReadModel(store).groups(Query(unit="173", period=parse_period("2025-06")))
    members = [sorted(u["code"] for u in g["units"]) for g in answer["groups"]]
    assert sorted(members) == [["05908", "05941", "05953"], ["05917", "05923", "05932"]]
    waiting = next(g for g in answer["groups"] if "05908" in [u["code"] for u in g["units"]])
    # Pooled by hand: 120 responses, 28 + 29 + 30 = 87 rated 5 -> 72.5 %;
    # 12 + 11 + 10 = 33 raised waiting time -> 27.5 %.
    assert waiting["n"] == 120
    assert waiting["profile"]["satisfaction_index"] == 72.5
    assert waiting["profile"]["shares"]["waiting_time"] == 27.5
    assert waiting["profile"]["shares"]["fees"] == 0.0
    assert waiting["profile"]["top_issues"] == ["waiting_time"]
    assert answer["ungrouped"] == []


def test_a_commune_with_few_responses_is_listed_apart_not_made_a_group(
    tmp_path: Path,
) -> None:
    """One citizen of 05920 rated 1 and raised waiting time: as a group of its own
    its profile said 100 % of citizens complain of waiting. Below the small-sample
    threshold (30) it is not grouped; the groups' profiles pool by n."""
    plan = {
        "05908": _answers(32, "fees", 4),
        "05941": _answers(30, "fees", 5),
        "05953": _answers(31, "fees", 3),
        "05917": _answers(20, "staff_attitude", 20, n=60),
        "05920": [(1, ("waiting_time",))],
        "05926": _answers(20, "fees", 0, n=29),
    }
    store = SqliteStore(tmp_path / "s.sqlite3")
    records = _quick_month(plan)
    store.apply_batch(records, {("t", 0): len(records)})
    answer = ReadModel(store).groups(Query(unit="173", period=parse_period("2025-06")))
    grouped = sorted(u["code"] for g in answer["groups"] for u in g["units"])
    assert grouped == ["05908", "05917", "05941", "05953"]
    assert [(u["code"], u["n"]) for u in answer["ungrouped"]] == [("05920", 1), ("05926", 29)]
    assert answer["small_sample"] == 30
    sizes = {u["code"]: u["n"] for g in answer["groups"] for u in g["units"]}
    assert sizes == {"05908": 40, "05941": 40, "05953": 40, "05917": 60}
    assert sum(g["n"] for g in answer["groups"]) == 180


def test_communes_showing_the_same_adjusted_index_share_a_rank(tmp_path: Path) -> None:
    """Bàn Đạt and Tân Khánh, 8 of 10 satisfied each, have the same adjusted index:
    they were ranked 2 and 3 by their codes; now both 2, and the next is 4."""
    plan = {
        "05911": _answers(8, "fees", 0, n=10),
        "05917": _answers(8, "fees", 0, n=10),
        "05920": _answers(9, "fees", 0, n=10),
        "05926": _answers(3, "fees", 0, n=10),
    }
    store = SqliteStore(tmp_path / "s.sqlite3")
    records = _quick_month(plan)
    store.apply_batch(records, {("t", 0): len(records)})
    rows = ReadModel(store).units_ranking(Query(unit="173", period=parse_period("2025-06")))
    ranked = [(r["unit"]["code"], r["rank"]) for r in rows["units"] if r["n"]]
    assert ranked == [("05920", 1), ("05911", 2), ("05917", 2), ("05926", 4)]
    by_code = {r["unit"]["code"]: r for r in rows["units"]}
    assert by_code["05911"]["shrunk"] == by_code["05917"]["shrunk"]
    assert [r["rank"] for r in rows["units"] if not r["n"]] == [None] * 16


def test_ranks_are_shared_as_the_dashboard_shows_the_index() -> None:
    """50.61 and 50.59 both read "50,6%" on the dashboard: one rank (helper-70)."""
    from thuocdo_scoring.queries import rank_rows

    rows: list[dict[str, Any]] = [
        {"n": 40, "shrunk": 71.2},
        {"n": 30, "shrunk": 50.61},
        {"n": 12, "shrunk": 50.59},
        {"n": 9, "shrunk": 50.54},
        {"n": 0, "shrunk": None},
    ]
    rank_rows(rows)
    assert [r["rank"] for r in rows] == [1, 2, 2, 4, None]


def test_a_dimension_with_few_answers_is_mixed_with_the_communes_satisfaction() -> None:
    from thuocdo_scoring.queries import _blend

    # 0 % from one answer, in a commune 80 % satisfied: 0 * 1/30 + 80 * 29/30 = 77.33
    assert _blend(0.0, 1, 80.0, 30) == pytest.approx(77.3333, abs=1e-4)
    assert _blend(50.0, 30, 80.0, 30) == 50.0  # enough answers: its own
    assert _blend(None, 0, 80.0, 30) == 80.0  # none: the commune's
