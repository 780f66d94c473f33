"""The scoring consumer started while Kafka is away waits for it, says so once a
minute, and counts what arrives once the broker is back (real broker, real process)."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from thuocdo_shared.kafka import make_producer

from tests.conftest import make_topic_settings
from tests.scoring.test_exactly_once import generate, stored
from tests.support.servers import ServiceProcess

pytestmark = pytest.mark.integration


def _wait_for(what: str, check: Any, timeout: float, proc: ServiceProcess) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.proc is not None and proc.proc.poll() is None, proc.tail()
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"{what} not seen in {timeout:.0f} s:\n{proc.tail()}")


def test_consumer_started_without_kafka_waits_and_then_counts(
    controllable_kafka: Any, tmp_path: Path
) -> None:
    """It died after about 30 s with a 47-line traceback (KafkaTimeoutError from its
    constructor) and stayed dead when Kafka came back: under make up nothing restarts
    it, under Compose it looped on tracebacks."""
    settings = make_topic_settings(controllable_kafka.bootstrap, "waits")
    controllable_kafka.kill()
    db = tmp_path / "scoring.sqlite3"
    env = {
        **settings.to_env(),
        "THUOCDO_SCORING_DB": str(db),
        "THUOCDO_SCORING_GROUP": f"g-{uuid.uuid4().hex[:10]}",
        "THUOCDO_SCORING_CLASSIFY": "false",
    }
    consumer = ServiceProcess("scoring", env=env, command=("consume",), log_dir=tmp_path)
    consumer.start()
    try:
        _wait_for(
            "the wait for Kafka",
            lambda: "does not answer" in consumer.log_path.read_text(),
            timeout=120,
            proc=consumer,
        )
        controllable_kafka.start()
        responses = generate(5)
        producer = make_producer(settings)
        try:
            for r in responses:
                value = json.dumps({"schema": "survey.response/1", "data": r}).encode()
                producer.send(settings.responses_topic, value=value, key=r["commune_code"].encode())
            producer.flush(timeout=30)
        finally:
            producer.close()
        _wait_for("5 responses counted", lambda: stored(db) == 5, timeout=120, proc=consumer)
    finally:
        consumer.stop()
    log = consumer.log_path.read_text()
    waits = [line for line in log.splitlines() if "does not answer" in line]
    assert waits and "WARNING thuocdo_scoring.consumer Kafka at" in waits[0], log[-3000:]
    assert "Traceback" not in log
    assert f"connected to Kafka at {controllable_kafka.bootstrap}" in log
