"""The durable side of intake, one SQLite file shared by every gunicorn worker:

- ``ids``: every response id seen (the idempotency key) and how far it got
  (``inflight`` → ``published`` or ``spooled``), so a repeated id is published once;
- ``spool``: responses Kafka did not acknowledge in time, in arrival order, deleted
  only after the broker acknowledged them;
- ``lease``: which worker may drain the spool, with an expiry so that a killed
  worker's lease passes to another.
"""

from __future__ import annotations

import enum
import logging
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .sqlite import PerThread, connect, transaction

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS ids (
    id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    at REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ids_at ON ids (at);
CREATE TABLE IF NOT EXISTS spool (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL,
    key BLOB,
    value BLOB NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS lease (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires REAL NOT NULL
);
"""


class Claim(enum.Enum):
    NEW = "new"  # this request owns the id now and must publish or spool it
    DUPLICATE = "duplicate"  # already published or spooled
    BUSY = "busy"  # another request is publishing it right now


@dataclass(frozen=True)
class SpoolRow:
    seq: int
    id: str
    key: bytes | None
    value: bytes


# Seconds by which another worker's time may run ahead of the ``now`` given (it was
# read before waiting for the write lock); more than that is a clock stepped back.
CLOCK_SLACK = 10.0


class SpoolStore:
    """Ids, spool and lease. Times are wall-clock seconds (``time.time()``), because
    several processes compare them. A clock stepped back must not stall them: a
    claim dated ahead of now, or a lease expiring further ahead than its length (each
    by more than :data:`CLOCK_SLACK`), was written before the step and counts as
    stale. At worst an id is then published twice, which scoring drops; never is a
    response answered "duplicate" that nobody published."""

    def __init__(self, path: Path, stale_after: float) -> None:
        self.path = path
        self.stale_after = stale_after
        conn = connect(path)
        conn.executescript(_SCHEMA)
        conn.close()
        # Spool rows must survive power loss: FULL. Id bookkeeping may lose its last
        # commits on power loss; the worst outcome is a second publish of an id,
        # which scoring drops by id.
        self._durable = PerThread(path, "FULL")
        self._fast = PerThread(path, "NORMAL")
        # SQLite lets one writer in at a time and makes the others sleep and retry;
        # queueing this process's threads on a lock first avoids those sleeps.
        self._write = threading.Lock()
        self._marks: list[str] = []
        self._marks_lock = threading.Lock()
        self._marks_written = 0.0

    # -- ids -------------------------------------------------------------------
    def claim(self, response_id: str, now: float) -> tuple[Claim, bool]:
        """Claim an id for publishing. Returns the claim and whether the spool holds
        a backlog (then the caller must spool too, to keep the order)."""
        conn = self._fast.get()
        with self._write:
            # One statement claims the id and reads whether the spool holds anything
            # (a new id returns one row, a known one none). fetchall runs it to the
            # end: an unfinished statement would keep the write lock.
            rows = conn.execute(
                "INSERT INTO ids (id, state, at) VALUES (?, 'inflight', ?)"
                " ON CONFLICT (id) DO NOTHING RETURNING EXISTS (SELECT 1 FROM spool)",
                (response_id, now),
            ).fetchall()
        if rows:
            return Claim.NEW, rows[0][0] == 1
        claim = self._reclaim(response_id, now)
        backlog = conn.execute("SELECT EXISTS (SELECT 1 FROM spool)").fetchone()[0] == 1
        return claim, backlog

    def _reclaim(self, response_id: str, now: float) -> Claim:
        """The id is known: a duplicate, busy, or left by a request that died."""
        self.write_marks()
        conn = self._fast.get()
        with self._write, transaction(conn):
            row = conn.execute("SELECT state, at FROM ids WHERE id = ?", (response_id,)).fetchone()
            if row is None:  # pruned meanwhile
                conn.execute(
                    "INSERT INTO ids (id, state, at) VALUES (?, 'inflight', ?)", (response_id, now)
                )
                return Claim.NEW
            age = now - float(row[1])
            if row[0] == "inflight" and (age > self.stale_after or age < -CLOCK_SLACK):
                # The worker that claimed it died before publishing or spooling it
                # (or the clock was stepped back since the claim).
                conn.execute("UPDATE ids SET at = ? WHERE id = ?", (now, response_id))
                return Claim.NEW
            return Claim.BUSY if row[0] == "inflight" else Claim.DUPLICATE

    def mark_published(self, response_id: str, max_delay: float = 0.05) -> None:
        """Record that Kafka acknowledged ``response_id``. Marks are written in
        batches at most ``max_delay`` seconds apart (one transaction for many
        requests); :meth:`write_marks` writes the rest (the flusher calls it)."""
        with self._marks_lock:
            self._marks.append(response_id)
            due = time.monotonic() - self._marks_written >= max_delay
        if due:
            try:
                self.write_marks()
            except Exception as exc:
                # Kafka has the record: the request is answered "accepted" all the
                # same, and the marks are written by a later call.
                log.warning("published marks not written yet: %s: %s", type(exc).__name__, exc)

    def write_marks(self) -> None:
        """Write the pending marks; on failure they stay pending (and it raises)."""
        with self._marks_lock:
            marks, self._marks = self._marks, []
            self._marks_written = time.monotonic()
        if marks:
            conn = self._fast.get()
            try:
                with self._write, transaction(conn):
                    conn.executemany(
                        "UPDATE ids SET state = 'published' WHERE id = ?", [(m,) for m in marks]
                    )
            except BaseException:
                with self._marks_lock:
                    self._marks[:0] = marks
                raise

    def release(self, response_id: str) -> None:
        """Forget an in-flight claim (the request failed before anything durable)."""
        self._fast.get().execute(
            "DELETE FROM ids WHERE id = ? AND state = 'inflight'", (response_id,)
        )

    def prune_ids(self, before: float) -> int:
        """Forget ids claimed before ``before`` (days ago: an ``inflight`` claim that
        old belongs to a request that died, or to a mark lost in a crash); returns
        how many. Queued ids wait in the spool and are kept."""
        cur = self._fast.get().execute(
            "DELETE FROM ids WHERE at < ? AND state != 'spooled'", (before,)
        )
        return cur.rowcount

    # -- spool -----------------------------------------------------------------
    def put(self, response_id: str, key: bytes | None, value: bytes, now: float) -> None:
        """Write a response to the spool (synced to disk before returning)."""
        conn = self._durable.get()
        with self._write, transaction(conn):
            conn.execute(
                "INSERT INTO spool (id, key, value, created) VALUES (?, ?, ?, ?)",
                (response_id, key, value, now),
            )
            conn.execute(
                "INSERT INTO ids (id, state, at) VALUES (?, 'spooled', ?)"
                " ON CONFLICT (id) DO UPDATE SET state = 'spooled', at = excluded.at",
                (response_id, now),
            )

    def depth(self) -> int:
        """Responses waiting in the spool."""
        return int(self._fast.get().execute("SELECT COUNT(*) FROM spool").fetchone()[0])

    def batch(self, limit: int) -> list[SpoolRow]:
        """The oldest ``limit`` spooled responses, oldest first."""
        rows = self._fast.get().execute(
            "SELECT seq, id, key, value FROM spool ORDER BY seq LIMIT ?", (limit,)
        )
        return [SpoolRow(int(r[0]), str(r[1]), r[2], bytes(r[3])) for r in rows]

    def delete(self, rows: list[SpoolRow]) -> None:
        """Drop rows the broker acknowledged and mark their ids published."""
        if not rows:
            return
        conn = self._durable.get()
        with self._write, transaction(conn):
            conn.executemany("DELETE FROM spool WHERE seq = ?", [(r.seq,) for r in rows])
            conn.executemany(
                "UPDATE ids SET state = 'published' WHERE id = ?", [(r.id,) for r in rows]
            )

    def writable(self) -> bool:
        """Whether a write transaction can be opened right now."""
        try:
            conn = self._durable.get()
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            return True
        except sqlite3.Error:
            return False

    # -- lease -----------------------------------------------------------------
    def acquire_lease(self, holder: str, ttl: float, now: float, name: str = "flush") -> bool:
        """Take or renew the lease ``name`` for ``ttl`` seconds; False if another
        holder's lease has not expired."""
        conn = self._fast.get()
        with transaction(conn):
            row = conn.execute(
                "SELECT holder, expires FROM lease WHERE name = ?", (name,)
            ).fetchone()
            # An expiry further ahead than ``ttl`` was written before the clock was
            # stepped back: its holder could keep every other worker off for as long.
            ok = (
                row is None
                or row[0] == holder
                or not now <= float(row[1]) <= now + ttl + CLOCK_SLACK
            )
            if ok:
                conn.execute(
                    "INSERT INTO lease (name, holder, expires) VALUES (?, ?, ?)"
                    " ON CONFLICT (name) DO UPDATE SET holder = excluded.holder,"
                    " expires = excluded.expires",
                    (name, holder, now + ttl),
                )
        return ok

    def release_lease(self, holder: str, name: str = "flush") -> None:
        self._fast.get().execute("DELETE FROM lease WHERE name = ? AND holder = ?", (name, holder))

    def lease(self, name: str = "flush") -> tuple[str, float] | None:
        """(holder, expires) of the lease, if any."""
        row = (
            self._fast.get()
            .execute("SELECT holder, expires FROM lease WHERE name = ?", (name,))
            .fetchone()
        )
        return None if row is None else (str(row[0]), float(row[1]))
