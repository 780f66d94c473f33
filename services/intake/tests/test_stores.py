"""The SQLite stores: kiosk registry, ids, spool order and the flusher lease."""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from thuocdo_intake import kiosks as kiosks_module
from thuocdo_intake import spool as spool_module
from thuocdo_intake.kiosks import KioskError, KioskRegistry
from thuocdo_intake.spool import Claim, SpoolStore
from thuocdo_intake.sqlite import connect, transaction
from thuocdo_intake.tokens import hash_token

pytestmark = pytest.mark.unit

TODAY = dt.date(2026, 3, 1)


def test_kiosk_add_lookup_revoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    registry = KioskRegistry(tmp_path / "k.sqlite3")
    kiosk, token = registry.add("05941", "Quầy 1", mode="sipas", field="ho_tich", today=TODAY)
    assert kiosk.commune_code == "05941" and kiosk.mode == "sipas"
    assert token not in (tmp_path / "k.sqlite3").read_bytes().decode("latin-1")
    assert registry.by_token(token) == kiosk
    assert registry.by_token(token + "x") is None
    # Another process (a second registry object) revokes; the cache lasts <= 1 s.
    monkeypatch.setattr(kiosks_module, "CACHE_SECONDS", 0.2)
    other = KioskRegistry(tmp_path / "k.sqlite3")
    assert other.revoke(kiosk.id) is True
    assert other.revoke(kiosk.id) is False
    time.sleep(1.05)
    assert registry.by_token(token) is None
    assert [k.revoked for k, _, _ in registry.list()] == [True]


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("99999", "no administrative unit"),
        ("19", "province"),
        ("05950", "no administrative unit"),  # a commune merged away on 2025-07-01
        # a code of the reform's old communes names where it went
        ("05959", r"'05959' is valid on .* \(formerly Xã Kha Sơn; today: 05953@2025-07-01"),
        # a key of a version no longer in force names the one in force today
        ("05953@-", r"05953@- \(Xã Lương Phú\) is not in force on .*today it is 05953@2025-07-01"),
        ("05953@2030-01-01", "no administrative unit"),
    ],
)
def test_kiosk_needs_a_commune_valid_today(tmp_path: Path, code: str, fragment: str) -> None:
    registry = KioskRegistry(tmp_path / "k.sqlite3")
    with pytest.raises(KioskError, match=fragment):
        registry.add(code, "Quầy", today=TODAY)


def test_kiosk_takes_the_key_of_the_commune_in_force(tmp_path: Path) -> None:
    registry = KioskRegistry(tmp_path / "k.sqlite3")
    kiosk, _ = registry.add("05953@2025-07-01", "Quầy", today=TODAY)
    assert (kiosk.commune_code, kiosk.unit_key) == ("05953", "05953@2025-07-01")
    assert kiosk.id.startswith("k05953-")


def test_kiosk_rejects_unknown_mode_and_field(tmp_path: Path) -> None:
    registry = KioskRegistry(tmp_path / "k.sqlite3")
    with pytest.raises(KioskError, match="mode"):
        registry.add("05941", "Quầy", mode="full", today=TODAY)
    with pytest.raises(KioskError, match="field"):
        registry.add("05941", "Quầy", field="nope", today=TODAY)
    with pytest.raises(KioskError, match="unknown field 'chua_chon'"):  # counted, not chosen
        registry.add("05941", "Quầy", field="chua_chon", today=TODAY)


def test_claims_and_backlog(tmp_path: Path) -> None:
    store = SpoolStore(tmp_path / "s.sqlite3", stale_after=5.0)
    assert store.claim("a", 100.0) == (Claim.NEW, False)
    assert store.claim("a", 101.0) == (Claim.BUSY, False)
    assert store.claim("a", 106.0) == (Claim.NEW, False)  # claimant died: take over
    store.mark_published("a")
    assert store.claim("a", 200.0) == (Claim.DUPLICATE, False)
    store.put("b", b"05941", b"v-b", 201.0)
    assert store.claim("c", 202.0) == (Claim.NEW, True)
    assert store.claim("b", 203.0) == (Claim.DUPLICATE, True)


