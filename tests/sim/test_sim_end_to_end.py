"""The simulator against the real thing: intake under gunicorn, a real broker.

Kiosks are enrolled with intake's own CLI; a backfill across 2025-07-01 goes
through intake's API (old units whose code no longer exists are skipped, as no
kiosk can be bound to them) and then straight to Kafka; a short live run sends
responses stamped now. Every record read back equals what the generator made.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from thuocdo_shared.config import KafkaSettings
from thuocdo_shared.events import decode_response
from thuocdo_shared.units import local_date
from thuocdo_sim.generator import Options, generate

from tests.support.servers import ServiceProcess
from tests.support.topics import read_topic

pytestmark = pytest.mark.integration

SIM = str(Path(sys.executable).parent / "thuocdo-sim")
REFORM = dt.date(2025, 7, 1)
START, END = "2025-06-27", "2025-07-02"  # Friday .. Wednesday across the reform


def _env(kafka_settings: KafkaSettings, data_dir: Path, intake_url: str = "") -> dict[str, str]:
    return {
        **kafka_settings.to_env(),
        "THUOCDO_DATA_DIR": str(data_dir),
        "THUOCDO_INTAKE_URL": intake_url,
        "THUOCDO_INTAKE_RATE_PER_MINUTE": "100000",
        "THUOCDO_INTAKE_RATE_BURST": "1000",
    }


def _sim(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SIM, *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def intake(kafka_settings: KafkaSettings, tmp_path: Path) -> Any:
    env = _env(kafka_settings, tmp_path)
    server = ServiceProcess("intake", env=env).start()
    try:
        yield server
    finally:
        server.stop()


def test_enrol_backfill_live_through_intake_and_kafka(
    intake: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    env = _env(kafka_settings, tmp_path, intake.url)

    enrolled = _sim(env, "enrol")
    assert enrolled.returncode == 0, enrolled.stderr
    state = json.loads((tmp_path / "sim-kiosks.json").read_text(encoding="utf-8"))
    communes = Counter(k["commune_code"] for k in state["kiosks"])
    assert communes == {"05908": 3, "05917": 2, "05923": 2, "05941": 2, "05953": 2}
    assert all(k["enrolment_url"].startswith("http") for k in state["kiosks"])
    # Enrolled to accept history from their commune version's first day: intake
    # refuses a response dated before its kiosk's enrolment otherwise.
    assert {k["accepts_from"] for k in state["kiosks"]} == {REFORM.isoformat()}
    listing = subprocess.run(
        [str(Path(sys.executable).parent / "thuocdo-intake"), "kiosk", "list"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.splitlines()
    assert listing[0].split("\t")[5] == "accepts_from"
    assert {row.split("\t")[5] for row in listing[1:]} == {REFORM.isoformat()}
    assert (tmp_path / "sim-kiosks.json").stat().st_mode & 0o077 == 0
    again = _sim(env, "enrol")  # idempotent: no new kiosks
    assert again.returncode == 0
    assert len(json.loads((tmp_path / "sim-kiosks.json").read_text())["kiosks"]) == 11

    seed, scale = "11", "0.4"
    expected = list(
        generate(11, dt.date.fromisoformat(START), dt.date.fromisoformat(END), options=Options(0.4))
    )
    current_codes = {"05908", "05917", "05923", "05941", "05953"}
    # A kiosk is bound to its commune's current version (from 2025-07-01): older
    # history of the same codes would be refused (422), so the sim does not send it.
    # Later history, though dated before the kiosks were enrolled (today), goes.
    via_intake = [
        r
        for r in expected
        if r.commune_code in current_codes and local_date(r.submitted_at) >= REFORM
    ]
    skipped = len(expected) - len(via_intake)
    assert skipped > 0 and via_intake

    back = _sim(
        env,
        "--seed",
        seed,
        "backfill",
        "--from",
        START,
        "--to",
        END,
        "--scale",
        scale,
        "--via",
        "intake",
        "--no-progress",
    )
    assert back.returncode == 0, back.stdout + back.stderr
    assert f"accepted {len(via_intake)}" in back.stdout
    assert f"skipped {skipped}" in back.stdout

    # The same backfill again is all duplicates: nothing new reaches Kafka.
    twice = _sim(
        env, "--seed", seed, "backfill", "--from", START, "--to", END, "--scale", scale,
        "--via", "intake", "--no-progress",
    )  # fmt: skip
    assert twice.returncode == 0, twice.stderr
    assert f"duplicate {len(via_intake)}" in twice.stdout

    # History intake cannot take goes straight to the topic.
    direct = _sim(
        env, "--seed", seed, "backfill", "--from", START, "--to", "2025-06-30", "--scale", scale,
        "--via", "kafka", "--no-progress",
    )  # fmt: skip
    assert direct.returncode == 0, direct.stderr
    before = [r for r in expected if r.submitted_at.date() <= dt.date(2025, 6, 30)]
    assert f"accepted {len(before)}" in direct.stdout

    live = _sim(env, "live", "--rate", "8", "--duration", "3", timeout=60)
    assert live.returncode == 0, live.stderr
    assert "live: stopped" in live.stdout
    live_ok = sum(
        int(part.split()[-1])
        for part in live.stdout.rsplit(";", 1)[-1].split(",")
        if part.split()[0] in ("accepted", "queued")
    )
    assert live_ok >= 5

    records = read_topic(kafka_settings, len(via_intake) + len(before) + live_ok, timeout=60)
    got = [decode_response(r.value) for r in records]
    first: dict[str, Any] = {}
    last: dict[str, Any] = {}
    for r in got:
        first.setdefault(r.id, r)
        last[r.id] = r
    # Through intake: exactly once, kiosk id rewritten to the enrolled kiosk's.
    kiosk_ids = {k["kiosk_id"] for k in state["kiosks"]}
    for want in via_intake:
        have = first[want.id]
        assert have.kiosk_id in kiosk_ids
        assert have.commune_code == want.commune_code
        assert (have.overall, have.field, have.issues, have.comment, have.criteria) == (
            want.overall,
            want.field,
            want.issues,
            want.comment,
            want.criteria,
        )
        assert have.submitted_at == want.submitted_at
    # Before 2025-07-01 directly: the same responses, with the simulated kiosk ids.
    for want in before:
        assert last[want.id] == want
    ids = [r.id for r in got]
    # Nothing went both ways: history before 2025-07-01 went only --via kafka.
    assert len(ids) == len(set(ids))
    keys = {r.key.decode() for r in records}
    assert keys <= {r.commune_code for r in expected} | current_codes
    recent = [r for r in got if r.submitted_at > dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)]
    assert len(recent) == live_ok


def test_enrol_on_a_directory_without_intakes_kiosks_says_so_and_keeps_it_private(
    kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """Run from another directory than the running intake's, `thuocdo-sim enrol` said
    nothing and wrote a new kiosk registry there, readable by every user (helper-67).
    Intake's note now reaches the operator, once, and the file is the owner's only."""
    data = tmp_path / "elsewhere"
    env = {**_env(kafka_settings, data), "THUOCDO_INTAKE_URL": "http://127.0.0.1:9"}
    done = subprocess.run(
        ["bash", "-c", 'umask 022; exec "$0" enrol', SIM],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    notes = [line for line in done.stderr.splitlines() if line.startswith("note: no kiosk file")]
    assert len(notes) == 1, done.stderr
    assert "intake must run with the same THUOCDO_DATA_DIR" in notes[0]
    registries = list(data.glob("*kiosk*.sqlite3"))
    assert registries, sorted(p.name for p in data.iterdir())
    for path in registries:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, (path.name, oct(path.stat().st_mode))
