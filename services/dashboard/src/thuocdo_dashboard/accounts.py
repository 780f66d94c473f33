"""Dashboard accounts and login throttling, in SQLite under THUOCDO_DATA_DIR.

Passwords are hashed with Argon2id (argon2-cffi's PasswordHasher, memory-hard).
Failed logins are rows in the same database, so the lock-out holds across gunicorn
workers and restarts: after ``attempts`` failures within ``minutes`` for an account,
or ``address_attempts`` (more: a commune office's staff share one address) from one
client address, further logins are refused until the window passes or an operator
unlocks them. A session started before its user's ``sessions_after`` (set when the
account is disabled or its password changed) is no longer accepted.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import sqlite3
import threading
import time
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

if TYPE_CHECKING:
    from .settings import Settings

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('admin', 'district', 'commune')),
    unit TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    sessions_after REAL NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS login_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    address TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS login_failures_account ON login_failures (account, at);
CREATE INDEX IF NOT EXISTS login_failures_address ON login_failures (address, at);
CREATE TABLE IF NOT EXISTS ended_sessions (
    sid TEXT PRIMARY KEY,
    until REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS spent_forms (
    token TEXT PRIMARY KEY,
    until REAL NOT NULL
);
"""

# A hash of a random password, verified when the account does not exist, so that a
# wrong name and a wrong password take the same time.
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class User:
    name: str
    role: str
    unit: str
    disabled: bool
    created_at: str
    sessions_after: float = 0.0  # epoch seconds; sessions begun earlier are over

    @property
    def typed_as_shown(self) -> bool:
        """Left by the rename to lower case (another account has that spelling): it
        logs in only typed exactly as stored (see stored_name)."""
        return self.name != normal_name(self.name)


def _user(row: tuple[str, str, str, int, str, float]) -> User:
    return User(row[0], row[1], row[2], bool(row[3]), row[4], float(row[5]))


class UserExists(ValueError):
    """``user add`` for a name that is already taken."""


class BadName(ValueError):
    """A login name that cannot be typed back at the login form. ``str()`` says why
    in English (the CLI); ``reason`` names it for the accounts page (messages
    ``name_<reason>``)."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


MAX_NAME = 64


def normal_name(name: str) -> str:
    """A login name as stored and compared: in lower case and Unicode NFC.
    Vietnamese keyboards type "ấ" either as one code point or as "a" plus two
    combining marks, and a phone's keyboard capitalises the first letter; "Phubinh",
    "PHÚ" and "phú" typed either way must each name one account."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())


def check_name(name: str) -> str:
    """``name`` (as :func:`normal_name` makes it) if it can be a login name: 1 to 64
    characters, none of them spaces or control characters (the login form strips
    what is typed and keeps 100 characters, so such a name could never log in, and
    an empty one came from a blank variable). Raises :class:`BadName`."""
    name = normal_name(name)
    if not name:
        raise BadName("the name is empty", "empty")
    if len(name) > MAX_NAME:
        raise BadName(f"the name is longer than {MAX_NAME} characters", "long")
    if any(c.isspace() or not c.isprintable() for c in name):
        raise BadName("the name contains a space or a control character", "space")
    if _looks_like_another(name):
        raise BadName("the name mixes alphabets or uses look-alike letters", "lookalike")
    return name


# Decompositions of letters drawn in another style (fullwidth "ａ", mathematical "𝐚").
_STYLED = ("<wide>", "<narrow>", "<font>", "<small>", "<circle>", "<super>", "<sub>", "<square>")


def _looks_like_another(name: str) -> bool:
    """Whether ``name`` (NFC) could pass for another in the accounts list: "аdmin" with a
    Cyrillic "а", "admın" with a dotless "ı", a fullwidth "ａ", or a mark left over after
    NFC ("ad" U+034F "min": every Vietnamese letter composes). A name wholly in another
    writing system (Russian, Japanese with its kanji and kana) is its own name."""
    latin = other = False
    for c in name:
        if unicodedata.category(c) in ("Mn", "Me", "Cf"):
            return True
        if unicodedata.decomposition(c).startswith(_STYLED):
            return True
        if not c.isalpha():
            continue
        if unicodedata.name(c, "").startswith("LATIN"):
            latin = True
            # Latin beyond ASCII: a letter with marks on an ASCII one (Vietnamese "ấ",
            # "é") or "đ", not a look-alike of its own ("ı", "ɑ", "ɴ").
            base = unicodedata.normalize("NFD", c)[0]
            if not (base.isascii() or c in "đĐ"):
                return True
        else:
            other = True
    return latin and other


