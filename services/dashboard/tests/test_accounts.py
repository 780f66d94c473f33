"""Accounts and lock-out on a real SQLite file (two stores = two workers)."""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import sqlite3
import stat
import time
import unicodedata
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from thuocdo_dashboard import create_app
from thuocdo_dashboard.accounts import (
    AccountStore,
    BadName,
    LoginResult,
    UserExists,
    check_name,
    generate_password,
)
from thuocdo_dashboard.cli import main
from thuocdo_dashboard.settings import Settings
from thuocdo_shared.units import LOCAL_TZ

pytestmark = pytest.mark.unit


def test_add_verify_and_hash_at_rest(tmp_path: Path) -> None:
    store = AccountStore(tmp_path / "d.sqlite3")
    store.add("lan", "district", "173", "mật-khẩu-rất-dài-1")
    # WAL mode: recent pages live in the -wal file until a checkpoint.
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("d.sqlite3*"))
    assert b"$argon2id$" in raw and "mật-khẩu".encode() not in raw
    assert stat.S_IMODE((tmp_path / "d.sqlite3").stat().st_mode) == 0o600
    assert store.authenticate("lan", "mật-khẩu-rất-dài-1", "10.0.0.1", 1000.0)[0] == LoginResult.OK
    assert store.authenticate("lan", "sai", "10.0.0.1", 1001.0)[0] == LoginResult.BAD
    with pytest.raises(UserExists):
        store.add("lan", "admin", "*", "x" * 20)


def test_lockout_per_account_across_stores_and_expiry(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite3"
    worker1, worker2 = AccountStore(path, attempts=5, minutes=15), AccountStore(path, 5, 15)
    worker1.add("lan", "district", "173", "good-password-123")
    for i in range(5):
        store = worker1 if i % 2 else worker2
        assert store.authenticate("lan", "wrong", f"10.0.0.{i}", 1000.0 + i)[0] == LoginResult.BAD
    # Locked everywhere, even with the right password, from a fresh address.
    assert worker2.authenticate("lan", "good-password-123", "10.9.9.9", 1010.0)[0] == "locked"
    # 15 minutes after the last failure the window has passed.
    assert worker1.authenticate("lan", "good-password-123", "10.9.9.9", 1005.0 + 901)[0] == "ok"


def test_lockout_per_address(tmp_path: Path) -> None:
    """A commune office's staff share one address: one person's five typos lock their
    own account, not their colleagues'; twenty failures from the address (any
    accounts, as a guesser's) lock the address."""
    store = AccountStore(tmp_path / "d.sqlite3", attempts=5, minutes=15)
    assert store.address_attempts == 20
    store.add("lan", "district", "173", "good-password-123")
    for i in range(5):
        store.authenticate("typo", "x", "10.0.0.7", 1000.0 + i)
    assert store.authenticate("lan", "good-password-123", "10.0.0.7", 1006.0)[0] == "ok"
    assert store.authenticate("typo", "x", "10.0.0.7", 1007.0)[0] == "locked"
    for i in range(15):
        store.authenticate(f"guess{i}", "x", "10.0.0.7", 1010.0 + i)
    assert store.authenticate("lan", "good-password-123", "10.0.0.7", 1030.0)[0] == "locked"
    assert store.authenticate("lan", "good-password-123", "10.0.0.8", 1030.0)[0] == "ok"
    # an operator lets the office in again
    assert store.unlock(address="10.0.0.7") == 20
    assert store.authenticate("lan", "good-password-123", "10.0.0.7", 1031.0)[0] == "ok"
    assert (
        AccountStore(tmp_path / "e.sqlite3", attempts=2, address_attempts=3).address_attempts == 3
    )


def test_disabled_user_cannot_log_in(tmp_path: Path) -> None:
    store = AccountStore(tmp_path / "d.sqlite3")
    store.add("lan", "commune", "05953@2025-07-01", "good-password-123")
    assert store.disable("lan") and not store.disable("nobody")
    assert store.authenticate("lan", "good-password-123", "a", 1.0)[0] == LoginResult.BAD
    assert [u.disabled for u in store.list()] == [True]


def test_generated_passwords_are_long_and_distinct() -> None:
    pw = {generate_password() for _ in range(20)}
    assert len(pw) == 20 and all(len(p) >= 20 for p in pw)


def test_secret_key_is_made_once_and_shared(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from thuocdo_dashboard import secret_key
    from thuocdo_dashboard.settings import Settings

    settings = Settings(data_dir=tmp_path)
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: secret_key(settings), range(16)))
    assert len(keys) == 1 and len(keys.pop()) == 64
    assert stat.S_IMODE((tmp_path / "dashboard-secret-key").stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dashboard-secret-key"]
    assert secret_key(Settings(data_dir=tmp_path, secret_key="from-env" * 4)) == "from-env" * 4


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "empty"),
        (" lan", "space"),
        ("lan nguyen", "space"),
        ("lan\t", "space"),
        ("lan\x00", "control"),
        ("x" * 65, "longer than 64"),
    ],
)
def test_names_that_could_never_log_in_are_refused(tmp_path: Path, name: str, reason: str) -> None:
    store = AccountStore(tmp_path / "d.sqlite3")
    with pytest.raises(BadName, match=reason):
        store.add(name, "admin", "*", "mật-khẩu-rất-dài-1")
    assert store.list() == []


