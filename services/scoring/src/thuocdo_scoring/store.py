"""Where scoring keeps responses, aggregates and consumer offsets.

:class:`Store` is the interface (a PostgreSQL implementation can follow);
:class:`SqliteStore` is the embedded default. ``apply_batch`` is the one write: in
a single transaction it inserts the responses (ignoring ids already there), adds the
aggregates of the new ones only, and records the next offsets to consume, so a
crash at any point leaves either all of a batch or none of it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from thuocdo_shared.sqlite import private_file, transaction

from .aggregate import ALL, AggKey, Counts, Levels, Record, fold

log = logging.getLogger(__name__)

LEVEL_COLS = ("l1", "l2", "l3", "l4", "l5")
# Adding counts is what makes the aggregates incremental.
UPSERT_AGG = """
INSERT INTO agg VALUES (?,?,?,?,?,?,?,?,?,?,?,?)
ON CONFLICT (unit_key, day, field, suspect, issue) DO UPDATE SET
    l1 = l1 + excluded.l1, l2 = l2 + excluded.l2, l3 = l3 + excluded.l3,
    l4 = l4 + excluded.l4, l5 = l5 + excluded.l5,
    n_sipas = n_sipas + excluded.n_sipas, latest = max(latest, excluded.latest)
"""
UPSERT_CRITERIA = """
INSERT INTO agg_criteria VALUES (?,?,?,?,?,?,?,?,?,?,?)
ON CONFLICT (unit_key, day, field, suspect, issue, criterion) DO UPDATE SET
    l1 = l1 + excluded.l1, l2 = l2 + excluded.l2, l3 = l3 + excluded.l3,
    l4 = l4 + excluded.l4, l5 = l5 + excluded.l5
