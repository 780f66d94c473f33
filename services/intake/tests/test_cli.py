"""``thuocdo-intake kiosk add|list``: a header, times as operators read them (UTC+7), and
the ``--accepts-from`` day of a kiosk that backfills history."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from thuocdo_intake.cli import main
from thuocdo_intake.kiosks import KioskRegistry
from thuocdo_shared.units import LOCAL_TZ, local_today

pytestmark = pytest.mark.unit


def test_kiosk_list_has_a_header_and_local_times(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("THUOCDO_DATA_DIR", str(tmp_path))
    registry = KioskRegistry(tmp_path / "intake-kiosks.sqlite3")
    kept, token = registry.add("05941", "Quầy 1")
    gone, _ = registry.add("05953", "Quầy 2")
    assert registry.revoke(gone.id)

    assert main(["kiosk", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "id\tcommune\tmode\tfield\tcreated\taccepts_from\tstate\tname"
    rows = {line.split("\t")[0]: line.split("\t") for line in lines[1:]}
    assert rows[kept.id][1] == "05941" and rows[kept.id][6] == "active"
    assert rows[kept.id][5] == "-"  # from its enrolment on
    assert rows[kept.id][7] == "Quầy 1" and token not in "\n".join(lines)
    created = dt.datetime.fromisoformat(rows[kept.id][4])
    assert created.utcoffset() == dt.timedelta(hours=7)
    assert abs(dt.datetime.now(LOCAL_TZ) - created) < dt.timedelta(minutes=2)
    state, _, when = rows[gone.id][6].partition(" ")
    assert state == "revoked" and when.endswith("+07:00")

    # Revoking twice says since when, and is no error; an unknown id is one.
    assert main(["kiosk", "revoke", kept.id]) == 0
    assert capsys.readouterr().out == f"revoked {kept.id}\n"
    assert main(["kiosk", "revoke", gone.id]) == 0
    assert capsys.readouterr().out == f"{gone.id} was already revoked ({when})\n"
    assert main(["kiosk", "revoke", "k00000-nope"]) == 1
    assert "error: no kiosk 'k00000-nope'" in capsys.readouterr().err


def test_a_command_on_a_missing_kiosk_file_says_where_it_starts_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("THUOCDO_DATA_DIR", str(tmp_path / "elsewhere"))
    path = (tmp_path / "elsewhere" / "intake-kiosks.sqlite3").resolve()
    note = f"note: no kiosk file at {path} (intake must run with the same THUOCDO_DATA_DIR)\n"
    # Commands that only read say so every time, and make no file.
    for _ in range(2):
        assert main(["kiosk", "list"]) == 0
        out, err = capsys.readouterr()
        assert err == note and out.startswith("id\tcommune") and len(out.splitlines()) == 1
    assert main(["kiosk", "revoke", "k05941-abc"]) == 1
    assert capsys.readouterr().err == note + "error: no kiosk 'k05941-abc'\n"
    assert not path.exists()
    # 'add' makes it, and says where.
    base = ["--base-url", "https://intake.example.vn"]
    assert main(["kiosk", "add", "--commune", "05941", "--name", "Quầy 1", *base]) == 0
    assert capsys.readouterr().err == note.replace(" (intake", "; starting a new one (intake")
    assert path.exists()


def test_kiosk_add_accepts_from_is_stored_shown_and_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--accepts-from`` enrols a kiosk that backfills history: stored with the kiosk,
    shown by ``add`` and ``list``; not a date, or a day after today, is refused."""
    monkeypatch.setenv("THUOCDO_DATA_DIR", str(tmp_path))
    argv = ["kiosk", "add", "--commune", "05941", "--name", "Quầy lịch sử"]
    assert main([*argv, "--accepts-from", "2025-07-01", "--json"]) == 0
    added = json.loads(capsys.readouterr().out)
    assert added["accepts_from"] == "2025-07-01"
    assert main([*argv, "--accepts-from", "2025-07-01"]) == 0
    assert "accepts responses dated from 2025-07-01 on" in capsys.readouterr().out
    assert main([*argv, "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert "accepts_from" not in plain

    registry = KioskRegistry(tmp_path / "intake-kiosks.sqlite3")
    kiosk = registry.by_token(added["token"])
    assert kiosk is not None and kiosk.accepts_from == dt.date(2025, 7, 1)
    other = registry.by_token(plain["token"])
    assert other is not None and other.accepts_from is None

    assert main(["kiosk", "list"]) == 0
    rows = {r.split("\t")[0]: r.split("\t") for r in capsys.readouterr().out.splitlines()[1:]}
    assert rows[added["id"]][5] == "2025-07-01"
    assert rows[plain["id"]][5] == "-"

    with pytest.raises(SystemExit) as exc:
        main([*argv, "--accepts-from", "01/07/2025"])
    assert exc.value.code == 2
    assert "not a date (YYYY-MM-DD)" in capsys.readouterr().err
    tomorrow = (local_today() + dt.timedelta(days=1)).isoformat()
    assert main([*argv, "--accepts-from", tomorrow]) == 2
    assert f"accepts-from {tomorrow} is after today" in capsys.readouterr().err
    assert len(registry.list()) == 3  # the refused ones were not enrolled


def test_an_enrolled_kiosk_can_be_let_backfill_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A kiosk enrolled without --accepts-from (e.g. before the option existed) is given
    one later rather than enrolled again."""
    monkeypatch.setenv("THUOCDO_DATA_DIR", str(tmp_path))
    registry = KioskRegistry(tmp_path / "intake-kiosks.sqlite3")
    kiosk, token = registry.add("05941", "Quầy 1")
    assert main(["kiosk", "accepts-from", kiosk.id, "2025-07-01"]) == 0
    assert capsys.readouterr().out == f"{kiosk.id} accepts responses dated from 2025-07-01 on\n"
    fresh = KioskRegistry(tmp_path / "intake-kiosks.sqlite3").by_token(token)
    assert fresh is not None and fresh.accepts_from == dt.date(2025, 7, 1)
    tomorrow = (local_today() + dt.timedelta(days=1)).isoformat()
    assert main(["kiosk", "accepts-from", kiosk.id, tomorrow]) == 2
    assert "is after today" in capsys.readouterr().err
    # before Xã Điềm Thụy (05941@2025-07-01) existed: another unit's history
    assert main(["kiosk", "accepts-from", kiosk.id, "2025-06-01"]) == 2
    assert "is before Xã Điềm Thụy existed (2025-07-01)" in capsys.readouterr().err
    argv = ["kiosk", "add", "--commune", "05941", "--name", "Q", "--accepts-from", "2025-06-30"]
    assert main(argv) == 2
    assert "is before Xã Điềm Thụy existed (2025-07-01)" in capsys.readouterr().err
    assert main(["kiosk", "accepts-from", "k00000-nope", "2025-07-01"]) == 1
    assert registry.revoke(kiosk.id)
    assert main(["kiosk", "accepts-from", kiosk.id, "2025-07-01"]) == 1  # revoked


def test_kiosk_set_changes_name_mode_and_field_and_keeps_the_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Before, changing a kiosk's mode meant revoke + add: a new link on the tablet, and
    # the ratings it still had queued were refused under the new kiosk's id.
    monkeypatch.setenv("THUOCDO_DATA_DIR", str(tmp_path))
    registry = KioskRegistry(tmp_path / "intake-kiosks.sqlite3")
    kiosk, token = registry.add("05941", "Quầy 1")

    assert main(["kiosk", "set", kiosk.id, "--mode", "sipas", "--field", "ho_tich"]) == 0
    out = capsys.readouterr()
    assert out.out == f"{kiosk.id}\tsipas\tho_tich\tQuầy 1\n"
    assert "next configuration fetch (every 60 s)" in out.err
    now = registry.by_token(token)  # the same token, the new settings at once
    assert now is not None and (now.mode, now.field, now.name) == ("sipas", "ho_tich", "Quầy 1")
    assert now.commune_code == "05941" and now.enrolled_at == kiosk.enrolled_at

    assert main(["kiosk", "set", kiosk.id, "--name", " Quầy Một cửa 2 ", "--any-field"]) == 0
    assert capsys.readouterr().out == f"{kiosk.id}\tsipas\t-\tQuầy Một cửa 2\n"

    # Refused: nothing to change, a bad value (nothing changed), an unknown or revoked id.
    assert main(["kiosk", "set", kiosk.id]) == 2
    assert "nothing to change" in capsys.readouterr().err
    assert main(["kiosk", "set", kiosk.id, "--field", "thue"]) == 2
    assert "unknown field 'thue'" in capsys.readouterr().err
    assert main(["kiosk", "set", kiosk.id, "--name", "Quầy\t3"]) == 2
    assert "tab" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["kiosk", "set", kiosk.id, "--field", "ho_tich", "--any-field"])
    capsys.readouterr()
    after = KioskRegistry(tmp_path / "intake-kiosks.sqlite3").by_token(token)  # uncached
    assert after is not None and (after.mode, after.field, after.name) == (
        "sipas", None, "Quầy Một cửa 2"
    )  # fmt: skip
    assert main(["kiosk", "set", "k00000-nope", "--mode", "quick"]) == 1
    assert "no active kiosk 'k00000-nope'" in capsys.readouterr().err
    assert registry.revoke(kiosk.id)
    assert main(["kiosk", "set", kiosk.id, "--mode", "quick"]) == 1


def test_kiosk_list_read_by_head_ends_without_a_traceback(tmp_path: Path) -> None:
    """`kiosk list | head -1` with more kiosks than the pipe holds: the list stops
    quietly when head has read enough (no BrokenPipeError traceback)."""
    import os
    import subprocess
    import sys

    registry = KioskRegistry(tmp_path / "intake-kiosks.sqlite3")
    for i in range(1_000):  # about 90 KB listed, more than a pipe's 64 KB
        registry.add("05941", f"Quầy {i}")
    tool = str(Path(sys.executable).with_name("thuocdo-intake"))  # the venv's own
    env = {**os.environ, "THUOCDO_DATA_DIR": str(tmp_path)}
    lister = subprocess.Popen(
        [tool, "kiosk", "list"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert lister.stdout is not None and lister.stderr is not None
    head = subprocess.run(
        ["head", "-1"], stdin=lister.stdout, capture_output=True, text=True, timeout=60, check=True
    )
    lister.stdout.close()  # head is gone: the lister's next write finds the pipe closed
    errors = lister.stderr.read().decode()
    assert lister.wait(60) == 0
    assert head.stdout.startswith("id\tcommune\t") and head.stdout.count("\n") == 1
    assert errors == ""


@pytest.mark.parametrize(
    ("base", "warned"),
    [
        ([], "127.0.0.1"),  # THUOCDO_INTAKE_PUBLIC_URL unset: http://127.0.0.1:8001
        (["--base-url", "http://0.0.0.0:8001"], "0.0.0.0"),  # noqa: S104
        (["--base-url", "https://intake.phubinh.gov.vn"], None),
        (["--base-url", "http://192.168.1.20:8001"], None),
    ],
)
def test_kiosk_add_says_when_a_tablet_cannot_open_the_link(
    base: list[str],
    warned: str | None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Under Compose intake listens on 0.0.0.0 and the link read http://0.0.0.0:8001:
    no tablet can open that (nor 127.0.0.1, the tablet's own address)."""
    monkeypatch.setenv("THUOCDO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("THUOCDO_INTAKE_PUBLIC_URL", raising=False)
    assert main(["kiosk", "add", "--commune", "05941", "--name", "Quầy 1", *base]) == 0
    err = capsys.readouterr().err
    if warned is None:
        assert "cannot open" not in err
    else:
        assert f"note: {warned} is this machine's own address: a tablet cannot open" in err


def test_an_enrolment_drawing_an_id_already_taken_draws_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kiosk ids have six random hex digits a commune: 1,000 kiosks of one commune
    share one about 3 times in 100, and `kiosk add` then failed with an
    IntegrityError traceback (CI, test above). A taken id is drawn again."""
    import secrets

    registry = KioskRegistry(tmp_path / "intake-kiosks.sqlite3")
    draws = iter(["aaaaaa", "aaaaaa", "aaaaaa", "bbbbbb"])
    monkeypatch.setattr(secrets, "token_hex", lambda n: next(draws))
    first, _ = registry.add("05941", "Quầy 1")
    second, _ = registry.add("05941", "Quầy 2")
    assert (first.id, second.id) == ("k05941-aaaaaa", "k05941-bbbbbb")
    assert [k.name for k, _, _ in registry.list()] == ["Quầy 1", "Quầy 2"]
