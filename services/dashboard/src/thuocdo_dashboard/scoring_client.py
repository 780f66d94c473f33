"""The only place that talks HTTP to scoring's read API (see notes/scoring-api.md).

Every call has a timeout and sends ``Authorization: Bearer <THUOCDO_SCORING_TOKEN>``
when a token is configured. Each successful answer is kept as the *last good* one
for its query, with the time it was fetched, so that when scoring is down a page
can still show the last figures and say how old they are. The last good answers
are kept in memory (bounded, LRU) and, when a path is given, in a small SQLite
table under THUOCDO_DATA_DIR, so that every gunicorn worker (and a restarted
dashboard) can show them.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from prometheus_client import Counter
from thuocdo_shared.sqlite import private_file

log = logging.getLogger(__name__)

SCORING_CALLS = Counter(
    "thuocdo_dashboard_scoring_calls_total",
    "Calls from the dashboard to scoring's read API, by outcome",
    ["outcome"],
)

Params = Mapping[str, str | int | bool | None]


@dataclass(frozen=True)
class Fetched:
    """One answer of scoring. ``stale`` is True when it comes from the last-good
    cache because scoring did not answer now; ``fetched_at`` is when scoring gave it
    (UTC)."""

    data: dict[str, Any]
    fetched_at: dt.datetime
    stale: bool = False


class ScoringUnavailable(RuntimeError):
    """Scoring did not answer (connection refused, timeout, 5xx, 401) and there is no
    last-good answer for this query."""


class ScoringRejected(RuntimeError):
    """Scoring answered 4xx for the query itself (bad parameter, unknown unit)."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"scoring answered {status}")
        self.status = status
        self.body = body


