"""Python handle on the local, Docker-free Kafka broker managed by ``scripts/kafka-local``.

Why a wrapper and not a second implementation: the bash script is the single source of truth
for how a broker is configured, formatted, started and stopped (developers use it by hand, CI
uses it, tests use it). This module only chooses ports/state directories and turns the script's
exit codes into Python exceptions, so pytest fixtures and fault tests (which SIGKILL brokers)
behave exactly like a human running the script.
"""

from __future__ import annotations

import os
import pathlib
import random
import socket
import subprocess

REPO_ROOT: pathlib.Path = pathlib.Path(__file__).resolve().parents[2]
"""Repository root (this file lives in ``<repo>/tests/support/``)."""

_HOST = "127.0.0.1"  # the only address anything is ever bound to or advertised on


class LocalKafka:
    """A single-node KRaft broker on ``127.0.0.1:<port>`` with its own state directory.

    The controller listens on ``port + 1``. Data lives in ``state_dir`` (default
    ``<repo>/.kafka/state-<port>``) and survives :meth:`stop` and :meth:`kill`, so a restart
    recovers the same cluster, topics and messages; that is what crash tests rely on.
    """

    def __init__(
        self,
        port: int,
        state_dir: pathlib.Path | None = None,
        repo_root: pathlib.Path = REPO_ROOT,
    ) -> None:
        self.port: int = port
        self.controller_port: int = port + 1
        self.repo_root: pathlib.Path = repo_root
        self.state_dir: pathlib.Path = (
            state_dir if state_dir is not None else repo_root / ".kafka" / f"state-{port}"
        )
        self.bootstrap: str = f"{_HOST}:{port}"
        self._script: pathlib.Path = repo_root / "scripts" / "kafka-local"

    def __repr__(self) -> str:
        return f"LocalKafka(bootstrap={self.bootstrap!r}, state_dir={str(self.state_dir)!r})"

    def _env(self) -> dict[str, str]:
        # Pass the configuration explicitly so a stray KAFKA_* in the caller's environment
        # cannot point two LocalKafka objects at the same port or state directory.
        env = dict(os.environ)
        env["KAFKA_PORT"] = str(self.port)
        env["KAFKA_CONTROLLER_PORT"] = str(self.controller_port)
        env["KAFKA_STATE_DIR"] = str(self.state_dir)
        return env

    def _run(self, command: str, timeout: float, extra_env: dict[str, str] | None = None) -> str:
        """Run ``scripts/kafka-local <command>``; raise RuntimeError with its output on failure."""
        env = self._env()
        if extra_env:
            env.update(extra_env)
        try:
            proc = subprocess.run(
                [str(self._script), command],
                cwd=self.repo_root,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            out = exc.output if isinstance(exc.output, str) else (exc.output or b"").decode()
            raise RuntimeError(
                f"kafka-local {command} ({self.bootstrap}) timed out after {timeout}s:\n{out}"
            ) from exc
        if proc.returncode != 0:
            raise RuntimeError(
                f"kafka-local {command} ({self.bootstrap}) failed with exit code "
                f"{proc.returncode}:\n{proc.stdout}"
            )
        return proc.stdout

    def start(self, timeout: float = 120) -> None:
        """Start the broker (fetching jars once, formatting storage once) and wait until ready.

        The script's own readiness timeout is set a little below ``timeout`` so that on a slow
        start it gets to print the tail of ``broker.log`` before we give up on it.
        """
        script_timeout = max(int(timeout) - 5, 10)
        # The very first call may also download the jars with Maven, hence the extra margin.
        self._run("start", timeout + 300, {"KAFKA_START_TIMEOUT": str(script_timeout)})

    def stop(self) -> None:
        """Graceful stop (SIGTERM, SIGKILL after 30 s). A no-op if the broker is not running."""
        self._run("stop", 60)

    def kill(self) -> None:
        """SIGKILL the broker, simulating a crash; the data directory is kept for a restart."""
        self._run("kill", 30)

    def is_running(self) -> bool:
        """True if the broker process for this state directory is alive (``status`` exit 0)."""
        proc = subprocess.run(
            [str(self._script), "status"],
            cwd=self.repo_root,
            env=self._env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=30,
            check=False,
        )
        if proc.returncode not in (0, 3):
            raise RuntimeError(f"kafka-local status ({self.bootstrap}) exited {proc.returncode}")
        return proc.returncode == 0


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((_HOST, port))
        except OSError:
            return False
        return True


def _ephemeral_range() -> tuple[int, int]:
    """The ports the kernel gives outgoing connections (Linux: 32768-60999)."""
    try:
        text = pathlib.Path("/proc/sys/net/ipv4/ip_local_port_range").read_text()
        low, high = text.split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1 whose ``port + 1`` is also free.

    The broker needs two adjacent ports (PLAINTEXT and CONTROLLER). The port is drawn
    below the kernel's ephemeral range: one the kernel had handed out (bind to port 0)
    could be taken, before the server bound it, as the source port of any outgoing
    connection on the machine (a Kafka client's, a browser's), and gunicorn then died
    with "Address already in use" (a red CI run). ``kafka-local start`` and the
    services still refuse a port that turns out to be taken.
    """
    low, high = _ephemeral_range()
    pool = range(10_000, low - 1) if low > 11_000 else range(high + 1, 65_534)
    for _ in range(200):
        port = random.choice(pool)
        if _port_is_free(port) and _port_is_free(port + 1):
            return port
    raise RuntimeError("could not find two adjacent free TCP ports on 127.0.0.1")
