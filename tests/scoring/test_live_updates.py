"""Item 5: after a committed batch, ``satisfaction.updates.v1`` names the changed
units soon enough for the dashboard to refresh within about a second."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaConsumer
from kafka.structs import TopicPartition
from thuocdo_scoring.consumer import HEARTBEAT_S
from thuocdo_scoring.store import SqliteStore
from thuocdo_shared.config import KafkaSettings
from thuocdo_shared.kafka import make_consumer, make_producer, send_confirmed

from tests.support.servers import ServiceProcess

pytestmark = pytest.mark.integration


def response(when: str, code: str) -> bytes:
    data = {
        "id": str(uuid.uuid4()),
        "submitted_at": when,
        "kiosk_id": "k1",
        "commune_code": code,
        "field": "ho_tich",
        "overall": 5,
    }
    return json.dumps({"schema": "survey.response/1", "data": data}).encode()


def next_update(consumer: KafkaConsumer, timeout: float) -> dict[str, Any] | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for batch in consumer.poll(timeout_ms=100).values():
            update: dict[str, Any] = json.loads(batch[0].value)
            return update
    return None


def test_update_follows_each_committed_batch(
    kafka_settings: KafkaSettings, group_id: str, tmp_path: Path
) -> None:
    env = {
        **kafka_settings.to_env(),
        "THUOCDO_SCORING_DB": str(tmp_path / "s.sqlite3"),
        "THUOCDO_SCORING_GROUP": group_id,
        "THUOCDO_SCORING_CLASSIFY": "false",
    }
    updates = make_consumer(kafka_settings, None)
    parts = [TopicPartition(kafka_settings.updates_topic, p) for p in range(3)]
    updates.assign(parts)
    updates.seek_to_end()
    producer = make_producer(kafka_settings)
    topic = kafka_settings.responses_topic
    try:
        with ServiceProcess("scoring", env=env, command=("consume",), log_dir=tmp_path) as proc:
            # Warm-up: the first update proves the consumer is assigned and running.
            send_confirmed(producer, topic, response("2025-06-30T09:00:00+07:00", "05911"))
            first = next_update(updates, 30)
            assert first is not None, proc.tail()
            assert first["data"]["units"] == ["05911@-"]
            # Then one response after the merger: its update must come quickly.
            t0 = time.monotonic()
            value = response("2025-07-01T08:00:00+07:00", "05953")
            send_confirmed(producer, topic, value)
            second = next_update(updates, 5)
            latency = time.monotonic() - t0
            assert second is not None, proc.tail()
            assert second["schema"] == "satisfaction.update/1"
            assert second["data"]["units"] == ["05953@2025-07-01"]
            assert second["data"]["codes"] == ["05953"]
            assert second["data"]["count"] == 1
            assert second["data"]["up_to"] == "2025-07-01T08:00:00+07:00"
            assert latency < 1.5, f"update took {latency:.2f} s"
            print(f"update latency {latency * 1000:.0f} ms")
            # A redelivered response changes nothing, so it announces nothing.
            send_confirmed(producer, topic, value)
            assert next_update(updates, 2) is None
            # The running consumer beats every few seconds, with nothing left to count.
            store = SqliteStore(tmp_path / "s.sqlite3")
            deadline = time.monotonic() + 3 * HEARTBEAT_S
            while time.monotonic() < deadline:
                state = store.consumer_state()
                if state is not None and state.lag == 0:
                    break
                time.sleep(0.5)
            assert state is not None and state.lag == 0, (state, proc.tail())
            assert state.age_s(dt.datetime.now(dt.UTC)) < 2 * HEARTBEAT_S
    finally:
        producer.close()
        updates.close()