def _clean(params: Params) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in params.items():
        if value is None or value == "":
            continue
        out[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return out


# Answers that carry citizens' own words (comments, and themes with their example
# comments) are kept as "last good" for a day at most: scoring blanks comments past
# their retention (purge-comments), and a copy here must not outlive that by more.
CITIZEN_TEXT = ("comments", "themes")
CITIZEN_TEXT_KEPT = dt.timedelta(days=1)


def _drop_expired_text(conn: sqlite3.Connection, now: dt.datetime) -> int:
    """Deletes the answers carrying citizens' words older than a day; how many."""
    expired = (now - CITIZEN_TEXT_KEPT).isoformat()
    cur = conn.executemany(
        "DELETE FROM last_good WHERE fetched_at < ? AND query LIKE ?",
        [(expired, f'["{p}",%') for p in CITIZEN_TEXT],
    )
    return cur.rowcount


class ScoringClient:
    """Typed access to ``/api/v1/...`` of scoring, with the last-good cache."""

    def __init__(
        self,
        base_url: str,
        token: str = "",
        timeout: float = 3.0,
        cache_size: int = 1024,
        store_path: Path | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._timeout = timeout
        self._cache: OrderedDict[tuple[str, tuple[tuple[str, str], ...]], Fetched] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._local = threading.local()
        self._store_path = store_path
        self._in_flight: dict[tuple[str, tuple[tuple[str, str], ...]], threading.Event] = {}
        self._failing = False  # the last call found scoring unavailable (see _fetch)
        if store_path is not None:
            private_file(store_path)  # comments it kept: owner only
            # Its own connection: the per-thread ones are opened where they are used.
            conn = sqlite3.connect(store_path, timeout=5)
            with conn:
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS last_good (query TEXT PRIMARY KEY,"
                    " data TEXT NOT NULL, fetched_at TEXT NOT NULL)"
                )
            # Citizens' words kept past their day go at each start too (the dashboard
            # may have been stopped, or scoring down, since the last answer kept), out
            # of the file and out of its WAL.
            conn.execute("PRAGMA secure_delete = ON")
            with conn:
                _drop_expired_text(conn, dt.datetime.now(dt.UTC))
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.close()

    def _db(self) -> sqlite3.Connection:
        """This thread's connection to the last-good store, opened once. WAL and
        synchronous=NORMAL: every good answer is written here, and losing the last
        few on a power cut costs nothing (it is a cache)."""
        assert self._store_path is not None
        conn: sqlite3.Connection | None = getattr(self._local, "db", None)
        if conn is None:
            conn = sqlite3.connect(self._store_path, timeout=5)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            # What is deleted (citizens' words past a day) is overwritten in the file.
            conn.execute("PRAGMA secure_delete = ON")
            self._local.db = conn
        return conn

    def _session(self) -> requests.Session:
        # requests.Session is not documented as thread-safe: one per thread.
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            if self._token:
                session.headers["Authorization"] = f"Bearer {self._token}"
            session.headers["Accept"] = "application/json"
            self._local.session = session
        return session

    def _remember(self, key: tuple[str, tuple[tuple[str, str], ...]], value: Fetched) -> None:
        with self._lock:
            self._cache[key] = value
            self._cache.move_to_end(key)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        if self._store_path is not None:
            try:
                with self._db() as conn:
                    conn.execute(
                        "INSERT OR REPLACE INTO last_good (query, data, fetched_at)"
                        " VALUES (?, ?, ?)",
                        (json.dumps(key), json.dumps(value.data), value.fetched_at.isoformat()),
                    )
                    dropped = _drop_expired_text(conn, dt.datetime.now(dt.UTC))
                if dropped:
                    # Their text is also in the WAL's older frames: emptied.
                    self._db().execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error as exc:  # the cache is a convenience, never a failure
                log.warning("cannot store last good answer: %s", exc)

    def _last_good(self, key: tuple[str, tuple[tuple[str, str], ...]]) -> Fetched | None:
        """The newest good answer for ``key`` this worker or any other has seen."""
        with self._lock:
            hit = self._cache.get(key)
        if self._store_path is not None:
            try:
                row = (
                    self._db()
                    .execute(
                        "SELECT data, fetched_at FROM last_good WHERE query = ?",
                        (json.dumps(key),),
                    )
                    .fetchone()
                )
            except sqlite3.Error:
                row = None
            if row is not None:
                stored = Fetched(json.loads(row[0]), dt.datetime.fromisoformat(row[1]))
                if hit is None or stored.fetched_at > hit.fetched_at:
                    hit = stored
        if hit is None:
            return None
        if key[0] in CITIZEN_TEXT and dt.datetime.now(dt.UTC) - hit.fetched_at > CITIZEN_TEXT_KEPT:
            return None  # citizens' words older than a day: not shown from here
        return Fetched(hit.data, hit.fetched_at, stale=True)

    def get(self, path: str, params: Params | None = None, remember: bool = True) -> Fetched:
        """GET ``/api/v1/<path>``; fresh data, or the last good answer marked stale.
        ``remember=False`` keeps the answer out of the last-good cache (the pages of a
        full export, which would push out what the pages rely on).

        Raises :class:`ScoringRejected` for a 4xx other than 401, and
        :class:`ScoringUnavailable` when scoring is down and nothing is cached.
        """
        query = _clean(params or {})
        key = (path, tuple(sorted(query.items())))
        # Single flight: while the same query is already on its way to scoring (a
        # slow one, e.g. themes), wait for it instead of piling up another request
        # that would hold one more of scoring's workers.
        with self._lock:
            running = self._in_flight.get(key)
            if running is None:
                self._in_flight[key] = threading.Event()
        if running is not None:
            if not running.wait(self._timeout):
                SCORING_CALLS.labels("unavailable").inc()
                stale = self._last_good(key)
                if stale is None:
                    raise ScoringUnavailable("the same query is still waiting for scoring")
                return stale
            with self._lock:
                done = self._cache.get(key)
            age = (dt.datetime.now(dt.UTC) - done.fetched_at).total_seconds() if done else None
            if done is not None and age is not None and age < 2:
                return done
            return self._fetch(path, query, key, remember)  # it failed: try once ourselves
        try:
            return self._fetch(path, query, key, remember)
        finally:
            with self._lock:
                event = self._in_flight.pop(key, None)
            if event is not None:
                event.set()

    def _fetch(
        self,
        path: str,
        query: dict[str, str],
        key: tuple[str, tuple[tuple[str, str], ...]],
        remember: bool = True,
    ) -> Fetched:
        url = f"{self.base_url}/api/v1/{path.lstrip('/')}"
        reason: str
        try:
            resp = self._session().get(url, params=query, timeout=self._timeout)
        except requests.RequestException as exc:
            reason = f"{type(exc).__name__}"
        else:
            if resp.status_code == 200:
                try:
                    data = resp.json()
                except ValueError:
                    reason = "answer is not JSON"
                else:
                    SCORING_CALLS.labels("ok").inc()
                    if self._failing:  # the log says when it healed, not only when it broke
                        self._failing = False
                        log.info("scoring answers again at %s", self.base_url)
                    fetched = Fetched(data, dt.datetime.now(dt.UTC))
                    if remember:
                        self._remember(key, fetched)
                    return fetched
            elif 400 <= resp.status_code < 500 and resp.status_code != 401:
                try:
                    body = resp.json()
                except ValueError:
                    body = resp.text[:500]
                if resp.status_code != 404 or (isinstance(body, dict) and "unit" in body):
                    SCORING_CALLS.labels("rejected").inc()
                    raise ScoringRejected(resp.status_code, body)
                # A 404 that names no unit is no answer about the query: the address is
                # not scoring's API (THUOCDO_SCORING_URL wrong). Before, the pages took
                # it for "no data" and "no alerts".
                reason = f"HTTP 404 for {url}: is THUOCDO_SCORING_URL scoring's address?"
            else:
                reason = f"HTTP {resp.status_code}"
        SCORING_CALLS.labels("unavailable").inc()
        self._failing = True
        log.warning(
            "scoring unavailable for %s at %s: %s",
            path,
            self.base_url,
            reason,
            extra={"repeating": True},
        )
        stale = self._last_good(key)
        if stale is None:
            raise ScoringUnavailable(reason)
        return stale

    def ready(self) -> tuple[bool, dict[str, Any]]:
        """Whether scoring answers its ``/readyz``, and its API takes this dashboard's
        token (for the dashboard's own /readyz)."""
        try:
            resp = self._session().get(f"{self.base_url}/readyz", timeout=self._timeout)
            if resp.status_code != 200:
                return False, {"scoring": f"HTTP {resp.status_code}"}
            # The token is checked before the parameters: a call without any costs
            # nothing and answers 400 once the token is taken.
            api = self._session().get(f"{self.base_url}/api/v1/index", timeout=self._timeout)
        except requests.RequestException as exc:
            return False, {"scoring": f"unreachable: {type(exc).__name__}"}
        if api.status_code == 401:
            return False, {"scoring": "token refused (HTTP 401): check THUOCDO_SCORING_TOKEN"}
        if api.status_code != 400:
            return False, {"scoring": f"API answered HTTP {api.status_code}"}
        return True, {"scoring": "ok"}

    # Named calls, one per endpoint of the contract.

    def index(
        self, unit: str, period: str, field: str | None = None, issue: str | None = None
    ) -> Fetched:
        return self.get("index", {"unit": unit, "period": period, "field": field, "issue": issue})

    def index_between(
        self, unit: str, start: dt.date, end: dt.date, field: str | None = None
    ) -> Fetched:
        """/index over the local days ``start``..``end`` rather than a named period."""
        span = {"from": start.isoformat(), "to": end.isoformat()}
        return self.get("index", {"unit": unit, **span, "field": field})

    def units(
        self, parent: str, period: str, field: str | None = None, issue: str | None = None
    ) -> Fetched:
        return self.get(
            "units", {"parent": parent, "period": period, "field": field, "issue": issue}
        )

    def issues(self, unit: str, period: str, field: str | None = None) -> Fetched:
        return self.get("issues", {"unit": unit, "period": period, "field": field})

    def matrix(self, parent: str, period: str, field: str | None = None) -> Fetched:
        return self.get("matrix", {"parent": parent, "period": period, "field": field})

    def groups(self, parent: str, period: str, field: str | None = None) -> Fetched:
        return self.get("groups", {"parent": parent, "period": period, "field": field})

    def themes(self, unit: str, period: str) -> Fetched:
        return self.get("themes", {"unit": unit, "period": period})

    def trend(
        self,
        unit: str,
        start: dt.date,
        end: dt.date,
        granularity: str,
        field: str | None = None,
        issue: str | None = None,
    ) -> Fetched:
        return self.get(
            "trend",
            {
                "unit": unit,
                "from": start.isoformat(),
                "to": end.isoformat(),
                "granularity": granularity,
                "field": field,
                "issue": issue,
            },
        )

    def comments(
        self,
        unit: str,
        period: str,
        rating: int | None = None,
        min_rating: int | None = None,
        max_rating: int | None = None,
        field: str | None = None,
        issue: str | None = None,
        page: int = 1,
        per_page: int = 20,
        remember: bool = True,
    ) -> Fetched:
        return self.get(
            "comments",
            {
                "unit": unit,
                "period": period,
                "rating": rating,
                "min_rating": min_rating,
                "max_rating": max_rating,
                "field": field,
                "issue": issue,
                "page": page,
                "per_page": per_page,
            },
            remember=remember,
        )
