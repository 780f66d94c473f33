"""What the end-to-end benchmarks share: a broker, a dashboard account and an HTTP
login, and a percentile. Plain module: ``from bench.stack import ...`` with the
repository root on ``sys.path``."""

from __future__ import annotations

import math
import os
import re
import subprocess
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import requests
from thuocdo_shared.config import KafkaSettings
from thuocdo_shared.kafka import ensure_topics

from tests.support.kafka_local import LocalKafka, free_port
from tests.support.servers import BIN, ServiceProcess, start_together

PASSWORD = "mật-khẩu-đo-hiệu-năng-2025"  # noqa: S105 - a throwaway bench account
TOKEN = "bench-scoring-token"  # noqa: S105 - a throwaway service token


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of ``values`` (``q`` in 0..1); NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    # The smallest value with at least q of all at or below it: rank ceil(q * n).
    # (The epsilon keeps 0.07 * 100 = 7.000000000000001 at rank 7.)
    rank = math.ceil(q * len(ordered) - 1e-9)
    return ordered[min(len(ordered) - 1, max(0, rank - 1))]


@contextmanager
def broker(state_dir: Path) -> Iterator[str]:
    """``KAFKA_BOOTSTRAP_SERVERS`` when set, else a local broker on a free port
    (stopped on exit). Yields the bootstrap address."""
    given = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "").strip()
    if given:
        yield given
        return
    local = LocalKafka(free_port(), state_dir=state_dir)
    local.start()
    try:
        yield local.bootstrap
    finally:
        local.stop()


def add_user(data_dir: Path, name: str, role: str, unit: str) -> None:
    """``thuocdo-dashboard user add`` with :data:`PASSWORD` on standard input."""
    done = subprocess.run(
        [
            *(str(BIN / "thuocdo-dashboard"), "user", "add", "--name", name),
            *("--role", role, "--unit", unit, "--password-stdin"),
        ],
        env={**os.environ, "THUOCDO_DATA_DIR": str(data_dir)},
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"thuocdo-dashboard user add: {done.stderr}")


def login(base: str, name: str) -> requests.Session:
    """Log in like a browser: fetch the form, post it with its CSRF token."""
    session = requests.Session()
    form = session.get(f"{base}/login", timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    if not token:
        raise RuntimeError("no CSRF token on the login page")
    resp = session.post(
        f"{base}/login",
        data={"csrf_token": token[1], "name": name, "password": PASSWORD},
        allow_redirects=False,
        timeout=30,
    )
    if resp.status_code not in (302, 303):
        raise RuntimeError(f"login failed: HTTP {resp.status_code}")
    return session


def fresh_topics(bootstrap: str, name: str) -> tuple[KafkaSettings, dict[str, str]]:
    """Topics of this run only (created now) and the environment naming them."""
    settings = KafkaSettings(bootstrap_servers=bootstrap).with_prefix(
        f"bench-{name}-{uuid.uuid4().hex[:8]}"
    )
    ensure_topics(settings)
    return settings, settings.to_env()


def dashboard_process(
    kafka_env: Mapping[str, str], data_dir: Path, scoring_url: str
) -> ServiceProcess:
    """The dashboard reading ``scoring_url`` with :data:`TOKEN`; logs next to ``data_dir``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return ServiceProcess(
        "dashboard",
        env={
            **kafka_env,
            "THUOCDO_DATA_DIR": str(data_dir),
            "THUOCDO_SCORING_URL": scoring_url,
            "THUOCDO_SCORING_TOKEN": TOKEN,
            "THUOCDO_DASHBOARD_SECRET_KEY": uuid.uuid4().hex,
        },
        log_dir=data_dir.parent,
    )


def start_all(procs: Mapping[str, ServiceProcess], dashboard_dir: Path, user: str) -> None:
    """Start every process and add district user ``user`` (province 19) at the same
    time; on any failure stop them all and raise."""
    start_together(
        procs.values(), lambda: add_user(dashboard_dir, user, "district", "19"), timeout=90.0
    )