# The account a typed name means, in one query (it runs on every request): the first
# stored of the name as typed, its NFC form and its normal form (see stored_name).
_AS_TYPED = (
    " WHERE name IN (?, ?, ?) ORDER BY CASE name WHEN ? THEN 0 WHEN ? THEN 1 ELSE 2 END LIMIT 1"
)


def _as_typed(name: str) -> tuple[str, str, str, str, str]:
    nfc = unicodedata.normalize("NFC", name)
    return (name, nfc, normal_name(name), name, nfc)


def stored_name(conn: sqlite3.Connection, name: str) -> str:
    """The account a typed name means: the first that is stored of the name as typed,
    its NFC form and its normal form (:func:`normal_name`); the normal form when none
    is. Two accounts made before 2026-11-27 whose names differ only in case or
    Unicode form could not both be renamed (see :func:`_normalise_names`): the one
    left keeps working, typed as before, and never means the other."""
    query = "SELECT name FROM users" + _AS_TYPED  # noqa: S608 (constant)
    row = conn.execute(query, _as_typed(name)).fetchone()
    return str(row[0]) if row else normal_name(name)


def _normalise_names(conn: sqlite3.Connection) -> None:
    """Names stored before 2026-11-27 in another Unicode form or with capitals:
    renamed to :func:`normal_name`, so that they log in typed in any case. Where that
    spelling is taken too, both stay and a WARNING says so: the one not renamed logs
    in and is named by the CLI only as it was typed before (see :func:`stored_name`)."""
    for (stored,) in conn.execute("SELECT name FROM users").fetchall():
        name = normal_name(stored)
        if name == stored:
            continue
        try:
            conn.execute("UPDATE users SET name = ? WHERE name = ?", (name, stored))
        except sqlite3.IntegrityError:
            log.warning(
                "two accounts named %r in different Unicode forms or cases: %r keeps its"
                " spelling and logs in only typed exactly so",
                name,
                stored,
            )


class LoginResult:
    """Outcome of :meth:`AccountStore.authenticate`."""

    OK = "ok"
    BAD = "bad"
    LOCKED = "locked"


def generate_password() -> str:
    """A random password of 20 URL-safe characters (about 120 bits)."""
    return secrets.token_urlsafe(15)


