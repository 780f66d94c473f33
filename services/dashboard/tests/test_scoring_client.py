"""The scoring client when scoring does not answer (a real closed port)."""

from __future__ import annotations

import datetime as dt
import json
import socket
import sqlite3
from pathlib import Path

import pytest
from thuocdo_dashboard.scoring_client import (
    Fetched,
    ScoringClient,
    ScoringUnavailable,
    _clean,
)

pytestmark = pytest.mark.unit


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_down_without_cache_raises_and_ready_says_why() -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    client = ScoringClient(url, "not-a-secret", timeout=0.5)
    with pytest.raises(ScoringUnavailable):
        client.index("05953@2025-07-01", "2025-07")
    ok, detail = client.ready()
    assert not ok and detail["scoring"].startswith("unreachable")


def test_citizens_words_are_kept_as_last_good_for_a_day_at_most(tmp_path: Path) -> None:
    """Scoring down: figures a day old are still shown (marked stale), but comments and
    themes a day old are not, and are gone from the file: scoring blanks comments past
    their retention, and this copy held them on (a purged comment was still shown)."""
    store = tmp_path / "dashboard-last-good.sqlite3"
    client = ScoringClient(f"http://127.0.0.1:{_closed_port()}", "t", timeout=0.5, store_path=store)
    old = dt.datetime.now(dt.UTC) - dt.timedelta(hours=25)
    unit, period = "05953@2025-07-01", "2025-07"
    words = "Số điện thoại của tôi 0912345678, chờ quá lâu"
    phone = b"0912345678"  # as the file holds it (JSON escapes the rest)

    def query(path: str, **params: str | int) -> tuple[str, tuple[tuple[str, str], ...]]:
        return path, tuple(sorted(_clean(params).items()))

    client._remember(query("index", unit=unit, period=period), Fetched({"n": 3}, old))
    client._remember(
        query("comments", unit=unit, period=period, page=1, per_page=20),
        Fetched({"comments": [{"text": words}]}, old),
    )
    assert client.index(unit, period).data == {"n": 3}  # figures: shown, stale
    with pytest.raises(ScoringUnavailable):
        client.comments(unit, period)
    # The next answer kept prunes them from the file.
    client._remember(query("index", unit=unit, period="2025-08"), Fetched({"n": 1}, old))
    files = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert phone not in files
    # A restart (the dashboard stopped meanwhile, nothing kept since) drops them too:
    # themes kept yesterday, as the file holds them.
    with sqlite3.connect(store) as db:
        db.execute(
            "INSERT INTO last_good VALUES (?, ?, ?)",
            (
                json.dumps(query("themes", unit=unit, period="2025-08")),
                json.dumps({"themes": [{"examples": [words]}]}),
                old.isoformat(),
            ),
        )
    assert phone in b"".join(p.read_bytes() for p in tmp_path.iterdir())
    ScoringClient(client.base_url, "t", timeout=0.5, store_path=store)
    assert phone not in b"".join(p.read_bytes() for p in tmp_path.iterdir())
    # Comments of today are still kept, for scoring's short outages.
    fresh = dt.datetime.now(dt.UTC)
    client._remember(query("themes", unit=unit, period=period), Fetched({"themes": []}, fresh))
    assert client.themes(unit, period).stale


def test_the_log_says_when_scoring_answers_again(caplog: pytest.LogCaptureFixture) -> None:
    """An operator read "scoring unavailable" lines, never when it healed (and the
    line did not say which address failed)."""
    from tests.dashboard.helpers import serve_in_thread

    answers = {"up": False}

    def wsgi(environ: dict[str, object], start_response: object) -> list[bytes]:
        status = "200 OK" if answers["up"] else "503 Service Unavailable"
        start_response(status, [("Content-Type", "application/json")])  # type: ignore[operator]
        return [b'{"n": 1}']

    caplog.set_level("INFO", logger="thuocdo_dashboard.scoring_client")
    with serve_in_thread(wsgi) as url:
        client = ScoringClient(url, "t", timeout=2)
        with pytest.raises(ScoringUnavailable):
            client.index("05953@2025-07-01", "2025-07")
        answers["up"] = True
        assert client.index("05953@2025-07-01", "2025-07").data == {"n": 1}
        client.index("05953@2025-07-01", "2025-07")  # said once, not at every answer
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("thuocdo_dashboard")]
    assert lines == [
        f"scoring unavailable for index at {url}: HTTP 503",
        f"scoring answers again at {url}",
    ]
