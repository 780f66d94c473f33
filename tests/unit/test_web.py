"""Where a service's per-worker metric files go (thuocdo_shared.web.metrics_dir)."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import pytest
from thuocdo_shared.web import _can_bind, metrics_dir

pytestmark = pytest.mark.unit


def test_a_restart_reuses_the_same_directory_emptied(tmp_path: Path) -> None:
    first = metrics_dir("thuocdo_intake-8001", base=tmp_path)
    (first / "counter_123.db").write_bytes(b"counts of a dead run")
    again = metrics_dir("thuocdo_intake-8001", base=tmp_path)
    assert again == first
    assert list(again.iterdir()) == []
    # One directory per service and port, never one per start.
    metrics_dir("thuocdo_scoring-8002", base=tmp_path)
    assert sorted(p.name for p in (tmp_path / f"thuocdo-metrics-{os.getuid()}").iterdir()) == [
        "thuocdo_intake-8001",
        "thuocdo_scoring-8002",
    ]


def test_the_parent_directory_is_private(tmp_path: Path) -> None:
    metrics_dir("svc-1", base=tmp_path)
    mode = (tmp_path / f"thuocdo-metrics-{os.getuid()}").stat().st_mode
    assert stat.S_IMODE(mode) == 0o700


@pytest.mark.parametrize("taken_by", ["file", "open directory"])
def test_a_taken_path_falls_back_to_a_fresh_private_directory(
    tmp_path: Path, taken_by: str
) -> None:
    squatted = tmp_path / f"thuocdo-metrics-{os.getuid()}"
    if taken_by == "file":
        squatted.write_text("not a directory")
    else:
        squatted.mkdir(mode=0o777)
        squatted.chmod(0o777)  # others could plant files in it
    got = metrics_dir("svc-1", base=tmp_path)
    assert got.parent == tmp_path and got != squatted
    assert got.name.startswith("thuocdo-metrics-") and list(got.iterdir()) == []
    assert stat.S_IMODE(got.stat().st_mode) == 0o700


def test_a_port_in_use_cannot_be_bound() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert not _can_bind("127.0.0.1", port)
    assert _can_bind("127.0.0.1", port)
