"""Fixtures shared by every test folder.

Kafka: one real broker per test session (per pytest-xdist worker: ``make test``
runs two), found in this order:
1. ``KAFKA_BOOTSTRAP_SERVERS`` if set (``.ci/run`` starts one; the workers share it);
2. testcontainers' ``KafkaContainer`` when a Docker engine answers a ping;
3. the local broker from Maven Central jars (``scripts/kafka-local``).
When none works the integration tests fail under ``CI=true`` and skip elsewhere.
Each test gets its own topic names and group ids, so tests never see each
other's events.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
import uuid
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest
from thuocdo_shared.config import KafkaSettings
from thuocdo_shared.kafka import ensure_topics

from tests.support import servers
from tests.support.kafka_local import LocalKafka, free_port

REPO_ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() == "true"


def _no_broker(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI=true and no Kafka broker could be started: {reason}", pytrace=False)
    pytest.skip(f"no Kafka broker: {reason}")


def _docker_answers() -> bool:
    """True only if a Docker *engine* answers; the CLI alone exists on machines
    without one."""
    try:
        import docker

        client = docker.from_env(timeout=3)
        return bool(client.ping())
    except Exception:
        return False


def _wait_for_broker(bootstrap: str, timeout: float = 30.0) -> None:
    from kafka import KafkaAdminClient

    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
            admin.list_topics()
            admin.close()
            return
        except Exception as exc:  # the broker may still be starting
            last = exc
            time.sleep(0.5)
    raise RuntimeError(f"Kafka at {bootstrap} does not answer: {last}")


class Broker(Protocol):
    """A broker a test may stop and start again (outage and fault tests)."""

    bootstrap: str

    def stop(self) -> None: ...
    def start(self) -> None: ...
    def kill(self) -> None: ...


class _ContainerBroker:
    """testcontainers broker; "stop" pauses the container so its port stays mapped."""

    def __init__(self) -> None:
        from testcontainers.community.kafka import KafkaContainer

        self._container = KafkaContainer().with_kraft()
        self._container.start()
        self.bootstrap: str = self._container.get_bootstrap_server()

    def stop(self) -> None:
        self._container.get_wrapped_container().pause()

    kill = stop

    def start(self) -> None:
        self._container.get_wrapped_container().unpause()

    def close(self) -> None:
        self._container.stop()


class _LocalBroker:
    def __init__(self, tmp: Path) -> None:
        self._kafka = LocalKafka(free_port(), state_dir=tmp)
        self._kafka.start()
        self.bootstrap = self._kafka.bootstrap

    def stop(self) -> None:
        self._kafka.stop()

    def kill(self) -> None:
        self._kafka.kill()

    def start(self) -> None:
        self._kafka.start()

    def close(self) -> None:
        self._kafka.stop()


def _own_broker(tmp: Path) -> Any:
    if _docker_answers():
        return _ContainerBroker()
    if shutil.which("java") is None:
        raise RuntimeError("no Docker engine and no java on PATH for the local broker")
    return _LocalBroker(tmp)


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``host:port`` of a real Kafka broker shared by the session."""
    configured = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "").strip()
    if configured:
        try:
            _wait_for_broker(configured)
        except RuntimeError as exc:
            _no_broker(str(exc))
        yield configured
        return
    try:
        broker = _own_broker(tmp_path_factory.mktemp("kafka-session"))
    except Exception as exc:
        _no_broker(f"{type(exc).__name__}: {exc}")
        return
    try:
        yield broker.bootstrap
    finally:
        broker.close()


def own_broker(tmp: Path) -> Iterator[Broker]:
    """Body of a fixture that yields a broker of its own, closed afterwards (a
    module-scoped fixture may ``yield from`` it too: tests/faults/conftest.py)."""
    try:
        broker = _own_broker(tmp)
    except Exception as exc:
        _no_broker(f"{type(exc).__name__}: {exc}")
        return
    try:
        yield broker
    finally:
        with contextlib.suppress(Exception):
            broker.close()


@pytest.fixture
def controllable_kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    """A broker of this test's own that it may stop, kill and start again."""
    yield from own_broker(tmp_path_factory.mktemp("kafka-own"))


def make_topic_settings(bootstrap: str, tag: str) -> KafkaSettings:
    """Settings whose topics carry a unique prefix, created on the broker."""
    settings = KafkaSettings(bootstrap_servers=bootstrap, partitions=3).with_prefix(
        f"t{uuid.uuid4().hex[:10]}-{tag[:30]}"
    )
    ensure_topics(settings)
    return settings


@pytest.fixture
def kafka_settings(kafka_bootstrap: str, request: pytest.FixtureRequest) -> KafkaSettings:
    """Settings pointing at the session broker with topics unique to this test."""
    tag = "".join(c if c.isalnum() else "-" for c in request.node.name)
    return make_topic_settings(kafka_bootstrap, tag)


@pytest.fixture
def group_id() -> str:
    return f"g-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def output_dir(request: pytest.FixtureRequest) -> Path:
    """``test-output/<test name>/`` for screenshots and logs a person may look at."""
    name = "".join(c if c.isalnum() or c in "-_" else "_" for c in request.node.name)
    path = REPO_ROOT / "test-output" / name
    path.mkdir(parents=True, exist_ok=True)
    return path


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium driven by Playwright (never a downloaded browser). Fails
    under CI=true when chromium is missing, skips elsewhere."""
    executable = shutil.which("chromium")
    if executable is None:
        if IN_CI:
            pytest.fail("CI=true and no chromium on PATH (apt-get install chromium)")
        pytest.skip("no chromium on PATH")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    """A failing test's report carries the log tails of the services it started
    (and of those still running from module or session fixtures)."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for proc in servers.STARTED:
            report.sections.append(
                (f"log of {proc.service} {' '.join(proc.command)} :{proc.port}", proc.tail(60))
            )
    if call.when == "teardown":
        servers.STARTED[:] = [
            p for p in servers.STARTED if p.proc is not None and p.proc.poll() is None
        ]
