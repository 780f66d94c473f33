"""What every service's SQLite files share."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def private_file(path: Path | str) -> None:
    """Create ``path`` (and its directory) for this user only, unless it exists:
    citizens' comments, kiosk token hashes and accounts live in these files, and one
    made under a umask of 022 (a command run from a shell, a container) was readable
    by every user of the machine. SQLite gives its -wal and -shm files the same mode.
    """
    path = Path(path)
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):  # another process, just now
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on any error, the commit's
    included) on a connection opened with ``isolation_level=None``. IMMEDIATE takes
    the write lock at once, so a read-then-write cannot race another process."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        # Also when COMMIT itself fails (disk full, busy): a connection left inside
        # its transaction would keep the write lock, and every other writer would
        # wait on it and fail until this process restarted.
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
