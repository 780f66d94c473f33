"""scripts/background.sh, which `make up` uses to start every long-lived process."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "background.sh"


def _start(run: Path, text: str) -> None:
    subprocess.run(
        ["bash", "-c", f'. "{SCRIPT}"; start_background job sh -c "echo {text}"'],
        env={"RUN": str(run), "PATH": "/usr/bin:/bin"},
        check=True,
    )
    pid = int((run / "job.pid").read_text())
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_restart_keeps_the_log_of_the_process_before(tmp_path: Path) -> None:
    """`make up` after a crash used to overwrite the dead process's log."""
    _start(tmp_path, "first-run-died-here")
    _start(tmp_path, "second-run")
    lines = (tmp_path / "job.log").read_text().splitlines()
    marks = [i for i, line in enumerate(lines) if line.startswith("=== ")]
    assert len(marks) == 2 and all("started by" in lines[i] for i in marks)
    assert lines.index("first-run-died-here") < marks[1] < lines.index("second-run")


def test_a_log_grown_past_20_mib_is_set_aside_at_the_next_start(tmp_path: Path) -> None:
    """Logs were appended to across restarts for ever (an access line per rating and per
    page). At a start, one over 20 MiB becomes job.log.1, replacing the one before; a
    smaller one is appended to as before."""
    log = tmp_path / "job.log"
    log.write_text("small\n")
    _start(tmp_path, "kept-beside")
    assert log.read_text().startswith("small\n") and not (tmp_path / "job.log.1").exists()
    (tmp_path / "job.log.1").write_text("oldest\n")
    with log.open("ab") as f:
        f.truncate(20 * 2**20 + 1)  # (sparse: no 20 MB written)
    _start(tmp_path, "after-rotation")
    assert (tmp_path / "job.log.1").stat().st_size == 20 * 2**20 + 1  # the oldest dropped
    lines = log.read_text().splitlines()
    assert len(lines) == 2 and lines[0].startswith("=== ") and lines[1] == "after-rotation"
