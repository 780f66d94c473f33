"""What an operator reads in a service's log, from the real processes: the services'
own lines with their time and level, and Kafka's client not filling the log while the
broker is away (no broker is needed: the address given is one nothing listens on)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.dashboard.helpers import PASSWORD, SCORING_TOKEN, add_user, login
from tests.support.kafka_local import free_port
from tests.support.servers import ServiceProcess
from tests.support.stamps import STAMP

pytestmark = pytest.mark.integration


def kafka_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if re.match(rf"{STAMP} \w+ kafka\.", line)]


def test_dashboard_logs_logins_with_their_time_and_keeps_kafka_quiet(tmp_path: Path) -> None:
    """gunicorn configures only its own loggers: a login's INFO line was lost, and a
    refusal reached stderr without a time, through logging's last resort."""
    add_user(tmp_path, "tinh", "district", "19")
    dash = ServiceProcess(
        "dashboard",
        env={
            "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port()}",
            "THUOCDO_DATA_DIR": str(tmp_path),
            "THUOCDO_SCORING_URL": f"http://127.0.0.1:{free_port()}",
            "THUOCDO_SCORING_TOKEN": SCORING_TOKEN,
        },
        log_dir=tmp_path,
        workers=1,
    )
    with dash:
        _, refused = login(dash.url, "tinh", "sai-mat-khau")
        _, accepted = login(dash.url, "tinh", PASSWORD)
        assert (refused.status_code, accepted.status_code) == (401, 302)
        time.sleep(8)  # the updates listener keeps trying its broker meanwhile
    text = dash.log_path.read_text()
    assert re.search(
        rf"^{STAMP} WARNING thuocdo_dashboard.auth login refused \(bad\) from 127.0.0.1$",
        text,
        re.M,
    ), text
    assert re.search(
        rf"^{STAMP} INFO thuocdo_dashboard.auth login: tinh \(district\) from 127.0.0.1$",
        text,
        re.M,
    ), text
    assert len(kafka_lines(text)) <= 6, text


def test_consumer_says_the_broker_is_away_without_filling_the_log(tmp_path: Path) -> None:
    """kafka-python logged each connection attempt five times, about six lines a
    second; the same message now comes once a minute, with a count of the others."""
    consumer = ServiceProcess(
        "scoring",
        command=("consume",),
        env={
            "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port()}",
            "THUOCDO_SCORING_DB": str(tmp_path / "scoring.sqlite3"),
            "THUOCDO_SCORING_CLASSIFY": "false",
        },
        log_dir=tmp_path,
    )
    consumer.start()
    try:
        time.sleep(10)
        assert consumer.proc is not None and consumer.proc.poll() is None, consumer.tail()
    finally:
        consumer.stop()
    lines = kafka_lines(consumer.log_path.read_text())
    assert any("ECONNREFUSED" in line for line in lines), consumer.tail()
    assert len(lines) <= 6, "\n".join(lines)
