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
