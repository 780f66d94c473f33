"""The kiosk registry (SQLite): which tablets may send responses, for which commune."""

from __future__ import annotations

import datetime as dt
import enum
import secrets
import sqlite3
import threading
import time
import unicodedata
from dataclasses import replace
from pathlib import Path

from thuocdo_shared import reference
from thuocdo_shared.units import Unit, local_today, registry

from .rules import Kiosk
from .sqlite import PerThread, connect, transaction
from .tokens import hash_token, new_token

MODES = ("quick", "sipas")
# How long a worker may trust what it read about a token: revocation takes effect
# within this time in every worker.
CACHE_SECONDS = 1.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS kiosks (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    commune_code TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    mode TEXT NOT NULL DEFAULT 'quick',
    field TEXT,
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    unit_key TEXT,
    accepts_from TEXT
);
"""
# Columns added after the table was first made (name, SQL type): a kiosk file from an
# older version gets them when it is opened, left NULL for its kiosks.
_ADDED_COLUMNS = (("unit_key", "TEXT"), ("accepts_from", "TEXT"))
_COLUMNS = "id, name, commune_code, mode, field, created_at, revoked_at, unit_key, accepts_from"


class Keep(enum.Enum):
    """Marks "leave as it is" where None is a value (a kiosk's field: the citizen chooses)."""

    KEEP = "keep"


KEEP = Keep.KEEP


class KioskError(ValueError):
    """A kiosk cannot be added or changed as asked (message is for the operator)."""


def check_commune(code: str, today: dt.date) -> Unit:
    """The commune version ``code`` names on ``today``, else KioskError. A unit key
    (``05953@2025-07-01``, as the dashboard writes it) is taken when it is the version
    in force today."""
    reg = registry()
    if "@" in code:
        named = reg.by_key(code)
        current = reg.find(code.partition("@")[0], today)
        if named is not None and named != current:
            now = f"; today it is {current.key} ({current.name})" if current else ""
            raise KioskError(f"{code} ({named.name}) is not in force on {today.isoformat()}{now}")
        code = code.partition("@")[0] if named is not None else code
    unit = reg.find(code, today)
    if unit is None:
        versions = reg.versions(code)
        after = reg.successors(versions[-1]) if versions else []
        now = "; ".join(f"{u.key} ({u.name})" for u in after if u.valid_on(today))
        hint = f" (formerly {versions[-1].name}; today: {now})" if now else ""
        raise KioskError(f"no administrative unit {code!r} is valid on {today.isoformat()}{hint}")
    if unit.level != "commune":
        raise KioskError(f"{code} ({unit.name}) is a {unit.level}, not a commune")
    return unit


class KioskRegistry:
    """Add, list, revoke kiosks and find a kiosk by its bearer token."""

    def __init__(self, path: Path) -> None:
        self.path = path
        conn = connect(path)
        conn.executescript(_SCHEMA)
        _add_columns(conn)
        conn.close()
        self._conns = PerThread(path, "FULL")
        self._cache: dict[str, tuple[Kiosk | None, float]] = {}
        self._lock = threading.Lock()

    def add(
        self,
        commune_code: str,
        name: str,
        mode: str = "quick",
        field: str | None = None,
        today: dt.date | None = None,
        accepts_from: dt.date | None = None,
    ) -> tuple[Kiosk, str]:
        """Register a kiosk; returns it and its token (the only time the token exists
        in clear). The kiosk is bound to the commune version valid on ``today``. It
        may send responses dated from its enrolment on or, for a kiosk that backfills
        history, from 00:00 in Vietnam on ``accepts_from`` (at most ``today``)."""
        today = today or local_today()
        unit = check_commune(commune_code, today)
        commune_code = unit.code  # a key given for the code
        if accepts_from is not None:
            _check_accepts_from(accepts_from, unit, today)
        name = _check_name(name)
        _check_mode_and_field(mode, field)
        token = new_token()
        enrolled_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
        kiosk = Kiosk(
            id="",
            name=name,
            commune_code=commune_code,
            mode=mode,
            field=field,
            unit_key=unit.key,
            enrolled_at=enrolled_at,
            accepts_from=accepts_from,
        )
        # Six hex digits a commune: among 1,000 kiosks of one commune two draw the same
        # id about 3 times in 100 (a test enrolling 1,000 failed so, with a traceback);
        # an id already taken is drawn again.
        for attempt in range(5):
            kiosk = replace(kiosk, id=f"k{commune_code}-{secrets.token_hex(3)}")
            try:
                self._conns.get().execute(
                    "INSERT INTO kiosks (id, name, commune_code, token_hash, mode, field,"
                    " created_at, unit_key, accepts_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        kiosk.id,
                        kiosk.name,
                        kiosk.commune_code,
                        hash_token(token),
                        kiosk.mode,
                        kiosk.field,
                        enrolled_at.isoformat(timespec="seconds"),
                        kiosk.unit_key,
                        None if accepts_from is None else accepts_from.isoformat(),
                    ),
                )
                break
            except sqlite3.IntegrityError as exc:
                if "kiosks.id" not in str(exc) or attempt == 4:
                    raise
        return kiosk, token

    def list(self) -> list[tuple[Kiosk, str, str | None]]:
        """Every kiosk with its creation and revocation times (ISO 8601, UTC)."""
        rows = self._conns.get().execute(
            f"SELECT {_COLUMNS} FROM kiosks ORDER BY created_at, id"  # noqa: S608 (constant)
        )
        return [(_kiosk(r), r[5], r[6]) for r in rows]

    def set_accepts_from(self, kiosk_id: str, day: dt.date, today: dt.date | None = None) -> bool:
        """Let an active kiosk send responses dated from ``day`` (at most today) on,
        e.g. one enrolled before it was asked to backfill history; False if there is
        no such (active) kiosk. Takes effect within the token cache's second."""
        today = today or local_today()
        row = (
            self._conns.get()
            .execute(
                "SELECT commune_code, unit_key FROM kiosks WHERE id = ? AND revoked_at IS NULL",
                (kiosk_id,),
            )
            .fetchone()
        )
        if row is None:
            return False
        unit = registry().by_key(_unit_key(str(row[0]), row[1]))
        if unit is not None:
            _check_accepts_from(day, unit, today)
        cur = self._conns.get().execute(
            "UPDATE kiosks SET accepts_from = ? WHERE id = ? AND revoked_at IS NULL",
            (day.isoformat(), kiosk_id),
        )
        return cur.rowcount == 1

    def update(
        self,
        kiosk_id: str,
        name: str | None = None,
        mode: str | None = None,
        field: str | Keep | None = KEEP,
    ) -> Kiosk | None:
        """Change an active kiosk's name, mode or fixed field (None: the citizen
        chooses); what is not given stays. Its token, commune and dates stay. Every
        worker sees it within its token cache's second (as for :meth:`revoke`), and
        open kiosk pages at their next configuration fetch. Returns the
        kiosk as it is now, or None if there is no such (active) kiosk."""
        conn = self._conns.get()
        with transaction(conn):
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM kiosks WHERE id = ? AND revoked_at IS NULL",  # noqa: S608
                (kiosk_id,),
            ).fetchone()
            if row is None:
                return None
            kiosk = _kiosk(row)
            new = replace(
                kiosk,
                name=kiosk.name if name is None else _check_name(name),
                mode=kiosk.mode if mode is None else mode,
                field=kiosk.field if isinstance(field, Keep) else field,
            )
            _check_mode_and_field(new.mode, new.field)
            conn.execute(
                "UPDATE kiosks SET name = ?, mode = ?, field = ? WHERE id = ?",
                (new.name, new.mode, new.field, kiosk_id),
            )
        return new

    def revoke(self, kiosk_id: str) -> bool:
        """Revoke a kiosk's token; False if there is no such (active) kiosk."""
        cur = self._conns.get().execute(
            "UPDATE kiosks SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            (dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), kiosk_id),
        )
        return cur.rowcount == 1

    def revoked_id(self, token: str) -> str | None:
        """The id of the revoked kiosk that held ``token``, if one did (for the log
        of a refused request: a revoked tablet, not a wrong token)."""
        row = (
            self._conns.get()
            .execute(
                "SELECT id FROM kiosks WHERE token_hash = ? AND revoked_at IS NOT NULL",
                (hash_token(token),),
            )
            .fetchone()
        )
        return None if row is None else str(row[0])

    def by_token(self, token: str) -> Kiosk | None:
        """The active kiosk holding ``token``, or None (unknown or revoked)."""
        digest = hash_token(token)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(digest)
        if hit is not None and hit[1] > now:
            return hit[0]
        row = (
            self._conns.get()
            .execute(
                f"SELECT {_COLUMNS} FROM kiosks WHERE token_hash = ?",  # noqa: S608 (constant)
                (digest,),
            )
            .fetchone()
        )
        kiosk = _kiosk(row) if row is not None and row[6] is None else None
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[digest] = (kiosk, now + CACHE_SECONDS)
        return kiosk


