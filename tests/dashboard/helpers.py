"""Helpers for the dashboard's end-to-end tests: accounts through the real CLI,
logins over real HTTP, service environments."""

from __future__ import annotations

import os
import re
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from thuocdo_shared.config import KafkaSettings
from werkzeug.serving import make_server

from tests.support.servers import BIN, ServiceProcess

PASSWORD = "mật-khẩu-thử-nghiệm-2025"
SCORING_TOKEN = "token-for-tests-only"


def dashboard_cli(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run ``thuocdo-dashboard <args>`` with ``data_dir`` as THUOCDO_DATA_DIR."""
    return subprocess.run(
        [str(BIN / "thuocdo-dashboard"), *args],
        env={**os.environ, "THUOCDO_DATA_DIR": str(data_dir)},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def add_user(
    data_dir: Path, name: str, role: str, unit: str | None, password: str = PASSWORD
) -> str:
    """``thuocdo-dashboard user add`` (an admin has no unit)."""
    unit_args = ["--unit", unit] if unit else []
    done = dashboard_cli(
        data_dir,
        "user",
        "add",
        "--name",
        name,
        "--role",
        role,
        *unit_args,
        "--password-stdin",
        stdin=password + "\n",
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def dashboard(
    settings: KafkaSettings, data_dir: Path, scoring_url: str, **extra: str
) -> ServiceProcess:
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": settings.bootstrap_servers,
        "THUOCDO_TOPIC_UPDATES": settings.updates_topic,
        "THUOCDO_DATA_DIR": str(data_dir),
        "THUOCDO_SCORING_URL": scoring_url,
        "THUOCDO_SCORING_TOKEN": SCORING_TOKEN,
        "THUOCDO_DASHBOARD_SCORING_TIMEOUT": "2",
        **extra,
    }
    return ServiceProcess("dashboard", env=env, log_dir=data_dir)


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the form"
    return found[1]


def login(
    base: str, name: str, password: str = PASSWORD, headers: dict[str, str] | None = None
) -> tuple[requests.Session, requests.Response]:
    """Log in over HTTP like a browser: fetch the form, post it with its token."""
    session = requests.Session()
    if headers:
        session.headers.update(headers)
    form = session.get(f"{base}/login", timeout=10)
    resp = session.post(
        f"{base}/login",
        data={"csrf_token": csrf_token(form.text), "name": name, "password": password},
        allow_redirects=False,
        timeout=10,
    )
    return session, resp


@contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """A WSGI app served over HTTP on 127.0.0.1 in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