def test_a_clock_stepped_back_stalls_neither_a_claim_nor_the_lease(tmp_path: Path) -> None:
    """Claimed at 1000 by a worker that then died; the clock is stepped back an hour.
    Before, the retry found the id "inflight" for an hour and was answered
    "duplicate" at its deadline, the response published by nobody; and a lease
    taken just before the step kept the other workers from flushing for an hour."""
    store = SpoolStore(tmp_path / "s.sqlite3", stale_after=5.0)
    assert store.claim("a", 1000.0) == (Claim.NEW, False)
    assert store.claim("a", 995.0) == (Claim.BUSY, False)  # within CLOCK_SLACK: busy
    assert store.claim("a", 1000.0 - 3600) == (Claim.NEW, False)
    assert store.claim("a", 1000.0 - 3599) == (Claim.BUSY, False)  # claimed again, new date
    assert store.acquire_lease("w1", 5.0, now=1000.0)
    assert not store.acquire_lease("w2", 5.0, now=995.0)  # within ttl + CLOCK_SLACK: held
    assert store.acquire_lease("w2", 5.0, now=1000.0 - 3600)
    assert store.lease() == ("w2", 1005.0 - 3600)


def test_spool_keeps_order_and_deletes_only_given_rows(tmp_path: Path) -> None:
    store = SpoolStore(tmp_path / "s.sqlite3", stale_after=5.0)
    for i in range(5):
        store.put(f"id{i}", b"k", f"v{i}".encode(), float(i))
    rows = store.batch(3)
    assert [r.id for r in rows] == ["id0", "id1", "id2"]
    store.delete(rows[:2])
    assert store.depth() == 3
    assert [r.value for r in store.batch(10)] == [b"v2", b"v3", b"v4"]
    # A second connection (another worker) sees the same rows.
    assert SpoolStore(tmp_path / "s.sqlite3", stale_after=5.0).depth() == 3


def test_lease_is_exclusive_until_it_expires(tmp_path: Path) -> None:
    store = SpoolStore(tmp_path / "s.sqlite3", stale_after=5.0)
    assert store.acquire_lease("w1", 5.0, now=100.0)
    assert not store.acquire_lease("w2", 5.0, now=104.0)
    assert store.acquire_lease("w1", 5.0, now=104.0)  # renewal: now until 109
    assert not store.acquire_lease("w2", 5.0, now=108.9)
    assert store.acquire_lease("w2", 5.0, now=109.1)  # w1 died
    assert store.lease() == ("w2", 114.1)
    store.release_lease("w1")  # not the holder: no effect
    assert store.lease() == ("w2", 114.1)
    store.release_lease("w2")
    assert store.lease() is None


def test_prune_forgets_old_ids_but_keeps_spooled_ones(tmp_path: Path) -> None:
    store = SpoolStore(tmp_path / "s.sqlite3", stale_after=5.0)
    store.claim("old-done", 10.0)
    store.mark_published("old-done", max_delay=0)
    # Claimed days ago and never finished: its request died, or its "published" mark
    # was lost in a crash. Kept for ever before.
    store.claim("old-inflight", 10.0)
    store.claim("old-spooled", 10.0)
    store.put("old-spooled", b"05941", b"v", 10.0)  # Kafka down for weeks: still queued
    store.claim("new-done", 1000.0)
    store.mark_published("new-done", max_delay=0)
    store.claim("new-inflight", 1000.0)
    assert store.prune_ids(before=500.0) == 2
    assert store.claim("old-done", 1001.0)[0] is Claim.NEW
    assert store.claim("old-inflight", 1001.0)[0] is Claim.NEW
    assert store.claim("old-spooled", 1001.0)[0] is Claim.DUPLICATE
    assert store.claim("new-done", 1001.0)[0] is Claim.DUPLICATE
    assert store.claim("new-inflight", 1001.0)[0] is Claim.BUSY
    assert [r.id for r in store.batch(10)] == ["old-spooled"]