def _check_name(name: str) -> str:
    """A counter's name as stored (NFC, stripped); raises :class:`KioskError`."""
    name = unicodedata.normalize("NFC", name.strip())
    if not name or len(name) > 100:
        raise KioskError("name must be 1-100 characters")
    if any(not c.isprintable() for c in name):
        # A tab or newline would shift the columns of `kiosk list`.
        raise KioskError("name must not contain a tab, a line break or another invisible character")
    return name


def _check_mode_and_field(mode: str, field: str | None) -> None:
    if mode not in MODES:
        raise KioskError(f"mode must be one of {', '.join(MODES)}")
    if field is not None and field not in reference.choosable_fields():
        known = ", ".join(reference.choosable_fields())
        raise KioskError(f"unknown field {field!r}; known: {known}")


def _check_accepts_from(day: dt.date, unit: Unit, today: dt.date) -> None:
    """An accepts-from day between the kiosk's commune version's first day and today:
    earlier responses belong to another unit, and intake refuses them anyway."""
    if day > today:
        raise KioskError(f"accepts-from {day.isoformat()} is after today ({today.isoformat()})")
    if unit.valid_from is not None and day < unit.valid_from:
        raise KioskError(
            f"accepts-from {day.isoformat()} is before {unit.name} existed"
            f" ({unit.valid_from.isoformat()}); its history starts then"
        )


