"""scripts/run-env.sh: `make up` keeps the settings it ran with in .run/env, a later
`make up` from a shell that sets none runs with the same, and a broker other than the
one the store was filled from is refused (helper-67: a plain `make up` after
`KAFKA_PORT=39092 make up` started a second, empty broker and moved the services)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "run-env.sh"
KEPT = (
    "KAFKA_PORT",
    "KAFKA_CONTROLLER_PORT",
    "KAFKA_STATE_DIR",
    "THUOCDO_DATA_DIR",
    "THUOCDO_INTAKE_PORT",
    "THUOCDO_SCORING_PORT",
    "THUOCDO_DASHBOARD_PORT",
    "KAFKA_BOOTSTRAP_SERVERS",
    "THUOCDO_INTAKE_URL",
    "THUOCDO_SCORING_URL",
)


def bash(run: Path, script: str, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in KEPT}
    done = subprocess.run(
        [
            "bash",
            "-c",
            f'set -euo pipefail; RUN="$1"; . "$2"; {script}',
            "-",
            str(run),
            str(SCRIPT),
        ],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return done.stdout


def test_a_later_make_up_runs_with_the_settings_kept(tmp_path: Path) -> None:
    data = tmp_path / "data dir"  # a space: the file quotes what it keeps
    bash(
        tmp_path,
        "write_settings",
        KAFKA_PORT="39092",
        THUOCDO_DATA_DIR=str(data),
        THUOCDO_INTAKE_PORT="38001",
        THUOCDO_INTAKE_URL="http://127.0.0.1:38001",
    )
    kept = (tmp_path / "env").read_text()
    assert "export KAFKA_PORT=39092\n" in kept and "THUOCDO_SCORING_PORT" not in kept
    # A new shell that sets nothing gets them; one that sets a port keeps its own.
    shown = (
        'keep_settings; echo "$KAFKA_PORT|$THUOCDO_DATA_DIR|$THUOCDO_INTAKE_PORT'
        '|${THUOCDO_SCORING_PORT-}"'
    )
    assert bash(tmp_path, shown) == f"39092|{data}|38001|\n"
    assert bash(tmp_path, shown, THUOCDO_INTAKE_PORT="48001") == f"39092|{data}|48001|\n"
    # `. .run/env` gives a shell the same, for the command-line tools.
    sourced = bash(tmp_path, f'. "{tmp_path}/env"; echo "$THUOCDO_INTAKE_URL|$THUOCDO_DATA_DIR"')
    assert sourced == f"http://127.0.0.1:38001|{data}\n"


def test_another_broker_than_the_stores_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    bash(tmp_path, "write_settings", KAFKA_PORT="39092", THUOCDO_DATA_DIR=str(data))
    check = "moved_broker"
    # No store yet: any broker will do.
    assert bash(tmp_path, check, KAFKA_PORT="9092", THUOCDO_DATA_DIR=str(data)) == ""
    (data / "scoring.sqlite3").write_bytes(b"")
    assert bash(tmp_path, check, KAFKA_PORT="39092", THUOCDO_DATA_DIR=str(data)) == ""
    said = bash(tmp_path, check, KAFKA_PORT="9092", THUOCDO_DATA_DIR=str(data))
    assert said.startswith(
        f"KAFKA_PORT is 9092, but the store in {data} was filled from the broker on 39092"
    ), said
    moved = bash(
        tmp_path,
        check,
        KAFKA_PORT="39092",
        KAFKA_STATE_DIR="/elsewhere",
        THUOCDO_DATA_DIR=str(data),
    )
    assert moved.startswith("KAFKA_STATE_DIR is '/elsewhere'"), moved


def test_a_shell_that_read_run_env_gets_addresses_of_the_new_ports(tmp_path: Path) -> None:
    """`. .run/env` exports the addresses that follow from the ports; a later `make up`
    on other ports from that shell kept them, pointing at the old broker (helper-70)."""
    bash(
        tmp_path,
        "write_settings",
        KAFKA_PORT="59092",
        KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:59092",
        THUOCDO_INTAKE_URL="http://127.0.0.1:58001",
    )
    shown = 'keep_settings; echo "${KAFKA_BOOTSTRAP_SERVERS-none}|${THUOCDO_INTAKE_URL-none}"'
    sourced = {
        "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:59092",
        "THUOCDO_INTAKE_URL": "http://127.0.0.1:58001",
    }
    assert bash(tmp_path, shown, **sourced) == "none|none\n"
    # Set by hand to something else: kept.
    own = {"KAFKA_BOOTSTRAP_SERVERS": "kafka.example:9092"}
    assert bash(tmp_path, shown, **own) == "kafka.example:9092|none\n"


def test_the_port_an_older_make_up_kept_is_taken_over(tmp_path: Path) -> None:
    """An older `make up` kept only .run/kafka-port; after an upgrade a plain `make up`
    started a broker on 9092 against a store filled from the kept port (helper-70)."""
    (tmp_path / "kafka-port").write_text("59092\n")
    assert bash(tmp_path, 'migrate_settings; keep_settings; echo "$KAFKA_PORT"') == "59092\n"
    assert not (tmp_path / "kafka-port").exists()
    assert (tmp_path / "env").read_text() == "export KAFKA_PORT=59092\n"