def test_marks_that_could_not_be_written_are_kept_for_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed write of the "published" marks (disk full, busy) neither raises into
    the request (already acknowledged by Kafka) nor drops other requests' marks."""
    store = SpoolStore(tmp_path / "s.sqlite3", stale_after=5.0)
    for i in range(3):
        store.claim(f"id-{i}", 100.0)
    store.mark_published("id-0", max_delay=3600)  # pending: not due yet
    real = transaction

    def full_disk(conn: sqlite3.Connection) -> Any:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(spool_module, "transaction", full_disk)
    store.mark_published("id-1", max_delay=0)  # due: the write fails, nothing raised
    with pytest.raises(sqlite3.OperationalError):
        store.write_marks()  # the flusher's call says so (and logs it)
    monkeypatch.setattr(spool_module, "transaction", real)
    store.mark_published("id-2", max_delay=0)
    assert [store.claim(f"id-{i}", 101.0)[0] for i in range(3)] == [Claim.DUPLICATE] * 3
    states = store._fast.get().execute("SELECT state FROM ids ORDER BY id").fetchall()
    assert states == [("published",)] * 3


def test_a_failed_commit_leaves_no_transaction_holding_the_write_lock(tmp_path: Path) -> None:
    """A COMMIT that fails (here a deferred constraint; disk full does the same) used
    to leave the connection in its transaction, holding the lock for every worker."""
    path = tmp_path / "t.sqlite3"
    conn = connect(path)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    conn.execute(
        "CREATE TABLE child (p INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)"
    )
    with pytest.raises(sqlite3.IntegrityError), transaction(conn):
        conn.execute("INSERT INTO child VALUES (1)")  # fails only at COMMIT
    assert not conn.in_transaction
    other = sqlite3.connect(path, timeout=0.1, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # "database is locked" before the fix
    other.execute("ROLLBACK")
    assert conn.execute("SELECT COUNT(*) FROM child").fetchone()[0] == 0


def test_kiosk_is_bound_to_the_commune_version_of_its_enrolment(tmp_path: Path) -> None:
    registry = KioskRegistry(tmp_path / "k.sqlite3")
    kiosk, token = registry.add("05953", "Quầy 1", today=TODAY)
    assert kiosk.unit_key == "05953@2025-07-01"  # Xã Kha Sơn, not Xã Lương Phú (05953@-)
    assert registry.by_token(token) == kiosk
    assert [k.unit_key for k, _, _ in registry.list()] == ["05953@2025-07-01"]


def _opened_twice(path: Path, later_columns: str, insert: str, token: str) -> KioskRegistry:
    """A kiosk file as an older intake made it (the first columns, then
    ``later_columns``; one kiosk of ``token`` put in by ``insert``), opened by two
    workers; the first one's registry."""
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE kiosks (id TEXT PRIMARY KEY, name TEXT NOT NULL,"
        " commune_code TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,"
        " mode TEXT NOT NULL DEFAULT 'quick', field TEXT, created_at TEXT NOT NULL,"
        f" revoked_at TEXT{later_columns})"
    )
    conn.execute(insert, (hash_token(token),))
    conn.commit()
    conn.close()
    registry = KioskRegistry(path)
    KioskRegistry(path)  # a second worker opening the migrated file
    return registry


def test_kiosk_file_without_unit_keys_is_migrated(tmp_path: Path) -> None:
    """A kiosk file from before unit keys: the column is added and the key of the
    commune valid today is computed on read."""
    path = tmp_path / "k.sqlite3"
    registry = _opened_twice(
        path,
        "",
        "INSERT INTO kiosks (id, name, commune_code, token_hash, created_at)"
        " VALUES ('k05953-old', 'Quầy cũ', '05953', ?, '2025-08-01T00:00:00+00:00')",
        "t" * 43,
    )
    old = registry.by_token("t" * 43)
    assert old is not None and old.unit_key == "05953@2025-07-01"
    assert old.enrolled_at == dt.datetime(2025, 8, 1, tzinfo=dt.UTC)
    assert old.accepts_from is None
    new, _ = registry.add("05941", "Quầy mới", today=TODAY)
    assert new.unit_key == "05941@2025-07-01"


def test_kiosk_file_without_accepts_from_is_migrated(tmp_path: Path) -> None:
    """A kiosk file of the version before ``accepts_from`` (with unit keys): it opens,
    gains the column, and its kiosks send from their enrolment on."""
    path = tmp_path / "intake-kiosks.sqlite3"
    registry = _opened_twice(
        path,
        ", unit_key TEXT",
        "INSERT INTO kiosks (id, name, commune_code, token_hash, created_at, unit_key)"
        " VALUES ('k05941-old', 'Quầy cũ', '05941', ?, '2026-11-27T03:00:00+00:00',"
        " '05941@2025-07-01')",
        "u" * 43,
    )
    columns = [r[1] for r in sqlite3.connect(path).execute("PRAGMA table_info(kiosks)")]
    assert columns[-2:] == ["unit_key", "accepts_from"]
    old = registry.by_token("u" * 43)
    assert old is not None and old.accepts_from is None
    assert old.enrolled_at == dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC)
    new, token = registry.add(
        "05941", "Quầy lịch sử", today=TODAY, accepts_from=dt.date(2025, 7, 1)
    )
    assert registry.by_token(token) == new and new.accepts_from == dt.date(2025, 7, 1)


