"""Accounts and lock-out on a real SQLite file (two stores = two workers)."""

from __future__ import annotations

import datetime as dt
import io
import stat
from pathlib import Path

import pytest
from thuocdo_dashboard.accounts import (
    AccountStore,
    BadName,
    LoginResult,
    UserExists,
    check_name,
    generate_password,
)
from thuocdo_dashboard.cli import main
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
    store = AccountStore(tmp_path / "d.sqlite3", attempts=5, minutes=15)
    store.add("lan", "district", "173", "good-password-123")
    for i in range(5):
        store.authenticate(f"guess{i}", "x", "10.0.0.7", 1000.0 + i)
    assert store.authenticate("lan", "good-password-123", "10.0.0.7", 1010.0)[0] == "locked"
    assert store.authenticate("lan", "good-password-123", "10.0.0.8", 1010.0)[0] == "ok"


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


@pytest.mark.parametrize("name", ["lan", "ha.nguyen", "kha-son", "Lan_2", "Hà", "x" * 64])
def test_ordinary_names_are_kept_as_given(name: str) -> None:
    assert check_name(name) == name


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
