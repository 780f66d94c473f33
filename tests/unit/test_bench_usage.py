"""The intake bench's per-request figures: CPU and context switches from /proc."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from bench.intake.run import Usage, machine_jiffies, per_request, usage

pytestmark = pytest.mark.unit


def test_per_request_divides_by_requests() -> None:
    # 2.5 s user + 0.5 s system and 23,000 switches over 1,000 requests.
    got = per_request(Usage(2.5, 0.5, 23_000), 1_000)
    assert got == {
        "cpu_ms_per_request": 3.0,
        "user_ms_per_request": 2.5,
        "system_ms_per_request": 0.5,
        "switches_per_request": 23.0,
    }
    # No request at all divides by one instead of failing.
    assert per_request(Usage(0.002, 0.0, 5), 0)["cpu_ms_per_request"] == 2.0


def test_usage_arithmetic() -> None:
    a, b = Usage(1.0, 0.25, 10), Usage(0.5, 0.125, 4)
    assert a - b == Usage(0.5, 0.125, 6)
    assert a + b == Usage(1.5, 0.375, 14)


WORKER = """
import sys, time
print("ready", flush=True)
sys.stdin.readline()
deadline = time.process_time() + 0.3
while time.process_time() < deadline:  # burn CPU
    pass
for _ in range(20):  # each sleep gives the CPU up: a voluntary context switch
    time.sleep(0.001)
print("done", flush=True)
sys.stdin.read()  # alive (and counted) until the test has read its usage
"""


def test_usage_of_a_process_group_grows_with_work() -> None:
    """Measured on a process group of its own: the test's own group (pytest's workers
    and whatever they started) lost a process between the two readings in CI, and its
    counts with it (switches -1292)."""
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert worker.stdin is not None and worker.stdout is not None
    try:
        assert worker.stdout.readline().strip() == "ready"
        before = usage(worker.pid)  # its session's group: the worker alone
        worker.stdin.write("go\n")
        worker.stdin.flush()
        assert worker.stdout.readline().strip() == "done"
        spent = usage(worker.pid) - before
    finally:
        worker.stdin.close()
        worker.wait(timeout=10)
    assert spent.user + spent.system >= 0.25
    assert spent.switches >= 20


def test_machine_jiffies_count_busy_time_within_all_time() -> None:
    busy0, total0 = machine_jiffies()
    deadline = time.process_time() + 0.2
    while time.process_time() < deadline:  # burn CPU: the machine is busy meanwhile
        pass
    busy1, total1 = machine_jiffies()
    assert 0 <= busy0 <= total0
    assert busy1 - busy0 >= 10  # 0.2 s of this process alone is 20 ticks at 100 Hz
    assert total1 - total0 >= busy1 - busy0