def test_kiosk_enrolment_time_and_accepts_from_are_stored(tmp_path: Path) -> None:
    registry = KioskRegistry(tmp_path / "k.sqlite3")
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    plain, plain_token = registry.add("05941", "Quầy 1", today=TODAY)
    history, history_token = registry.add(
        "05941", "Quầy 2", today=TODAY, accepts_from=dt.date(2025, 7, 1)
    )
    assert plain.enrolled_at is not None and plain.enrolled_at >= before
    assert plain.accepts_from is None
    assert history.accepts_from == dt.date(2025, 7, 1)
    # What the token lookup reads back equals what add() returned (the API's rule
    # sees the same enrolment time).
    assert registry.by_token(plain_token) == plain
    assert registry.by_token(history_token) == history
    assert {k.id: k.accepts_from for k, _, _ in registry.list()} == {
        plain.id: None,
        history.id: dt.date(2025, 7, 1),
    }
    assert registry.add("05941", "Quầy 3", today=TODAY, accepts_from=TODAY)[0].accepts_from
    with pytest.raises(KioskError, match="after today"):
        registry.add("05941", "Quầy 4", today=TODAY, accepts_from=TODAY + dt.timedelta(days=1))


@pytest.mark.parametrize("name", ["Quầy\t1", "Quầy\n1", "Quầy\x1b[31m1"])
def test_kiosk_name_without_control_characters(tmp_path: Path, name: str) -> None:
    registry = KioskRegistry(tmp_path / "k.sqlite3")
    with pytest.raises(KioskError, match="invisible character"):
        registry.add("05953", name, today=TODAY)
    assert registry.list() == []


def test_kiosk_name_is_kept_in_nfc(tmp_path: Path) -> None:
    registry = KioskRegistry(tmp_path / "k.sqlite3")
    kiosk, _ = registry.add("05953", unicodedata.normalize("NFD", " Quầy số 1 "), today=TODAY)
    assert kiosk.name == "Quầy số 1" == unicodedata.normalize("NFC", kiosk.name)
