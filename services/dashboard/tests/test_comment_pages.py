"""The commune page shows comments 50 at a time with their page count; its CSV holds
every matching comment (pure page logic over an in-memory stand-in for scoring)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from thuocdo_dashboard import model
from thuocdo_dashboard.periods import month
from thuocdo_dashboard.scoring_client import Fetched, ScoringRejected, ScoringUnavailable
from thuocdo_shared.units import registry

pytestmark = pytest.mark.unit

KHA_SON = registry().find("05953", dt.date(2025, 8, 1))


class Comments:
    """Answers ``comments`` like scoring (newest first, paged); every other call is
    empty. Records the pages asked for."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.asked: list[tuple[int, int]] = []

    def comments(
        self, unit: str, period: str, page: int = 1, per_page: int = 20, **_: Any
    ) -> Fetched:
        self.asked.append((page, per_page))
        first = (page - 1) * per_page
        items: list[dict[str, Any]] = [
            {
                "id": f"c{i}",
                "submitted_at": "2025-08-01T08:00:00+07:00",
                "overall": 2,
                "field": "ho_tich",
                "issues": [],
                "predicted_issue": None,
                "comment": f"góp ý {i}",
            }
            for i in range(first, min(self.total, first + per_page))
        ]
        return Fetched({"total": self.total, "items": items}, dt.datetime.now(dt.UTC))

    def __getattr__(self, name: str) -> Any:
        return lambda *a, **k: Fetched({}, dt.datetime.now(dt.UTC))


def page_of(client: Comments, **filters: Any) -> model.Page:
    assert KHA_SON is not None
    return model.commune(
        client,  # type: ignore[arg-type]
        KHA_SON,
        month(2025, 8),
        "vi",
        filters,
        lambda code: f"/issue/{code}",
    )


def test_the_page_shows_50_and_says_which_page_of_how_many() -> None:
    client = Comments(total=123)
    first = page_of(client)
    assert client.asked == [(1, 50)]
    assert (first.data["comments_total"], first.data["comments_page"]) == (123, 1)
    assert first.data["comments_pages"] == 3  # 50 + 50 + 23
    assert [r[4] for r in first.tables["comments"].rows][:2] == ["góp ý 0", "góp ý 1"]
    last = page_of(client, comments_page=3)
    assert client.asked[-1] == (3, 50)
    assert [r[4] for r in last.tables["comments"].rows] == [f"góp ý {i}" for i in range(100, 123)]


def test_a_page_past_the_last_shows_the_last() -> None:
    """Page 9 of 123 comments (3 pages), as an open page's live update asks after the
    comments shrank: page 3's comments, said to be page 3, and marked so that the
    page's address moves there (views.commune)."""
    client = Comments(total=123)
    past = page_of(client, comments_page=9)
    assert client.asked == [(9, 50), (3, 50)]
    assert (past.data["comments_page"], past.data["comments_pages"]) == (3, 3)
    assert past.data["comments_past_end"] is True
    assert [r[4] for r in past.tables["comments"].rows] == [f"góp ý {i}" for i in range(100, 123)]
    assert page_of(Comments(total=123), comments_page=3).data["comments_past_end"] is False
    none = page_of(Comments(total=0), comments_page=9)  # nothing to show: left as it is
    assert none.data["comments_past_end"] is False and none.tables["comments"].rows == []


def test_the_csv_holds_every_comment_up_to_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    client = Comments(total=250)
    every = page_of(client, all_comments=True)
    assert client.asked == [(1, 100), (2, 100), (3, 100)]
    assert [r[4] for r in every.tables["comments"].rows] == [f"góp ý {i}" for i in range(250)]
    monkeypatch.setattr(model, "COMMENTS_CSV_MAX", 120)
    capped = Comments(total=250)
    assert len(page_of(capped, all_comments=True).tables["comments"].rows) == 120
    assert capped.asked == [(1, 100), (2, 100)]
    assert page_of(Comments(total=0), all_comments=True).data["comments_pages"] == 1