def _add_columns(conn: sqlite3.Connection) -> None:
    """Kiosk files made before a column of :data:`_ADDED_COLUMNS` existed get it, left
    NULL: :func:`_unit_key` fills a missing unit key on read, and a kiosk without
    ``accepts_from`` may send from its enrolment (``created_at``) on."""
    columns = {str(r[1]) for r in conn.execute("PRAGMA table_info(kiosks)")}
    for name, kind in _ADDED_COLUMNS:
        if name in columns:
            continue
        try:
            conn.execute(f"ALTER TABLE kiosks ADD COLUMN {name} {kind}")
        except sqlite3.OperationalError as exc:  # another worker added it just now
            if "duplicate column" not in str(exc):
                raise


def _unit_key(code: str, stored: object) -> str:
    """The stored unit key or, for a kiosk enrolled before keys were stored, the key
    of the commune version valid today (such a kiosk keeps working where it stands);
    "" if the code names no unit today."""
    if stored:
        return str(stored)
    unit = registry().find(code, local_today())
    return unit.key if unit is not None else ""


def _moment(stamp: object) -> dt.datetime | None:
    """A stored time (ISO 8601; naive taken as UTC), None if absent or unreadable."""
    try:
        moment = dt.datetime.fromisoformat(str(stamp))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _day(stamp: object) -> dt.date | None:
    return None if stamp is None else dt.date.fromisoformat(str(stamp))


def _kiosk(row: sqlite3.Row | tuple[object, ...]) -> Kiosk:
    return Kiosk(
        id=str(row[0]),
        name=str(row[1]),
        commune_code=str(row[2]),
        mode=str(row[3]),
        field=None if row[4] is None else str(row[4]),
        revoked=row[6] is not None,
        unit_key=_unit_key(str(row[2]), row[7]),
        enrolled_at=_moment(row[5]),
        accepts_from=_day(row[8]),
    )
