"""Real service processes for end-to-end, browser and fault tests: each service's
own console script (``thuocdo-<name> serve`` → gunicorn) on a free loopback port."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tests.support.kafka_local import REPO_ROOT, free_port

BIN = Path(sys.executable).parent

# Every process started by the current test or still running from a fixture;
# conftest prints their log tails in the report of a test that fails, so a CI
# failure shows what the services themselves said.
STARTED: list[ServiceProcess] = []


class ServiceProcess:
    """``thuocdo-<service> <command>`` as a child process in its own process group.

    ``env`` is added to the current environment. For ``serve`` the port is chosen
    free on 127.0.0.1 unless given; :meth:`start` waits for ``/healthz``.
    """

    def __init__(
        self,
        service: str,
        env: Mapping[str, str] | None = None,
        command: tuple[str, ...] = ("serve",),
        port: int | None = None,
        log_dir: Path | None = None,
        workers: int = 2,
    ) -> None:
        self.service = service
        self.command = command
        self.port = port or free_port()
        self.workers = workers
        self.env = dict(env or {})
        self.log_path = (log_dir or REPO_ROOT / "test-output" / "logs") / (
            f"{service}-{'-'.join(command)}-{self.port}.log"
        )
        self.proc: subprocess.Popen[bytes] | None = None
        # Each started server gets its own directory for gunicorn's metric files
        # (tests pick a new port every time; serve's per-port default would pile up).
        self.metrics_dir: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> ServiceProcess:
        env = {**os.environ, **self.env}
        if self.command[0] == "serve" and "PROMETHEUS_MULTIPROC_DIR" not in self.env:
            self._remove_metrics()
            self.metrics_dir = Path(tempfile.mkdtemp(prefix="thuocdo-test-metrics-"))
            env["PROMETHEUS_MULTIPROC_DIR"] = str(self.metrics_dir)
        args = [str(BIN / f"thuocdo-{self.service}"), *self.command]
        if self.command[0] == "serve":
            args += [
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
            ]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            args,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=REPO_ROOT,
        )
        STARTED.append(self)
        if self.command[0] == "serve":
            self.wait_healthy(timeout)
        return self

    def wait_healthy(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.service} exited early:\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.service} not healthy after {timeout}s:\n{self.tail()}")

    def tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text[-lines:])

    def signal(self, sig: int) -> None:
        """Send ``sig`` to the whole process group (gunicorn master and workers)."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)

    def kill(self) -> None:
        """SIGKILL everything, as a crash would."""
        self.signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(timeout=10)
        self._remove_metrics()

    def stop(self, timeout: float = 15.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            self._remove_metrics()
            return
        self.signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        self._remove_metrics()

    def _remove_metrics(self) -> None:
        if self.metrics_dir is not None:
            shutil.rmtree(self.metrics_dir, ignore_errors=True)
            self.metrics_dir = None

    def __enter__(self) -> ServiceProcess:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def start_together(
    procs: Iterable[ServiceProcess], *jobs: Callable[[], Any], timeout: float = 30.0
) -> list[Any]:
    """Start every process and run every job (CLI set-up such as adding a user) at
    the same time, and wait for all; returns the jobs' results in order. If any
    fails, every process is stopped and the first error raised, so a caller's
    set-up never leaves services running."""
    procs = list(procs)
    try:
        # Leaving the pool waits for every start: a process still being spawned when
        # another failed is stopped below too, not left behind.
        with ThreadPoolExecutor(max_workers=len(procs) + len(jobs) or 1) as pool:
            starts = [pool.submit(p.start, timeout) for p in procs]
            done = [pool.submit(job) for job in jobs]
        for future in starts:
            future.result()
        return [future.result() for future in done]
    except BaseException:
        for p in procs:
            p.stop()
        raise