class AccountStore:
    """Users and failed-login records in one SQLite file."""

    def __init__(
        self, path: Path, attempts: int = 5, minutes: int = 15, address_attempts: int = 0
    ) -> None:
        self.path = path
        self.attempts = attempts
        # 0: four times the account's limit
        self.address_attempts = address_attempts or 4 * attempts
        self.window = minutes * 60
        self._init_lock = threading.Lock()
        self._ready = False

    @classmethod
    def from_settings(cls, settings: Settings) -> AccountStore:
        return cls(
            settings.db_path,
            settings.lockout_attempts,
            settings.lockout_minutes,
            settings.lockout_address_attempts,
        )

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        if not self._ready:
            with self._init_lock:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with sqlite3.connect(self.path, timeout=10) as conn:
                    conn.execute("PRAGMA journal_mode=WAL")
                    conn.executescript(_SCHEMA)
                    columns = {r[1] for r in conn.execute("PRAGMA table_info(users)")}
                    if "sessions_after" not in columns:  # a file from before 2026-11-27
                        try:
                            conn.execute(
                                "ALTER TABLE users ADD COLUMN"
                                " sessions_after REAL NOT NULL DEFAULT 0"
                            )
                        except sqlite3.OperationalError as exc:  # another worker, just now
                            if "duplicate column" not in str(exc):
                                raise
                    _normalise_names(conn)
                os.chmod(self.path, 0o600)  # password hashes: owner only
                self._ready = True
        conn = sqlite3.connect(self.path, timeout=10)
        try:
            with conn:
                yield conn
        finally:
            conn.close()

    def add(self, name: str, role: str, unit: str, password: str) -> User:
        """Create a user; raises :class:`BadName` or :class:`UserExists`."""
        name = check_name(name)
        created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        try:
            with self._db() as conn:
                conn.execute(
                    "INSERT INTO users (name, role, unit, password_hash, created_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (name, role, unit, _hasher.hash(password), created),
                )
        except sqlite3.IntegrityError:
            raise UserExists(name) from None
        return User(name, role, unit, False, created)

    def get(self, name: str) -> User | None:
        """The user ``name`` means (see :func:`stored_name`). A session begun before
        names were normalised holds the old spelling: that is its own account where
        the rename left two, never the other one's."""
        with self._db() as conn:
            row = conn.execute(
                "SELECT name, role, unit, disabled, created_at, sessions_after FROM users"  # noqa: S608
                + _AS_TYPED,
                _as_typed(name),
            ).fetchone()
        return None if row is None else _user(row)

    def list(self) -> list[User]:
        with self._db() as conn:
            rows = conn.execute(
                "SELECT name, role, unit, disabled, created_at, sessions_after FROM users"
                " ORDER BY name"
            ).fetchall()
        return [_user(r) for r in rows]

    def disable(self, name: str, now: float | None = None, keep_an_admin: bool = False) -> bool:
        """Disable an account. Its sessions end on their next request, for good:
        enabling it again does not bring them back. ``keep_an_admin``: not the last
        enabled admin (False then), checked in the same statement (two admins
        disabling each other at once leave one)."""
        last = (
            " AND (role != 'admin' OR (SELECT COUNT(*) FROM users"
            " WHERE role = 'admin' AND disabled = 0) > 1)"
        )
        with self._db() as conn:
            cur = conn.execute(
                "UPDATE users SET disabled = 1, sessions_after = ? WHERE name = ?"  # noqa: S608
                + (last if keep_an_admin else ""),
                (time.time() if now is None else now, stored_name(conn, name)),
            )
        return cur.rowcount > 0

    def enable(self, name: str) -> bool:
        with self._db() as conn:
            cur = conn.execute(
                "UPDATE users SET disabled = 0 WHERE name = ?", (stored_name(conn, name),)
            )
        return cur.rowcount > 0

    def set_password(self, name: str, password: str, now: float | None = None) -> bool:
        """A new password; the account's open sessions end (a reset after a leak)."""
        with self._db() as conn:
            cur = conn.execute(
                "UPDATE users SET password_hash = ?, sessions_after = ? WHERE name = ?",
                (
                    _hasher.hash(password),
                    time.time() if now is None else now,
                    stored_name(conn, name),
                ),
            )
        return cur.rowcount > 0

    def locked_until(self, name: str, now: float) -> float | None:
        """When the account's lock-out ends (epoch seconds), or None if not locked."""
        with self._db() as conn:
            rows = conn.execute(
                "SELECT at FROM login_failures WHERE account = ? AND at > ? ORDER BY at DESC",
                (stored_name(conn, name), now - self.window),
            ).fetchall()
        return self._lock_end([float(r[0]) for r in rows], self.attempts)

    def _lock_end(self, newest_first: Sequence[float], attempts: int) -> float | None:
        """When a lock-out by these failures (in the window, newest first) ends: from
        the ``attempts``-th until it leaves the window; None if not locked."""
        if len(newest_first) < attempts:
            return None
        return newest_first[attempts - 1] + self.window

    def locked_addresses(self, now: float) -> Sequence[tuple[str, float]]:
        """Client addresses locked out now, each with when its lock ends (epoch
        seconds), soonest first."""
        with self._db() as conn:
            rows = conn.execute(
                "SELECT address, at FROM login_failures WHERE at > ? ORDER BY address, at DESC",
                (now - self.window,),
            ).fetchall()
        times: dict[str, list[float]] = {}
        for address, at in rows:
            times.setdefault(address, []).append(float(at))
        ends = {a: self._lock_end(ats, self.address_attempts) for a, ats in times.items()}
        locked = [(address, end) for address, end in ends.items() if end is not None]
        return sorted(locked, key=lambda item: (item[1], item[0]))

    def unlock(self, name: str | None = None, address: str | None = None) -> int:
        """Forget the failed logins of an account (from any address) or of a client
        address (any account); returns how many were forgotten."""
        with self._db() as conn:
            account = None if name is None else stored_name(conn, name)
            cur = conn.execute(
                "DELETE FROM login_failures WHERE account = ? OR address = ?", (account, address)
            )
        return int(cur.rowcount)

    def end_session(self, sid: str, until: float, now: float) -> None:
        """Record that the session ``sid`` was logged out; its cookie stays refused
        until ``until`` (epoch seconds: when it would have expired anyway). Rows past
        their ``until`` are removed."""
        with self._db() as conn:
            conn.execute("DELETE FROM ended_sessions WHERE until < ?", (now,))
            conn.execute(
                "INSERT OR REPLACE INTO ended_sessions (sid, until) VALUES (?, ?)", (sid, until)
            )

    def spend_form(self, token: str, until: float, now: float) -> bool:
        """Spend a form's one-time token: True the first time, False when it was spent
        before (a refresh sending the form again, or a double click: two requests at
        once, of which one inserts). Kept until ``until``; rows past it are removed."""
        with self._db() as conn:
            conn.execute("DELETE FROM spent_forms WHERE until < ?", (now,))
            cur = conn.execute(
                "INSERT OR IGNORE INTO spent_forms (token, until) VALUES (?, ?)", (token, until)
            )
        return cur.rowcount == 1

    def session_ended(self, sid: str) -> bool:
        """True if the session ``sid`` was logged out (see :meth:`end_session`)."""
        with self._db() as conn:
            row = conn.execute("SELECT 1 FROM ended_sessions WHERE sid = ?", (sid,)).fetchone()
        return row is not None

    def locked(self, name: str, address: str, now: float) -> bool:
        """True if the account had ``attempts`` failures in the window, or the address
        ``address_attempts``."""
        with self._db() as conn:
            return self._locked(conn, stored_name(conn, name), address, now)

    def _locked(self, conn: sqlite3.Connection, account: str, address: str, now: float) -> bool:
        """:meth:`locked` for an ``account`` name as stored."""
        since = now - self.window
        by_account = conn.execute(
            "SELECT COUNT(*) FROM login_failures WHERE account = ? AND at > ?", (account, since)
        ).fetchone()[0]
        by_address = conn.execute(
            "SELECT COUNT(*) FROM login_failures WHERE address = ? AND at > ?",
            (address, since),
        ).fetchone()[0]
        return bool(by_account >= self.attempts or by_address >= self.address_attempts)

    def authenticate(
        self, name: str, password: str, address: str, now: float
    ) -> tuple[str, User | None]:
        """Check a login. Returns (:class:`LoginResult` value, user when OK).

        A locked account or address is refused without checking the password, and
        refusals while locked are not counted again (the window does not slide)."""
        with self._db() as conn:
            name = stored_name(conn, name)
            if self._locked(conn, name, address, now):
                return LoginResult.LOCKED, None
            row = conn.execute(
                "SELECT password_hash, disabled FROM users WHERE name = ?", (name,)
            ).fetchone()
        good = False
        try:
            good = _hasher.verify(row[0] if row else _DUMMY_HASH, password) and row is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            good = False
        if not good or row is None or row[1]:
            with self._db() as conn:
                conn.execute(
                    "INSERT INTO login_failures (account, address, at) VALUES (?, ?, ?)",
                    (name, address, now),
                )
            return LoginResult.BAD, None
        with self._db() as conn:
            conn.execute("DELETE FROM login_failures WHERE account = ?", (name,))
            if _hasher.check_needs_rehash(row[0]):
                conn.execute(
                    "UPDATE users SET password_hash = ? WHERE name = ?",
                    (_hasher.hash(password), name),
                )
        return LoginResult.OK, self.get(name)
