"""`thuocdo-scoring check-consumer`: the consumer's heartbeat age as an exit code, for
the consumer container's health check (its process can hang without exiting)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from thuocdo_scoring.cli import main
from thuocdo_scoring.queries import consumer_health
from thuocdo_scoring.store import ConsumerState, SqliteStore

NOW = dt.datetime(2026, 11, 27, 5, 0, tzinfo=dt.UTC)


def test_health_is_the_heartbeats_age_against_the_limit() -> None:
    fresh = ConsumerState(NOW - dt.timedelta(seconds=12.34), 7, 2)
    assert consumer_health(fresh, NOW, 60) == (
        True,
        "heartbeat 12.3 s old, lag 7, 2 dead-lettered",
    )
    # 61 s: over the limit, and the lag (a measurement for 30 s) is no longer known.
    stale = ConsumerState(NOW - dt.timedelta(seconds=61), 0, 0)
    ok, said = consumer_health(stale, NOW, 60)
    assert not ok
    assert said == (
        "heartbeat 61.0 s old, lag unknown, 0 dead-lettered: over 60 s, the consumer is"
        " not counting (see its log)"
    )
    assert consumer_health(stale, NOW, 61.5)[0]
    assert consumer_health(None, NOW, 60) == (
        False,
        "no heartbeat: the consumer has never run against this store",
    )


def test_check_consumer_exits_1_for_no_store_no_heartbeat_and_a_stale_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("THUOCDO_DATA_DIR", str(tmp_path))
    path = tmp_path / "scoring.sqlite3"
    assert main(["check-consumer"]) == 1
    assert capsys.readouterr().out == (
        f"consumer: no store at {path}: the consumer has not run yet\n"
    )
    assert not path.exists()  # the check creates nothing

    store = SqliteStore(path)
    store.response_count()  # a store the consumer opened, with no heartbeat yet
    assert main(["check-consumer"]) == 1
    assert "no heartbeat" in capsys.readouterr().out

    now = dt.datetime.now(dt.UTC)
    store.note_consumer(now - dt.timedelta(seconds=3), 0, 1)
    assert main(["check-consumer"]) == 0
    assert capsys.readouterr().out.startswith("consumer: heartbeat 3.")

    store.note_consumer(now - dt.timedelta(seconds=90), None, 0)
    store.close()
    assert main(["check-consumer", "--max-age", "120"]) == 0
    capsys.readouterr()
    assert main(["check-consumer"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("consumer: heartbeat 90.") and "over 60 s" in out, out