@pytest.mark.parametrize(
    "name", ["lan", "ha.nguyen", "kha-son", "Lan_2", "Hà", "x" * 64, "đặng.văn_ấn", "админ"]
)
def test_ordinary_names_are_kept_in_lower_case(name: str) -> None:
    assert check_name(name) == name.lower()


def test_operator_unlocks_enables_and_resets_a_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("THUOCDO_DATA_DIR", str(tmp_path))
    monkeypatch.setattr("sys.stdin", io.StringIO("mật-khẩu-đủ-dài-1\n"))
    assert main(["user", "add", "--name", "lan", "--role", "district", "--unit", "173",
                 "--password-stdin"]) == 0  # fmt: skip
    store = AccountStore(tmp_path / "dashboard.sqlite3")
    import time

    now = time.time()
    for i in range(5):
        store.authenticate("lan", "sai", "10.0.0.7", now - 60 + i)
    capsys.readouterr()
    assert main(["user", "list"]) == 0
    state = capsys.readouterr().out.splitlines()[1].split("\t")[3]
    assert state.startswith("active, login locked until ")
    until = dt.datetime.fromisoformat(state.rsplit(" ", 1)[1])
    # locked from the fifth failure (56 s ago) for 15 minutes
    # shown to the minute (seconds cut): up to 60 s early, plus the test's own time
    assert abs(until - dt.datetime.now(LOCAL_TZ) - dt.timedelta(minutes=14, seconds=4)) < (
        dt.timedelta(seconds=90)
    )
    assert main(["user", "unlock", "lan"]) == 0
    assert capsys.readouterr().out == "unlocked lan (5 failed login(s) forgotten)\n"

    # An address locked out (20 failures, any accounts) is named beside the table.
    for i in range(20):
        store.authenticate(f"ai-{i}", "sai", "203.0.113.7", now - 30 + i)
    store.authenticate("lan", "sai", "10.0.0.9", now)  # another address, not locked
    assert main(["user", "list"]) == 0
    out = capsys.readouterr()
    assert "203.0.113.7" not in out.out and "10.0.0.9" not in out.err
    notes = out.err.splitlines()
    assert len(notes) == 1 and notes[0].startswith("note: logins from address 203.0.113.7")
    assert notes[0].endswith("`thuocdo-dashboard user unlock --address 203.0.113.7` lifts it")
    until = dt.datetime.fromisoformat(notes[0].split(" until ")[1].split(";")[0])
    # locked from the 20th failure (11 s ago) for 15 minutes
    assert abs(until - dt.datetime.now(LOCAL_TZ) - dt.timedelta(minutes=14, seconds=49)) < (
        dt.timedelta(seconds=90)
    )
    assert main(["user", "unlock", "--address", "203.0.113.7"]) == 0
    unlocked = capsys.readouterr().out
    assert unlocked == "unlocked address 203.0.113.7 (20 failed login(s) forgotten)\n"
    assert main(["user", "list"]) == 0
    assert capsys.readouterr().err == ""
    assert store.authenticate("lan", "mật-khẩu-đủ-dài-1", "10.0.0.7", now)[0] == "ok"
    assert main(["user", "unlock"]) == 2
    assert main(["user", "unlock", "nobody"]) == 1

    before = store.get("lan")
    assert before is not None and before.sessions_after == 0.0
    monkeypatch.setattr("sys.stdin", io.StringIO("mật-khẩu-mới-đủ-dài\n"))
    assert main(["user", "password", "lan", "--password-stdin"]) == 0
    assert "its open sessions are ended" in capsys.readouterr().out
    after = store.get("lan")
    assert after is not None and after.sessions_after >= now
    assert store.authenticate("lan", "mật-khẩu-đủ-dài-1", "10.0.0.8", now + 1)[0] == "bad"
    assert store.authenticate("lan", "mật-khẩu-mới-đủ-dài", "10.0.0.8", now + 2)[0] == "ok"
    monkeypatch.setattr("sys.stdin", io.StringIO("ngắn\n"))
    assert main(["user", "password", "lan", "--password-stdin"]) == 2

    assert main(["user", "disable", "lan"]) == 0
    assert main(["user", "disable", "lan"]) == 0
    assert main(["user", "enable", "lan"]) == 0
    assert main(["user", "enable", "lan"]) == 0
    assert capsys.readouterr().out.splitlines()[-4:] == [
        "disabled lan",
        "lan was already disabled",
        "enabled lan",
        "lan was already enabled",
    ]
    assert main(["user", "enable", "nobody"]) == 1