def test_a_tag_reads_as_praise_on_4_5_and_as_a_problem_on_1_3() -> None:
    rows = [
        (5, ["waiting_time"], None),
        (2, ["waiting_time"], "staff_attitude"),
        (4, [], "other"),  # the model's catch-all: the text fits no issue
        (1, ["fees", "other"], None),  # a tag holding a comma
    ]

    class Tagged(Comments):
        def comments(self, *a: Any, **k: Any) -> Fetched:
            items = [
                {"overall": o, "issues": t, "predicted_issue": p, "comment": "…"}
                for o, t, p in rows
            ]
            return Fetched({"total": 4, "items": items}, dt.datetime.now(dt.UTC))

    table = page_of(Tagged(total=4)).tables["comments"]
    assert table.header[3] == "Vấn đề / điểm được khen"
    # the citizen's ticks; the model's reading of the text marked apart
    assert [r[3] for r in table.rows] == [
        "Giải quyết nhanh",
        "Chờ đợi lâu · phân loại tự động: Thái độ chưa tốt",
        "",
        "Phí không rõ ràng, phải chi thêm tiền; Vấn đề khác",
    ]


def test_an_export_missing_a_page_is_marked_partial() -> None:
    """A page not answered, or answered from an old copy: the file would look complete
    and not be (the view then refuses it with a 503). The first page too: with scoring
    down, an old copy of a one-page export was sent as if current."""

    class Failing(Comments):
        def __init__(self, total: int, how: str, failing: int) -> None:
            super().__init__(total)
            self.how, self.failing = how, failing
            self.remembered: list[bool] = []

        def comments(  # type: ignore[override]
            self, unit: str, period: str, page: int = 1, **k: Any
        ) -> Fetched:
            self.remembered.append(bool(k.get("remember", True)))
            fetched = super().comments(unit, period, page, **k)
            if page == self.failing and self.how == "down":
                raise ScoringUnavailable("down")
            if page == self.failing and self.how == "rejected":
                raise ScoringRejected(400, {"errors": {}})
            if page == self.failing and self.how == "stale":
                return Fetched(fetched.data, fetched.fetched_at, stale=True)
            return fetched

    for how in ("down", "stale"):
        client = Failing(250, how, failing=2)
        exported = page_of(client, all_comments=True)
        assert exported.data["comments_partial"] is True, how
        # the export's pages stay out of the last-good cache
        assert client.remembered == [False, False], how
        for total in (60, 250):  # one page or several
            client = Failing(total, how, failing=1)
            assert page_of(client, all_comments=True).data["comments_partial"] is True
            assert client.remembered == [False], (how, total)  # nothing more asked
    fine = page_of(Comments(total=250), all_comments=True)
    assert fine.data["comments_partial"] is False
    # a query scoring refuses (4xx) is no outage: an empty file, not a 503
    refused = page_of(Failing(60, "rejected", failing=1), all_comments=True)
    assert refused.data["comments_partial"] is False and refused.tables["comments"].rows == []
    # the commune page itself keeps using (and filling) the last-good cache
    shown = Failing(60, "none", failing=0)
    page_of(shown)
    assert shown.remembered == [True]


def test_field_not_given_is_a_row_only_when_some_rating_has_it() -> None:
    def fields_of(counts: dict[str, int]) -> list[Any]:
        class Index(Comments):
            def index(self, *a: Any, **k: Any) -> Fetched:
                rows = [{"code": c, "n": n, "satisfied": 0} for c, n in counts.items()]
                return Fetched({"fields": rows}, dt.datetime.now(dt.UTC))

        return [r[0] for r in page_of(Index(total=0)).tables["fields"].rows]

    assert fields_of({"ho_tich": 3, "chua_chon": 0}) == ["Hộ tịch (khai sinh, kết hôn, khai tử)"]
    not_given = "Không rõ lĩnh vực (người dân chưa chọn)"
    assert fields_of({"ho_tich": 3, "chua_chon": 2})[-1] == not_given
