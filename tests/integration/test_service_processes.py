"""The test harness's own promise: a fixture whose set-up fails leaves no service
running (tests.support.servers.start_together)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.servers import ServiceProcess, start_together

pytestmark = pytest.mark.integration


def test_one_failed_start_stops_the_others(tmp_path: Path) -> None:
    env = {"THUOCDO_SCORING_DB": str(tmp_path / "scoring.sqlite3")}
    good = ServiceProcess("scoring", env=env, log_dir=tmp_path)
    # Settings refuse this value, so the service exits at start.
    bad = ServiceProcess(
        "scoring", env={**env, "THUOCDO_SCORING_SMALL_SAMPLE": "many"}, log_dir=tmp_path
    )
    # The bad one first: it fails while the good one is still starting, and the good
    # one must be stopped all the same once it is up.
    with pytest.raises(RuntimeError, match="exited early"):
        start_together([bad, good], timeout=60.0)
    assert good.proc is not None and good.proc.poll() is not None  # stopped, not left running
    assert good.metrics_dir is None  # and its metric files removed
    assert "THUOCDO_SCORING_SMALL_SAMPLE" in bad.tail()


def test_results_of_the_jobs_come_back_in_order(tmp_path: Path) -> None:
    env = {"THUOCDO_SCORING_DB": str(tmp_path / "scoring.sqlite3")}
    service = ServiceProcess("scoring", env=env, log_dir=tmp_path)
    try:
        got = start_together([service], lambda: 1, lambda: "two", timeout=60.0)
        assert got == [1, "two"]
        assert service.proc is not None and service.proc.poll() is None  # running
    finally:
        service.stop()
