"""Fault suite: kiosks keep sending through intake while, in turn, the broker stops,
scoring's consumer is SIGKILLed, intake's workers are SIGKILLed, and the disk under
intake's spool fills. After each, every response intake acknowledged (accepted,
queued or duplicate) is in scoring's store exactly once, with the content the
kiosk sent; answers of 503/507 leave the response with the kiosk, which sends it
again later, so after the fault every response ends up acknowledged and stored.

Each scenario prints: sent, acknowledged, stored, lost, duplicated.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from thuocdo_shared.config import KafkaSettings

from tests.conftest import IN_CI, Broker, make_topic_settings
from tests.faults.load import Figures, Fleet, Pipeline, account

pytestmark = [pytest.mark.faults, pytest.mark.timeout(240)]


def _check(figures: Figures, fleet: Fleet) -> None:
    assert figures.lost == 0, figures
    assert figures.duplicated == 0, figures
    # The kiosks' queues emptied: what intake refused during the fault was sent
    # again and acknowledged afterwards.
    assert fleet.pending == 0 and figures.not_acknowledged == 0, figures
    assert figures.stored == figures.sent, figures


def _workers(master: int) -> list[int]:
    """gunicorn worker pids (children of the master)."""
    path = Path(f"/proc/{master}/task/{master}/children")
    return [int(p) for p in path.read_text().split()]


def _wait_progress(pipeline: Pipeline, timeout: float = 20.0) -> None:
    before = sum(pipeline.stored_ids().values())
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum(pipeline.stored_ids().values()) > before:
            return
        time.sleep(0.1)
    raise AssertionError(f"scoring made no progress:\n{pipeline.consumer.tail()}")


@contextlib.contextmanager
def running(pipeline: Pipeline, fleet: Fleet) -> Iterator[None]:
    try:
        fleet.start()
        yield
    finally:
        fleet.stop()
        pipeline.stop()


def test_broker_stopped_and_restarted(own_kafka: Broker, tmp_path: Path) -> None:
    settings = make_topic_settings(own_kafka.bootstrap, "faults-broker")
    pipeline = Pipeline(settings, tmp_path)
    fleet = Fleet(pipeline.intake.url, pipeline.intake_dir)
    pipeline.start()
    with running(pipeline, fleet):
        time.sleep(2)
        outage = time.monotonic()
        own_kafka.stop()
        time.sleep(4)
        own_kafka.start()
        print(f"[faults] broker down for {time.monotonic() - outage:.1f} s")
        time.sleep(2)
        fleet.drain(timeout=40)
        figures = account("broker stopped and restarted", fleet, pipeline)
    assert fleet.statuses["queued"] > 0, "the outage was not felt"
    _check(figures, fleet)


def test_scoring_consumer_sigkilled(kafka_settings: KafkaSettings, tmp_path: Path) -> None:
    pipeline = Pipeline(kafka_settings, tmp_path)
    fleet = Fleet(pipeline.intake.url, pipeline.intake_dir)
    pipeline.start()
    kills = 0
    with running(pipeline, fleet):
        for _ in range(3):
            _wait_progress(pipeline)
            time.sleep(0.5)
            pipeline.consumer.kill()
            kills += 1
            time.sleep(0.5)
            pipeline.consumer = pipeline.new_consumer().start()
        time.sleep(1)
        fleet.drain(timeout=30)
        figures = account(f"scoring consumer SIGKILLed x{kills}", fleet, pipeline)
    _check(figures, fleet)


def test_intake_worker_and_group_sigkilled(kafka_settings: KafkaSettings, tmp_path: Path) -> None:
    pipeline = Pipeline(kafka_settings, tmp_path)
    fleet = Fleet(pipeline.intake.url, pipeline.intake_dir)
    pipeline.start()
    with running(pipeline, fleet):
        time.sleep(2)
        assert pipeline.intake.proc is not None
        workers = _workers(pipeline.intake.proc.pid)
        assert len(workers) == 2, workers
        os.kill(workers[0], signal.SIGKILL)  # gunicorn's master forks a new one
        time.sleep(2)
        assert workers[0] not in _workers(pipeline.intake.proc.pid)
        pipeline.intake.kill()  # the whole group: master and workers
        time.sleep(1)
        pipeline.intake = pipeline.new_intake().start()
        time.sleep(2)
        fleet.drain(timeout=30)
        figures = account("intake worker, then whole group, SIGKILLed", fleet, pipeline)
    assert any(k.startswith("error:") for k in fleet.statuses), fleet.statuses
    _check(figures, fleet)


# -- disk full ------------------------------------------------------------------


@contextlib.contextmanager
def small_filesystem(path: Path, size: str = "16m") -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``path`` (root only; CI runs as root).

    Not smaller: SQLite's WAL grows to ~4 MB (1000 pages) before it checkpoints, so
    on a 4 MB disk the spool stays full even after the filler is gone (tried)."""
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        reason = f"cannot mount a small tmpfs: {done.stderr.strip()}"
        if IN_CI:
            pytest.fail(f"CI=true: {reason}", pytrace=False)
        pytest.skip(reason)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(directory: Path) -> Path:
    """Write a file until the filesystem is full; returns it (delete it to free)."""
    filler = directory / "filler"
    chunk = b"\0" * 65536
    with filler.open("wb", buffering=0) as fh:
        while True:
            try:
                fh.write(chunk)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
                if len(chunk) == 1:
                    break
                chunk = chunk[: len(chunk) // 2]
    return filler


def test_disk_under_the_spool_fills(own_kafka: Broker, tmp_path: Path) -> None:
    settings = make_topic_settings(own_kafka.bootstrap, "faults-disk")
    with small_filesystem(tmp_path / "spool-fs") as disk:
        pipeline = Pipeline(settings, tmp_path, intake_dir=disk)
        fleet = Fleet(pipeline.intake.url, pipeline.intake_dir)
        pipeline.start()
        with running(pipeline, fleet):
            time.sleep(3)
            filler = fill(disk)
            time.sleep(2)  # broker up, disk full
            own_kafka.stop()
            time.sleep(4)  # broker down, disk full: neither publish nor spool
            refused_while_full = sum(fleet.statuses[c] for c in ("503", "507"))
            filler.unlink()
            time.sleep(3)  # broker down, disk free: spooled
            own_kafka.start()
            time.sleep(3)
            fleet.drain(timeout=40)
            figures = account("disk under intake's spool full", fleet, pipeline)
    assert refused_while_full > 0, fleet.statuses
    assert fleet.statuses["queued"] > 0, fleet.statuses
    _check(figures, fleet)
