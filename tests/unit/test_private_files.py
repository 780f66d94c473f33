"""The services' SQLite files are their owner's only, whatever the umask: they hold
citizens' comments, kiosk token hashes and accounts."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from thuocdo_scoring.store import SqliteStore
from thuocdo_shared.sqlite import private_file

pytestmark = pytest.mark.unit


def test_a_new_store_is_the_owners_only_and_an_old_one_is_left_as_it_is(tmp_path: Path) -> None:
    was = os.umask(0o022)
    try:
        store = SqliteStore(tmp_path / "new" / "scoring.sqlite3")
        assert store.response_count() == 0
        made = tmp_path / "new" / "scoring.sqlite3"
        assert stat.S_IMODE(made.stat().st_mode) == 0o600
        # SQLite gives the WAL the database's mode (checked while open: it goes at close).
        wal = made.with_name(made.name + "-wal")
        assert wal.exists()
        assert stat.S_IMODE(wal.stat().st_mode) == 0o600
        store.close()
        kept = tmp_path / "kept.sqlite3"
        kept.write_bytes(b"")
        kept.chmod(0o640)
        private_file(kept)
        assert stat.S_IMODE(kept.stat().st_mode) == 0o640
    finally:
        os.umask(was)
