"""Retention of raw comments: ``purge-comments`` blanks comment text older than
THUOCDO_COMMENT_RETENTION_DAYS and touches nothing else."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from thuocdo_scoring import cli
from thuocdo_scoring.aggregate import Record
from thuocdo_scoring.settings import Settings
from thuocdo_scoring.store import SqliteStore
from thuocdo_shared.config import ConfigError

pytestmark = pytest.mark.unit

ICT = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime.now(ICT).replace(microsecond=0)


def rec(i: int, days_ago: float, comment: str | None) -> Record:
    return Record(
        id=f"r{i}",
        submitted_at=NOW - dt.timedelta(days=days_ago),
        unit_key="05953@2025-07-01",
        commune_code="05953",
        field="ho_tich",
        overall=1 + i % 5,
        issues=("waiting_time",),
        comment=comment,
    )


RECORDS = [
    rec(1, 400, "Chờ quá lâu, cán bộ vắng mặt"),  # older than 365 days: blanked
    rec(2, 366, "Phí không rõ ràng"),  # older: blanked
    rec(3, 364, "Hướng dẫn tận tình"),  # inside the year: kept
    rec(4, 1, "Nhanh gọn"),  # kept
    rec(5, 500, None),  # no comment: nothing to blank, not counted
]


def comments(store: SqliteStore) -> dict[str, str | None]:
    return {r.id: r.comment for r in store.records()}


def test_store_blanks_only_old_comments_and_keeps_aggregates(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.sqlite3")
    store.apply_batch(RECORDS, {("t", 0): len(RECORDS)})
    aggregates = store.aggregates()
    assert store.purge_comments(NOW - dt.timedelta(days=365)) == 2
    assert comments(store) == {
        "r1": None,
        "r2": None,
        "r3": "Hướng dẫn tận tình",
        "r4": "Nhanh gọn",
        "r5": None,
    }
    # The ratings, issues and every aggregate are unchanged; a second run finds nothing.
    assert store.aggregates() == aggregates
    assert {r.id: (r.overall, r.issues) for r in store.records()} == {
        r.id: (r.overall, r.issues) for r in RECORDS
    }
    assert store.purge_comments(NOW - dt.timedelta(days=365)) == 0
    # The store remembers how far comments were blanked, the latest cutoff of all runs.
    assert store.comments_purged_before() == NOW - dt.timedelta(days=365)
    store.purge_comments(NOW - dt.timedelta(days=400))
    assert store.comments_purged_before() == NOW - dt.timedelta(days=365)
    store.purge_comments(NOW - dt.timedelta(days=30))
    assert store.comments_purged_before() == NOW - dt.timedelta(days=30)


def test_a_store_never_purged_says_so(tmp_path: Path) -> None:
    assert SqliteStore(tmp_path / "s.sqlite3").comments_purged_before() is None


def test_setting_is_read_from_the_environment() -> None:
    assert Settings.from_env({}).comment_retention_days == 365
    assert Settings.from_env({"THUOCDO_COMMENT_RETENTION_DAYS": "30"}).comment_retention_days == 30
    assert Settings.from_env({"THUOCDO_COMMENT_RETENTION_DAYS": "0"}).comment_retention_days == 0
    # A million days overflowed the consumer's cutoff date and stopped it (helper-70).
    with pytest.raises(ConfigError, match="must be <= 36500"):
        Settings.from_env({"THUOCDO_COMMENT_RETENTION_DAYS": "1000000"})


@pytest.mark.parametrize(
    ("env_days", "flag", "blanked"),
    [("365", None, 2), ("2", None, 3), ("0", None, 0), ("0", "3", 3), ("365", "390", 1)],
)
def test_cli_purge_comments(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env_days: str,
    flag: str | None,
    blanked: int,
) -> None:
    db = tmp_path / "s.sqlite3"
    store = SqliteStore(db)
    store.apply_batch(RECORDS, {("t", 0): len(RECORDS)})
    store.close()
    monkeypatch.setenv("THUOCDO_SCORING_DB", str(db))
    monkeypatch.setenv("THUOCDO_COMMENT_RETENTION_DAYS", env_days)
    assert cli.main(["purge-comments", *(["--days", flag] if flag else [])]) == 0
    out = capsys.readouterr().out
    kept = sum(c is not None for c in comments(SqliteStore(db)).values())
    assert kept == 4 - blanked
    if env_days == "0" and flag is None:
        assert "retention is off" in out
    else:
        assert out.startswith(f"blanked {blanked} comments submitted before ")


def test_the_text_blanked_is_not_left_in_the_file(tmp_path: Path) -> None:
    """Blanked rows leave their old bytes in the file's free space (and in the WAL)
    unless overwritten: a copy or a backup of the file would still carry them."""
    db = tmp_path / "s.sqlite3"
    store = SqliteStore(db)
    old = [rec(100 + i, 400, f"Số điện thoại 09{i:08d}, chờ quá lâu") for i in range(20)]
    new = [rec(200 + i, 10, f"Góp ý mới {i:03d}, hướng dẫn tận tình") for i in range(20)]
    store.apply_batch(old + new, {("t", 0): 40})
    # As on an SQLite built without SECURE_DELETE by default (Debian's has it on), the
    # rows long in the file (checkpointed) when the purge comes.
    store._conn().execute("PRAGMA secure_delete=OFF")
    store._conn().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert store.purge_comments(NOW - dt.timedelta(days=365)) == 20
    assert store._conn().execute("PRAGMA secure_delete").fetchone()[0] == 0  # put back
    store.close()
    files = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("s.sqlite3"))
    left = [r.comment for r in old if r.comment and r.comment.encode() in files]
    assert left == []
    assert all(r.comment and r.comment.encode() in files for r in new)  # kept text is seen


def test_cli_purge_without_a_store_fails_and_makes_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """From cron in another directory the default store path is wrong: before, an
    empty store was made there and "blanked 0 comments" said, every day."""
    db = tmp_path / "nowhere" / "scoring.sqlite3"
    monkeypatch.setenv("THUOCDO_SCORING_DB", str(db))
    assert cli.main(["purge-comments"]) == 1
    assert f"no store at {db}" in capsys.readouterr().err
    assert not db.exists() and not db.parent.exists()
