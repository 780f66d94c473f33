"""Helpers for intake's end-to-end tests: enrol kiosks with the real CLI, build
responses, read the responses topic."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import uuid
from pathlib import Path
from typing import Any

from thuocdo_shared.config import KafkaSettings
from thuocdo_shared.units import LOCAL_TZ

from tests.support.servers import BIN, ServiceProcess

# Fast outage detection (the default is 2 s), and a rate limit that only the rate
# limit test lowers.
FAST = {
    "THUOCDO_INTAKE_PUBLISH_TIMEOUT": "1",
    "THUOCDO_INTAKE_RATE_PER_MINUTE": "100000",
    "THUOCDO_INTAKE_RATE_BURST": "1000",
}


def intake_env(settings: KafkaSettings, data_dir: Path, **extra: str) -> dict[str, str]:
    return {
        **settings.to_env(),
        "THUOCDO_DATA_DIR": str(data_dir),
        **FAST,
        **extra,
    }


def intake(settings: KafkaSettings, data_dir: Path, **extra: Any) -> ServiceProcess:
    port = extra.pop("port", None)
    return ServiceProcess(
        "intake", env=intake_env(settings, data_dir, **extra), port=port, log_dir=data_dir
    )


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``thuocdo-intake <args>`` against ``data_dir``."""
    env = {**os.environ, "THUOCDO_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [str(BIN / "thuocdo-intake"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def enrol(
    data_dir: Path, commune: str = "05941", name: str = "Quầy 1", *more: str
) -> dict[str, str]:
    """Enrol a kiosk with the CLI; returns {"id", "token", "enrolment_url"}."""
    done = cli(data_dir, "kiosk", "add", "--commune", commune, "--name", name, "--json", *more)
    assert done.returncode == 0, done.stderr
    result: dict[str, str] = json.loads(done.stdout)
    return result


def body(kiosk: dict[str, str], commune: str = "05941", **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "submitted_at": dt.datetime.now(dt.UTC).astimezone(LOCAL_TZ).isoformat(timespec="seconds"),
        "kiosk_id": kiosk["id"],
        "commune_code": commune,
        "field": "ho_tich",
        "overall": 4,
        "issues": ["waiting_time"],
        "comment": "Cán bộ hướng dẫn tận tình, nhưng phải chờ hơi lâu.",
    }
    data.update(over)
    return data


def auth(kiosk: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {kiosk['token']}"}
