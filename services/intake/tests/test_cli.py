"""``thuocdo-intake kiosk list``: a header, and times as operators read them (UTC+7)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from thuocdo_intake.cli import main
from thuocdo_intake.kiosks import KioskRegistry
from thuocdo_shared.units import LOCAL_TZ

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
    assert lines[0] == "id\tcommune\tmode\tfield\tcreated\tstate\tname"
    rows = {line.split("\t")[0]: line.split("\t") for line in lines[1:]}
    assert rows[kept.id][1] == "05941" and rows[kept.id][5] == "active"
    assert rows[kept.id][6] == "Quầy 1" and token not in "\n".join(lines)
    created = dt.datetime.fromisoformat(rows[kept.id][4])
    assert created.utcoffset() == dt.timedelta(hours=7)
    assert abs(dt.datetime.now(LOCAL_TZ) - created) < dt.timedelta(minutes=2)
    state, _, when = rows[gone.id][5].partition(" ")
    assert state == "revoked" and when.endswith("+07:00")
