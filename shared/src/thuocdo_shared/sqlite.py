"""What every service's SQLite files share."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


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