"""
CATCH_ALL_ISSUE = "other"
GROUP_COLUMNS = ("unit_key", "day", "field", "suspect", "issue")

SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    id TEXT PRIMARY KEY,
    submitted_at TEXT NOT NULL,
    submitted_utc TEXT NOT NULL,
    local_date TEXT NOT NULL,
    unit_key TEXT NOT NULL,
    commune_code TEXT NOT NULL,
    kiosk_id TEXT NOT NULL,
    field TEXT NOT NULL,
    overall INTEGER NOT NULL,
    criteria TEXT NOT NULL,
    issues TEXT NOT NULL,
    predicted_issue TEXT,
    suspect INTEGER NOT NULL,
    comment TEXT
);
CREATE INDEX IF NOT EXISTS responses_unit_day ON responses (unit_key, local_date);
CREATE TABLE IF NOT EXISTS agg (
    unit_key TEXT NOT NULL, day TEXT NOT NULL, field TEXT NOT NULL,
    suspect INTEGER NOT NULL, issue TEXT NOT NULL,
    l1 INTEGER NOT NULL, l2 INTEGER NOT NULL, l3 INTEGER NOT NULL,
    l4 INTEGER NOT NULL, l5 INTEGER NOT NULL,
    n_sipas INTEGER NOT NULL, latest TEXT NOT NULL,
    PRIMARY KEY (unit_key, day, field, suspect, issue)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS agg_criteria (
    unit_key TEXT NOT NULL, day TEXT NOT NULL, field TEXT NOT NULL,
    suspect INTEGER NOT NULL, issue TEXT NOT NULL, criterion TEXT NOT NULL,
    l1 INTEGER NOT NULL, l2 INTEGER NOT NULL, l3 INTEGER NOT NULL,
    l4 INTEGER NOT NULL, l5 INTEGER NOT NULL,
    PRIMARY KEY (unit_key, day, field, suspect, issue, criterion)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS consumer_offsets (
    topic TEXT NOT NULL, partition INTEGER NOT NULL, next_offset INTEGER NOT NULL,
    PRIMARY KEY (topic, partition)
);
CREATE TABLE IF NOT EXISTS consumer_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seen_at TEXT NOT NULL,
    lag INTEGER,
    dead_lettered INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS comments_purged (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    before_utc TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class Filters:
    """What to sum: unit versions, an inclusive local-date range, optional field and
    issue (``""`` = all responses), and whether suspect responses count."""

    unit_keys: tuple[str, ...]
    start: dt.date
    end: dt.date
    field: str | None = None
    issue: str = ALL
    include_suspect: bool = False


@dataclass(frozen=True)
class Comment:
    id: str
    submitted_at: str
    unit_key: str
    field: str
    overall: int
    issues: tuple[str, ...]
    predicted_issue: str | None
    comment: str


# The consumer beats every 5 s while it works; a lag older than this is no measurement.
LAG_FRESH_S = 30.0


@dataclass(frozen=True)
class ConsumerState:
    """What the consumer last said about itself: when it last polled Kafka without
    failing (aware UTC), how many records it was behind the end of its partitions
    then (None: unknown), and how many it has sent to the dead-letter topic in all."""

    seen_at: dt.datetime
    lag: int | None
    dead_lettered: int

    def age_s(self, now: dt.datetime) -> float:
        """Seconds since :attr:`seen_at` (0 when the clocks disagree)."""
        return max(0.0, (now - self.seen_at).total_seconds())

    def lag_now(self, now: dt.datetime) -> int | None:
        """:attr:`lag` while it is a measurement: None once the heartbeat is older than
        :data:`LAG_FRESH_S` (a stopped consumer's last lag, often 0, is not how far
        behind it is now; the heartbeat's age says that)."""
        return self.lag if self.age_s(now) <= LAG_FRESH_S else None


class Store(Protocol):
    """Storage used by the consumer and the read API."""

    def apply_batch(
        self, records: Sequence[Record], offsets: Mapping[tuple[str, int], int]
    ) -> list[Record]:
        """Apply atomically; return the records that were new (not seen before)."""
        ...

    def offset(self, topic: str, partition: int) -> int | None: ...

    def snapshot(self) -> AbstractContextManager[None]:
        """Reads of this thread inside the block all see the same committed state
        (one read transaction); nested blocks join the outermost one."""
        ...

    def forget_offset(self, topic: str, partition: int) -> None:
        """Drop the stored next offset (the partition is then read from the start)."""
        ...

    def sum_rows(
        self, filters: Filters, group_by: Sequence[str] = (), criteria: bool = False
    ) -> dict[tuple[Any, ...], Counts]: ...

    def comments(
        self,
        filters: Filters,
        ratings: tuple[int, int] | None = None,
        limit: int = 20,
        offset: int = 0,
        unassigned_only: bool = False,
    ) -> tuple[int, list[Comment]]: ...

    def response_count(self) -> int: ...

    def version(self) -> int:
        """A number that grows with every batch of responses counted (and only
        then): two answers read with the same version were read from the same
        counts."""
        ...

    def note_consumer(self, seen_at: dt.datetime, lag: int | None, dead_added: int) -> None:
        """The consumer's heartbeat: it polled at ``seen_at``, is ``lag`` records
        behind, and dead-lettered ``dead_added`` more records since the last one."""
        ...

    def consumer_state(self) -> ConsumerState | None:
        """The last heartbeat, or None when no consumer ever wrote one."""
        ...

    def purge_comments(self, before: dt.datetime) -> int:
        """Blank the comment text of responses submitted before ``before``."""
        ...

    def comments_purged_before(self) -> dt.datetime | None:
        """The latest ``before`` comments were blanked up to (None: never purged)."""
        ...

    def close(self) -> None: ...


def _levels(row: Sequence[Any], start: int) -> Levels:
    return (row[start], row[start + 1], row[start + 2], row[start + 3], row[start + 4])


def _in(n: int) -> str:
    return ",".join("?" * n)


class SqliteStore:
    """:class:`Store` in one SQLite file (WAL, synchronous=FULL).

    One connection per thread; the consumer is the only writer. Reads from gunicorn
    workers see the last committed batch.
    """

    def __init__(self, path: str | Path) -> None:
        # Opened lazily, so that a web worker starts (and /readyz can say why it is
        # not ready) even when the file cannot be opened yet.
        self.path = str(path)
        self._local = threading.local()
        self._schema_lock = threading.Lock()
        self._schema_ready = False

    def _ensure_schema(self) -> None:
        with self._schema_lock:
            if self._schema_ready:
                return
            private_file(self.path)
            conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            try:
                conn.execute("PRAGMA busy_timeout=30000")
                conn.execute("PRAGMA journal_mode=WAL")
                conn.executescript(SCHEMA)
            finally:
                conn.close()
            self._schema_ready = True

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            self._ensure_schema()
            conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
        return conn

    def _tx(self) -> AbstractContextManager[sqlite3.Connection]:
        return transaction(self._conn())

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction (BEGIN DEFERRED ... COMMIT) on this thread's
        connection: in WAL mode every SELECT inside sees the database as it was
        when the block began, so batches the consumer commits meanwhile are not
        seen half-way. Nested blocks join the outermost one. Do not write inside."""
        depth: int = getattr(self._local, "snapshot_depth", 0)
        if depth:
            self._local.snapshot_depth = depth + 1
            try:
                yield
            finally:
                self._local.snapshot_depth = depth
            return
        conn = self._conn()
        conn.execute("BEGIN DEFERRED")
        try:
            # A deferred transaction takes its snapshot at the first read: read now,
            # so the block sees the state of its start, not of its first query.
            conn.execute("SELECT 1 FROM consumer_offsets LIMIT 1").fetchall()
            self._local.snapshot_depth = 1
            yield
        finally:
            self._local.snapshot_depth = 0
            if conn.in_transaction:
                conn.execute("COMMIT")

    def apply_batch(
        self, records: Sequence[Record], offsets: Mapping[tuple[str, int], int]
    ) -> list[Record]:
        with self._tx() as conn:
            # Inside the IMMEDIATE transaction nobody else can insert: look up which
            # ids exist, then insert only the others (first delivery wins).
            existing: set[str] = set()
            ids = [r.id for r in records]
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                existing.update(
                    row[0]
                    for row in conn.execute(
                        f"SELECT id FROM responses WHERE id IN ({_in(len(chunk))})",  # noqa: S608
                        chunk,
                    )
                )
            new: list[Record] = []
            for r in records:
                if r.id not in existing:
                    existing.add(r.id)
                    new.append(r)
            conn.executemany(
                "INSERT INTO responses VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        r.id,
                        r.submitted_at.isoformat(),
                        r.submitted_at.astimezone(dt.UTC).isoformat(),
                        r.local_date.isoformat(),
                        r.unit_key,
                        r.commune_code,
                        r.kiosk_id,
                        r.field,
                        r.overall,
                        json.dumps(dict(r.criteria), sort_keys=True),
                        "," + ",".join(r.issues) + "," if r.issues else "",
                        r.predicted_issue,
                        int(r.suspect),
                        r.comment,
                    )
                    for r in new
                ],
            )
            self._add_aggregates(conn, fold(new))
            conn.executemany(
                "INSERT INTO consumer_offsets VALUES (?,?,?) ON CONFLICT (topic, partition) "
                # The plain value, not max(): after a topic was recreated the stored
                # offset must be able to go down (see consumer.start_offset). A lower
                # value only ever means records are read again (and skipped by id).
                "DO UPDATE SET next_offset = excluded.next_offset",
                [(t, p, o) for (t, p), o in offsets.items()],
            )
        return new

    @staticmethod
    def _add_aggregates(conn: sqlite3.Connection, rows: Mapping[AggKey, Counts]) -> None:
        def key(k: AggKey) -> tuple[Any, ...]:
            return (k[0], k[1].isoformat(), k[2], int(k[3]), k[4])

        conn.executemany(
            UPSERT_AGG, [(*key(k), *c.levels, c.n_sipas, c.latest) for k, c in rows.items()]
        )
        conn.executemany(
            UPSERT_CRITERIA,
            [
                (*key(k), code, *lv)
                for k, c in rows.items()
                for code, lv in sorted(c.criteria.items())
            ],
        )

    def offset(self, topic: str, partition: int) -> int | None:
        row = (
            self._conn()
            .execute(
                "SELECT next_offset FROM consumer_offsets WHERE topic = ? AND partition = ?",
                (topic, partition),
            )
            .fetchone()
        )
        return None if row is None else int(row[0])

    def forget_offset(self, topic: str, partition: int) -> None:
        with self._tx() as conn:
            conn.execute(
                "DELETE FROM consumer_offsets WHERE topic = ? AND partition = ?", (topic, partition)
            )

    @staticmethod
    def _where(f: Filters, day_col: str = "day", issue: bool = True) -> tuple[str, list[Any]]:
        clauses = [f"unit_key IN ({_in(len(f.unit_keys))})", f"{day_col} BETWEEN ? AND ?"]
        params: list[Any] = [*f.unit_keys, f.start.isoformat(), f.end.isoformat()]
        if f.field:
            clauses.append("field = ?")
            params.append(f.field)
        if issue:
            clauses.append("issue = ?")
            params.append(f.issue)
        if not f.include_suspect:
            clauses.append("suspect = 0")
        return " AND ".join(clauses), params

    def sum_rows(
        self, filters: Filters, group_by: Sequence[str] = (), criteria: bool = False
    ) -> dict[tuple[Any, ...], Counts]:
        """Sum aggregate rows matching ``filters``, grouped by columns of
        :data:`GROUP_COLUMNS` (``issue`` grouping ignores ``filters.issue``)."""
        bad = set(group_by) - set(GROUP_COLUMNS)
        if bad:
            raise ValueError(f"cannot group by {sorted(bad)}")
        if not filters.unit_keys:
            return {}
        where, params = self._where(filters, issue="issue" not in group_by)
        if "issue" in group_by:
            where += " AND issue != ''"
        cols = ", ".join(group_by)
        select = (cols + ", ") if cols else ""
        group = f" GROUP BY {cols}" if cols else ""
        sums = ", ".join(f"sum({c})" for c in LEVEL_COLS)
        conn = self._conn()
        out: dict[tuple[Any, ...], Counts] = {}
        g = len(group_by)
        for row in conn.execute(
            f"SELECT {select}{sums}, sum(n_sipas), max(latest) FROM agg WHERE {where}{group}",  # noqa: S608 - columns are whitelisted above
            params,
        ):
            if row[g] is None:
                continue
            out[tuple(row[:g])] = Counts(
                levels=_levels(row, g), n_sipas=row[g + 5], latest=row[g + 6]
            )
        if criteria and out:
            crit: dict[tuple[Any, ...], dict[str, Levels]] = {}
            for row in conn.execute(
                f"SELECT {select}criterion, {sums} FROM agg_criteria WHERE {where}"  # noqa: S608
                f"{group}{', criterion' if cols else ' GROUP BY criterion'}",
                params,
            ):
                crit.setdefault(tuple(row[:g]), {})[row[g]] = _levels(row, g + 1)
            out = {
                k: Counts(c.levels, c.n_sipas, crit.get(k, {}), c.latest) for k, c in out.items()
            }
        return out

    def comments(
        self,
        filters: Filters,
        ratings: tuple[int, int] | None = None,
        limit: int = 20,
        offset: int = 0,
        unassigned_only: bool = False,
    ) -> tuple[int, list[Comment]]:
        """Responses with a comment, newest first, and how many match in all."""
        if not filters.unit_keys:
            return 0, []
        where, params = self._where(filters, day_col="local_date", issue=False)
        where += " AND comment IS NOT NULL"
        if filters.issue:
            where += " AND (issues LIKE ? OR predicted_issue = ?)"
            params += [f"%,{filters.issue},%", filters.issue]
        if ratings is not None:
            where += " AND overall BETWEEN ? AND ?"
            params += list(ratings)
        if unassigned_only:
            # "other" is the taxonomy's catch-all: a comment there fits no known issue.
            where += (
                " AND (predicted_issue IS NULL OR predicted_issue = ?)"
                " AND (issues = '' OR issues = ?)"
            )
            params += [CATCH_ALL_ISSUE, f",{CATCH_ALL_ISSUE},"]
        conn = self._conn()
        count_sql = f"SELECT count(*) FROM responses WHERE {where}"  # noqa: S608 - fixed clauses
        total = conn.execute(count_sql, params).fetchone()[0]
        page_sql = (
            "SELECT id, submitted_at, unit_key, field, overall, issues, predicted_issue, comment"  # noqa: S608
            f" FROM responses WHERE {where} ORDER BY submitted_utc DESC, id LIMIT ? OFFSET ?"
        )
        rows = conn.execute(page_sql, [*params, limit, offset]).fetchall()
        return int(total), [
            Comment(
                id=r[0],
                submitted_at=r[1],
                unit_key=r[2],
                field=r[3],
                overall=r[4],
                issues=tuple(x for x in r[5].split(",") if x),
                predicted_issue=r[6],
                comment=r[7],
            )
            for r in rows
        ]

    def records(self) -> Iterable[Record]:
        """Every stored response as a :class:`Record` (for checks and rebuilds)."""
        for r in self._conn().execute(
            "SELECT id, submitted_at, unit_key, commune_code, field, overall, criteria, issues,"
            " predicted_issue, suspect, comment, kiosk_id FROM responses"
        ):
            yield Record(
                id=r[0],
                submitted_at=dt.datetime.fromisoformat(r[1]),
                unit_key=r[2],
                commune_code=r[3],
                field=r[4],
                overall=r[5],
                criteria=json.loads(r[6]),
                issues=tuple(x for x in r[7].split(",") if x),
                predicted_issue=r[8],
                suspect=bool(r[9]),
                comment=r[10],
                kiosk_id=r[11],
            )

    def aggregates(self) -> dict[AggKey, Counts]:
        """Every aggregate row (for checks)."""
        crit: dict[tuple[Any, ...], dict[str, Levels]] = {}
        conn = self._conn()
        for row in conn.execute("SELECT * FROM agg_criteria"):
            crit.setdefault(tuple(row[:5]), {})[row[5]] = _levels(row, 6)
        out: dict[AggKey, Counts] = {}
        for row in conn.execute("SELECT * FROM agg"):
            key = (row[0], dt.date.fromisoformat(row[1]), row[2], bool(row[3]), row[4])
            out[key] = Counts(_levels(row, 5), row[10], crit.get(tuple(row[:5]), {}), row[11])
        return out

    def response_count(self) -> int:
        return int(self._conn().execute("SELECT count(*) FROM responses").fetchone()[0])

    def version(self) -> int:
        # Responses are only ever inserted (never deleted; retention blanks their
        # text), each batch's with its aggregates in one transaction: the highest
        # rowid moves with each batch counted. An index lookup, not a count.
        row = self._conn().execute("SELECT coalesce(max(rowid), 0) FROM responses").fetchone()
        return int(row[0])

    def note_consumer(self, seen_at: dt.datetime, lag: int | None, dead_added: int) -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO consumer_state (id, seen_at, lag, dead_lettered) VALUES (1, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at,"
                " lag = excluded.lag, dead_lettered = dead_lettered + excluded.dead_lettered",
                (seen_at.astimezone(dt.UTC).isoformat(), lag, dead_added),
            )

    def consumer_state(self) -> ConsumerState | None:
        row = (
            self._conn()
            .execute("SELECT seen_at, lag, dead_lettered FROM consumer_state WHERE id = 1")
            .fetchone()
        )
        if row is None:
            return None
        return ConsumerState(dt.datetime.fromisoformat(row[0]), row[1], int(row[2]))

    def purge_comments(self, before: dt.datetime) -> int:
        """Blank (NULL) the comment of every response submitted before ``before``
        (an aware datetime); returns how many were blanked. Ratings, ticked issues,
        the predicted issue and every aggregate stay as they were."""
        cutoff = before.astimezone(dt.UTC).isoformat()
        conn = self._conn()
        # The text blanked is overwritten in the file too (not left in free space for a
        # copy or a backup of the file to carry), and the WAL that held it is emptied.
        # (The connection's own setting is put back after.)
        was = int(conn.execute("PRAGMA secure_delete").fetchone()[0])
        conn.execute("PRAGMA secure_delete=ON")
        try:
            count = self._blank_comments(cutoff)
            # It waits for readers (the API, the consumer) up to the busy timeout (30 s);
            # one that holds on longer leaves the old pages in the file a while: said.
            if conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]:
                log.warning(
                    "purge: the WAL could not be emptied (readers kept it busy); the blanked"
                    " text leaves the file at the next checkpoint"
                )
        finally:
            conn.execute(f"PRAGMA secure_delete={was}")
        return count

    def _blank_comments(self, cutoff: str) -> int:
        with self._tx() as conn:
            cur = conn.execute(
                "UPDATE responses SET comment = NULL"
                " WHERE comment IS NOT NULL AND submitted_utc < ?",
                (cutoff,),
            )
            # So that a page can say why a period's comments are gone. The latest cutoff
            # is kept: a later run with a longer retention (an earlier cutoff) blanks
            # nothing new and does not move it back. (ISO UTC strings compare as times.)
            conn.execute(
                "INSERT INTO comments_purged (id, before_utc) VALUES (1, ?)"
                " ON CONFLICT (id) DO UPDATE SET before_utc = max(before_utc, excluded.before_utc)",
                (cutoff,),
            )
        return int(cur.rowcount)

    def comments_purged_before(self) -> dt.datetime | None:
        row = self._conn().execute("SELECT before_utc FROM comments_purged WHERE id = 1").fetchone()
        return None if row is None else dt.datetime.fromisoformat(row[0])

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
