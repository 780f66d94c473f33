"""Opening the intake's SQLite files the same way everywhere."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from thuocdo_shared.sqlite import private_file, transaction

__all__ = ["PerThread", "connect", "transaction"]


def connect(path: Path, synchronous: str = "FULL") -> sqlite3.Connection:
    """A connection in WAL mode with a 5 s busy timeout (several gunicorn workers and
    threads write the same file). ``synchronous`` is per connection: ``FULL`` syncs
    the WAL on every commit, ``NORMAL`` may lose the last commits on power loss (never
    on a process crash)."""
    private_file(path)
    conn = sqlite3.connect(path, timeout=5.0, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA synchronous = {'FULL' if synchronous == 'FULL' else 'NORMAL'}")
    return conn


class PerThread:
    """One connection per thread (sqlite3 connections must not be shared between
    threads while in use), opened lazily, so also fresh in each forked worker."""

    def __init__(self, path: Path, synchronous: str = "FULL") -> None:
        self.path = path
        self.synchronous = synchronous
        self._local = threading.local()

    def get(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path, self.synchronous)
            self._local.conn = conn
        return conn