def test_an_account_file_from_before_sessions_after_still_opens(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "dashboard.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE users (name TEXT PRIMARY KEY, role TEXT NOT NULL, unit TEXT NOT NULL,"
            " password_hash TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0,"
            " created_at TEXT NOT NULL)"
        )
        conn.execute(
            "INSERT INTO users VALUES ('cu', 'admin', '*', 'x', 0, '2026-01-01T00:00:00+00:00')"
        )
    user = AccountStore(path).get("cu")
    assert user is not None and (user.name, user.sessions_after) == ("cu", 0.0)


def test_user_list_has_a_header_and_local_times(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("THUOCDO_DATA_DIR", str(tmp_path))
    for args in (
        ["--name", "tinh", "--role", "admin"],
        ["--name", "kha-son", "--role", "commune", "--unit", "05953"],
    ):
        monkeypatch.setattr("sys.stdin", io.StringIO("mật-khẩu-đủ-dài-1\n"))
        assert main(["user", "add", *args, "--password-stdin"]) == 0
    # only the first command found no accounts file, and said where it made one
    notes = [line for line in capsys.readouterr().err.splitlines() if line.startswith("note:")]
    assert notes == [
        f"note: no accounts file at {tmp_path.resolve() / 'dashboard.sqlite3'}; starting a new"
        " one (the dashboard must run with the same THUOCDO_DATA_DIR)"
    ]
    # elsewhere, commands that only read or change accounts make no file
    elsewhere = tmp_path / "elsewhere"
    monkeypatch.setenv("THUOCDO_DATA_DIR", str(elsewhere))
    assert main(["user", "list"]) == 0
    assert main(["user", "disable", "tinh"]) == 1
    out, err = capsys.readouterr()
    assert out == "name\trole\tunit\tstate\tcreated\n" and "error: no user 'tinh'" in err
    assert err.count("note: no accounts file at") == 2 and "starting" not in err
    assert not (elsewhere / "dashboard.sqlite3").exists()
    monkeypatch.setenv("THUOCDO_DATA_DIR", str(tmp_path))
    assert main(["user", "disable", "tinh"]) == 0
    capsys.readouterr()

    assert main(["user", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "name\trole\tunit\tstate\tcreated"
    rows = [line.split("\t") for line in lines[1:]]
    assert [r[:4] for r in rows] == [
        ["kha-son", "commune", "05953@2025-07-01", "active"],
        ["tinh", "admin", "*", "disabled"],  # "*": the whole province
    ]
    created = dt.datetime.fromisoformat(rows[0][4])
    assert created.utcoffset() == dt.timedelta(hours=7)
    assert abs(dt.datetime.now(LOCAL_TZ) - created) < dt.timedelta(minutes=2)


COMPOSED = "nguyễn.ấn"  # one code point per letter, as most keyboards send it
DECOMPOSED = unicodedata.normalize("NFD", COMPOSED)  # Unikey's "Unicode tổ hợp"


def test_a_name_in_either_unicode_form_is_one_account(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert COMPOSED != DECOMPOSED
    monkeypatch.setenv("THUOCDO_DATA_DIR", str(tmp_path))
    monkeypatch.setattr("sys.stdin", io.StringIO("mật-khẩu-đủ-dài-1\n"))
    assert main(["user", "add", "--name", DECOMPOSED, "--role", "district", "--unit", "173",
                 "--password-stdin"]) == 0  # fmt: skip
    monkeypatch.setattr("sys.stdin", io.StringIO("mật-khẩu-khác-dài-2\n"))
    assert main(["user", "add", "--name", COMPOSED, "--role", "district", "--unit", "173",
                 "--password-stdin"]) == 1  # fmt: skip
    assert f"user {COMPOSED!r} exists" in capsys.readouterr().err
    assert main(["user", "list"]) == 0
    rows = capsys.readouterr().out.splitlines()[1:]
    assert [r.split("\t")[0] for r in rows] == [COMPOSED]
    assert main(["user", "disable", DECOMPOSED]) == 0
    assert capsys.readouterr().out == f"disabled {COMPOSED}\n"
    assert main(["user", "enable", COMPOSED]) == 0

    settings = Settings(secret_key="k" * 32, data_dir=tmp_path, scoring_url="http://127.0.0.1:9")
    app = create_app(settings, TESTING=True, WTF_CSRF_ENABLED=False)
    for typed in (COMPOSED, DECOMPOSED):
        resp = app.test_client().post(
            "/login", data={"name": typed, "password": "mật-khẩu-đủ-dài-1"}
        )
        assert resp.status_code == 302, typed


def test_names_stored_in_another_unicode_form_are_renamed_on_open(tmp_path: Path) -> None:
    path = tmp_path / "dashboard.sqlite3"
    AccountStore(path).add("lan", "district", "173", "mật-khẩu-đủ-dài-1")
    with sqlite3.connect(path) as conn:  # as a file from before the fix could hold it
        conn.execute("UPDATE users SET name = ? WHERE name = 'lan'", (DECOMPOSED,))
    store = AccountStore(path)
    assert [u.name for u in store.list()] == [COMPOSED]
    assert store.authenticate(COMPOSED, "mật-khẩu-đủ-dài-1", "10.0.0.1", time.time())[0] == "ok"
    # The store itself compares NFC, whoever calls it.
    assert store.authenticate(DECOMPOSED, "mật-khẩu-đủ-dài-1", "10.0.0.1", time.time())[0] == "ok"
    user = store.get(DECOMPOSED)
    assert user is not None and user.name == COMPOSED
    for _ in range(5):
        store.authenticate(DECOMPOSED, "sai", "10.0.0.2", time.time())
    assert store.locked_until(COMPOSED, time.time()) is not None
    assert store.unlock(DECOMPOSED) == 5


@pytest.mark.parametrize("address", ["abc", "999.1.1.1", "10.0.0", ""])
def test_unlock_refuses_what_is_not_an_address(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    address: str,
) -> None:
    monkeypatch.setenv("THUOCDO_DATA_DIR", str(tmp_path))
    AccountStore(tmp_path / "dashboard.sqlite3").add("lan", "district", "173", "mật-khẩu-đủ-dài-1")
    code = main(["user", "unlock", "lan", "--address", address])
    if address:
        assert code == 2
        assert capsys.readouterr().err == f"error: {address!r} is not an IP address\n"
    else:
        assert code == 0  # an empty --address names no address: the account only


def test_unlock_takes_an_address_in_any_spelling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("THUOCDO_DATA_DIR", str(tmp_path))
    store = AccountStore(tmp_path / "dashboard.sqlite3")
    store.authenticate("x", "y", "2001:db8::7", time.time())
    assert main(["user", "unlock", "--address", "2001:0db8:0000::0007"]) == 0
    assert capsys.readouterr().out == "unlocked address 2001:db8::7 (1 failed login(s) forgotten)\n"


def test_the_login_name_field_is_not_capitalised_or_corrected_by_a_phone(tmp_path: Path) -> None:
    """A phone's keyboard capitalises the first letter of a text field: 'Phubinh' is
    not the account 'phubinh', and five such tries lock it."""
    settings = Settings(secret_key="k" * 32, data_dir=tmp_path, scoring_url="http://127.0.0.1:9")
    page = create_app(settings, TESTING=True).test_client().get("/login").get_data(as_text=True)
    (field,) = re.findall(r'<input name="name"[^>]*>', page)
    for attribute in ('autocapitalize="none"', 'autocorrect="off"', 'spellcheck="false"'):
        assert attribute in field, field


def test_a_refused_login_marks_the_fields_and_puts_the_focus_back(tmp_path: Path) -> None:
    """After a refusal the alert was read, but the fields were not marked and focus
    was on the page: a screen-reader user had to find the form again."""
    settings = Settings(secret_key="k" * 32, data_dir=tmp_path, scoring_url="http://127.0.0.1:9")
    client = create_app(settings, TESTING=True, WTF_CSRF_ENABLED=False).test_client()
    fresh = client.get("/login").get_data(as_text=True)
    assert "aria-invalid" not in fresh and "autofocus" not in fresh
    page = client.post("/login", data={"name": "ai", "password": "sai"}).get_data(as_text=True)
    assert 'id="login-error"' in page
    fields = re.findall(r'<input name="(?:name|password)"[^>]*>', page)
    assert len(fields) == 2
    assert all('aria-invalid="true" aria-describedby="login-error"' in f for f in fields)
    assert "autofocus" in fields[0] and "autofocus" not in fields[1]


def test_names_are_one_account_whatever_their_case(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A phone's keyboard capitalises the first letter: "Phubinh" and "phubinh" were two
    # names, and five tries of the wrong one locked the right account's address.
    monkeypatch.setenv("THUOCDO_DATA_DIR", str(tmp_path))
    monkeypatch.setattr("sys.stdin", io.StringIO("mật-khẩu-đủ-dài-1\n"))
    assert main(["user", "add", "--name", "Nguyễn.Ấn", "--role", "district", "--unit", "173",
                 "--password-stdin"]) == 0  # fmt: skip
    monkeypatch.setattr("sys.stdin", io.StringIO("mật-khẩu-khác-dài-2\n"))
    assert main(["user", "add", "--name", "NGUYỄN.ẤN", "--role", "district", "--unit", "173",
                 "--password-stdin"]) == 1  # fmt: skip
    assert f"user {COMPOSED!r} exists" in capsys.readouterr().err
    assert main(["user", "list"]) == 0
    assert [r.split("\t")[0] for r in capsys.readouterr().out.splitlines()[1:]] == [COMPOSED]
    assert main(["user", "disable", "Nguyễn.ấn"]) == 0
    assert capsys.readouterr().out == f"disabled {COMPOSED}\n"
    assert main(["user", "enable", unicodedata.normalize("NFD", "NGUYỄN.ẤN")]) == 0

    settings = Settings(secret_key="k" * 32, data_dir=tmp_path, scoring_url="http://127.0.0.1:9")
    app = create_app(settings, TESTING=True, WTF_CSRF_ENABLED=False)
    for typed in ("Nguyễn.ấn", "NGUYỄN.ẤN", unicodedata.normalize("NFD", "Nguyễn.Ấn")):
        resp = app.test_client().post(
            "/login", data={"name": typed, "password": "mật-khẩu-đủ-dài-1"}
        )
        assert resp.status_code == 302, typed
    store = AccountStore(tmp_path / "dashboard.sqlite3")
    for _ in range(5):
        store.authenticate("Nguyễn.Ấn", "sai", "10.0.0.2", time.time())
    assert store.locked_until(COMPOSED, time.time()) is not None
    assert store.unlock("NGUYỄN.ẤN") == 5


def test_names_stored_with_capitals_are_renamed_on_open(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "dashboard.sqlite3"
    store = AccountStore(path)
    store.add("lan", "district", "173", "mật-khẩu-đủ-dài-1")
    store.add("nguyễn.lan", "district", "173", "mật-khẩu-đủ-dài-2")
    # As a file from before the fix could hold them: "Lan" alone, and two accounts
    # that differ only in case (each its own person, password and role).
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE users SET name = 'Lan' WHERE name = 'lan'")
        conn.execute(
            "INSERT INTO users (name, role, unit, password_hash, created_at)"
            " SELECT 'Nguyễn.Lan', 'commune', '05953', password_hash, created_at FROM users"
            " WHERE name = 'nguyễn.lan'"
        )
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE users SET password_hash = ? WHERE name = 'Nguyễn.Lan'",
            (PasswordHasher().hash("mật-khẩu-của-xã-3"),),
        )
    with caplog.at_level("WARNING"):
        store = AccountStore(path)
        assert [u.name for u in store.list()] == ["Nguyễn.Lan", "lan", "nguyễn.lan"]
    assert "'Nguyễn.Lan' keeps its spelling and logs in only typed exactly so" in caplog.text
    now = time.time()
    assert store.authenticate("LAN", "mật-khẩu-đủ-dài-1", "10.0.0.1", now)[0] == "ok"
    # Each of the pair logs in as before the upgrade: the one left typed as it was
    # (composed or not), the other in any other spelling; neither is the other.
    result, user = store.authenticate("Nguyễn.Lan", "mật-khẩu-của-xã-3", "10.0.0.1", now)
    assert (
        result == "ok" and user is not None and (user.name, user.role) == ("Nguyễn.Lan", "commune")
    )
    nfd = unicodedata.normalize("NFD", "Nguyễn.Lan")
    assert store.authenticate(nfd, "mật-khẩu-của-xã-3", "10.0.0.1", now)[0] == "ok"
    result, user = store.authenticate("NGUYỄN.LAN", "mật-khẩu-đủ-dài-2", "10.0.0.1", now)
    assert result == "ok" and user is not None and user.name == "nguyễn.lan"
    assert store.authenticate("Nguyễn.Lan", "mật-khẩu-đủ-dài-2", "10.0.0.1", now)[0] == "bad"
    # A session begun before the rename is its own account's, never the other's.
    same = store.get("Nguyễn.Lan")
    assert same is not None and (same.name, same.role) == ("Nguyễn.Lan", "commune")
    lan = store.get("Lan")  # a session begun as "Lan": renamed, the same account
    assert lan is not None and lan.name == "lan"

    # The CLI names each of them, and says how the one left logs in.
    monkeypatch.setenv("THUOCDO_DATA_DIR", str(tmp_path))
    assert main(["user", "disable", "Nguyễn.Lan"]) == 0
    assert capsys.readouterr().out == "disabled Nguyễn.Lan\n"
    other = store.get("nguyễn.lan")
    assert other is not None and not other.disabled
    assert main(["user", "list"]) == 0
    rows = {r.split("\t")[0]: r.split("\t") for r in capsys.readouterr().out.splitlines()[1:]}
    assert rows["Nguyễn.Lan"][3] == "disabled, logs in typed exactly as shown"
    assert rows["nguyễn.lan"][3] == "active" and rows["lan"][3] == "active"


def test_logins_and_refusals_are_logged_without_the_name_typed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Refused logins and lock-outs were only counted in /metrics: an operator looking
    into an attack had no line to read. The name typed is not logged (a password is
    sometimes typed into it)."""
    settings = Settings(secret_key="k" * 32, data_dir=tmp_path, scoring_url="http://127.0.0.1:9")
    app = create_app(settings, TESTING=True, WTF_CSRF_ENABLED=False)
    app.extensions["thuocdo_accounts"].add("tinh", "district", "19", "mật-khẩu-đủ-dài-1")
    client = app.test_client()
    caplog.set_level(logging.INFO, logger="thuocdo_dashboard.auth")
    for _ in range(settings.lockout_attempts + 1):
        client.post("/login", data={"name": "mat-khau-go-nham", "password": "sai"})
    client.post("/login", data={"name": "tinh", "password": "mật-khẩu-đủ-dài-1"})
    lines = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert ("WARNING", "login refused (bad) from 127.0.0.1") in lines
    assert ("WARNING", "login refused (locked) from 127.0.0.1") in lines
    assert lines[-1] == ("INFO", "login: tinh (district) from 127.0.0.1")
    assert not any("mat-khau-go-nham" in message for _, message in lines)


def test_the_last_enabled_admin_is_kept_when_asked(tmp_path: Path) -> None:
    """The accounts page never disables the last enabled admin (two admins disabling
    each other at once leave one: the check is in the same statement); the CLI, run by
    whoever holds the server, still can."""
    store = AccountStore(tmp_path / "d.sqlite3")
    for name in ("an", "binh"):
        store.add(name, "admin", "*", "mật-khẩu-rất-dài-1")
    store.add("lan", "district", "173", "mật-khẩu-rất-dài-1")
    assert store.disable("an", keep_an_admin=True)
    assert not store.disable("binh", keep_an_admin=True)
    assert store.disable("lan", keep_an_admin=True)  # not an admin: no such limit
    assert [u.name for u in store.list() if not u.disabled] == ["binh"]
    assert store.disable("binh")


@pytest.mark.parametrize(
    "name",
    [
        "\u0430dmin",  # a Cyrillic "а" (helper-77)
        "\uff41dmin",  # a fullwidth "ａ"
        "\U0001d41admin",  # a mathematical bold "𝐚"
        "adm\u0131n",  # a dotless "ı" (helper-78)
        "\u0251dmin",  # a Latin alpha "ɑ"
        "ad\u034fmin",  # an invisible combining grapheme joiner
        "admin\ufe00",  # a variation selector
        "a\u0337dmin",  # a mark no Vietnamese letter composes with "a"
    ],
)
def test_look_alikes_of_another_name_are_refused(tmp_path: Path, name: str) -> None:
    store = AccountStore(tmp_path / "d.sqlite3")
    with pytest.raises(BadName, match="look-alike") as refused:
        store.add(name, "admin", "*", "mật-khẩu-rất-dài-1")
    assert refused.value.reason == "lookalike"
    assert store.list() == []


@pytest.mark.parametrize(
    "name",
    [
        "phạm.thị.hồng-nhung",
        "lê_văn_ưng",
        "đặng.ỵ.ỹ.ỷ",
        unicodedata.normalize("NFD", "nguyễn.ấn"),  # typed decomposed: it composes
        "müller",
        "админ",  # wholly in another alphabet: its own name
        "山田たろう",  # kanji with kana
        "サトー",
        "user@xa.vn",
    ],
)
def test_names_of_any_one_writing_system_are_kept(name: str) -> None:
    assert check_name(name) == unicodedata.normalize("NFC", name).casefold()


def test_a_form_token_is_spent_once_across_workers(tmp_path: Path) -> None:
    """The accounts page's forms act once: a refresh, or a double click's two requests
    reaching the two workers, spend the same token; one of them acts."""
    path = tmp_path / "d.sqlite3"
    worker1, worker2 = AccountStore(path), AccountStore(path)
    assert worker1.spend_form("t1", until=2000.0, now=1000.0)
    assert not worker2.spend_form("t1", until=2000.0, now=1001.0)
    # kept until its time is over, then forgotten (the session it was for is over too)
    assert worker2.spend_form("t2", until=1500.0, now=1002.0)
    assert worker1.spend_form("t2", until=3000.0, now=1600.0)
