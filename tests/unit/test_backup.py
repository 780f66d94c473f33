"""``python -m thuocdo_shared.backup``: copies of the services' SQLite files taken while
they are open and written, with the commits still in their WAL files."""

from __future__ import annotations

import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from thuocdo_shared.backup import main

pytestmark = pytest.mark.unit


def _wal_db(path: Path, rows: int) -> sqlite3.Connection:
    """A database in WAL mode with ``rows`` committed rows that are still in its WAL
    file (no checkpoint), and its connection left open, as a running service has."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute("CREATE TABLE t (n INTEGER, text TEXT)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", [(i, "Xã Kha Sơn") for i in range(rows)])
    return conn


def test_backup_copies_every_database_with_what_is_still_in_its_wal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, dest = tmp_path / "data", tmp_path / "backups" / "2026-11-27"
    data.mkdir()
    scoring = _wal_db(data / "scoring.sqlite3", 500)
    accounts = _wal_db(data / "dashboard.sqlite3", 3)
    (data / "scoring-token").write_text("secret")  # not a database: not copied
    assert (data / "scoring.sqlite3-wal").stat().st_size > 0  # the rows are in the WAL
    try:
        assert main([str(dest), "--data-dir", str(data)]) == 0
    finally:
        scoring.close()
        accounts.close()
    out = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in out[:2]] == ["dashboard.sqlite3", "scoring.sqlite3"]
    assert all(line.endswith("\tok") for line in out[:2]) and out[2] == f"2 file(s) in {dest}"
    assert sorted(p.name for p in dest.iterdir()) == ["dashboard.sqlite3", "scoring.sqlite3"]
    with sqlite3.connect(dest / "scoring.sqlite3") as copy:
        assert copy.execute("SELECT count(*), max(text) FROM t").fetchone() == (500, "Xã Kha Sơn")
    assert stat.S_IMODE((dest / "scoring.sqlite3").stat().st_mode) == 0o600
    assert stat.S_IMODE(dest.stat().st_mode) == 0o700


def test_backup_refuses_an_existing_destination_and_reports_a_bad_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    assert main([str(tmp_path / "b0"), "--data-dir", str(data)]) == 1
    assert "no *.sqlite3 file" in capsys.readouterr().err
    assert not (tmp_path / "b0").exists()

    _wal_db(data / "intake-kiosks.sqlite3", 2).close()
    (data / "broken.sqlite3").write_bytes(b"not a database at all" * 100)
    assert main([str(tmp_path / "b1"), "--data-dir", str(data)]) == 1
    captured = capsys.readouterr()
    assert "intake-kiosks.sqlite3\t" in captured.out and "\tok" in captured.out
    assert "broken.sqlite3\t0 bytes\tDatabaseError" in captured.out
    assert "not backed up: broken.sqlite3" in captured.err
    assert not (tmp_path / "b1" / "broken.sqlite3").exists()
    assert (tmp_path / "b1" / "intake-kiosks.sqlite3").exists()

    assert main([str(tmp_path / "b1"), "--data-dir", str(data)]) == 2
    assert "exists; give a new directory" in capsys.readouterr().err
    assert main([str(tmp_path / "b2"), "--data-dir", str(tmp_path / "nope")]) == 2


def test_backup_takes_relative_paths_and_leaves_no_empty_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """README's command for `make up` gives both paths relative to the checkout (the
    data directory by its default, .run/data)."""
    monkeypatch.chdir(tmp_path)
    data = Path(".run") / "data"
    data.mkdir(parents=True)
    (data / "broken.sqlite3").write_bytes(b"not a database at all" * 100)
    assert main(["backups/one", "--data-dir", str(data)]) == 1
    assert "not backed up: broken.sqlite3" in capsys.readouterr().err
    assert not Path("backups/one").exists()  # so the same command may be run again

    (data / "broken.sqlite3").unlink()
    _wal_db(data / "scoring.sqlite3", 7).close()
    assert main(["backups/one", "--data-dir", str(data)]) == 0
    with sqlite3.connect(tmp_path / "backups" / "one" / "scoring.sqlite3") as copy:
        assert copy.execute("SELECT count(*) FROM t").fetchone() == (7,)


def test_a_copy_that_fails_its_check_is_kept_with_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A copy made but failing its integrity check stays for inspection (only failed
    copies are removed): the folder is then not empty and is kept, without a crash."""
    import thuocdo_shared.backup as backup

    def damaged(data_dir: Path, dest: Path) -> Iterator[backup.Copied]:
        dest.mkdir(parents=True)
        (dest / "scoring.sqlite3").write_bytes(b"copied")
        yield backup.Copied("scoring.sqlite3", 6, "integrity check: page 7 is never used")

    monkeypatch.setattr(backup, "backup_databases", damaged)
    (tmp_path / "data").mkdir()
    assert main([str(tmp_path / "b"), "--data-dir", str(tmp_path / "data")]) == 1
    assert "not backed up: scoring.sqlite3" in capsys.readouterr().err
    assert (tmp_path / "b" / "scoring.sqlite3").exists()
