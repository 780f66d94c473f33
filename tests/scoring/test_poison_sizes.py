"""Poison that is large: its DLQ copy must still fit the broker, so the partition
moves on (real broker, the consumer loop in this process)."""

from __future__ import annotations

import base64
import json
import time
import uuid
from pathlib import Path

import pytest
from thuocdo_scoring.consumer import MAX_DLQ_VALUE_BYTES, ScoringConsumer
from thuocdo_scoring.settings import Settings
from thuocdo_shared.config import KafkaSettings
from thuocdo_shared.kafka import make_consumer, make_producer

pytestmark = pytest.mark.integration


def response() -> bytes:
    """One valid ``survey.response/1`` value for commune 05953."""
    return (
        b'{"schema": "survey.response/1", "data": {"id": "%s", "kiosk_id": "k1",'
        b' "submitted_at": "2025-06-30T10:00:00+07:00", "commune_code": "05953",'
        b' "field": "ho_tich", "overall": 4}}' % str(uuid.uuid4()).encode()
    )


def test_a_900_kb_poison_is_dead_lettered_truncated_and_the_partition_moves_on(
    kafka_settings: KafkaSettings, group_id: str, tmp_path: Path
) -> None:
    poison = b"{" + b"x" * 900_000  # not JSON; its base64 (1.2 MB) exceeds 1 MiB
    producer = make_producer(kafka_settings)
    try:
        for value in (poison, response()):
            producer.send(kafka_settings.responses_topic, key=b"05953", value=value).get(30)
    finally:
        producer.close(timeout=10)

    settings = Settings(
        kafka=kafka_settings, db_path=tmp_path / "s.sqlite3", group_id=group_id, classify=False
    )
    loop = ScoringConsumer(settings)
    try:
        deadline = time.monotonic() + 30
        while loop.store.response_count() < 1 and time.monotonic() < deadline:
            loop.step(timeout_ms=500)  # a failed DLQ send raised here before the fix
        assert loop.store.response_count() == 1
        # The heartbeat counts the dead letter and says nothing is left to count.
        assert loop.store.consumer_state() is None
        loop.heartbeat(force=True)
        state = loop.store.consumer_state()
        assert state is not None and (state.dead_lettered, state.lag) == (1, 0)
        loop.heartbeat(force=True)  # the count is a running total, not re-added
        assert loop.store.consumer_state().dead_lettered == 1  # type: ignore[union-attr]
    finally:
        loop.close()

    dlq = make_consumer(
        kafka_settings, None, [kafka_settings.dlq_topic], consumer_timeout_ms=10_000
    )
    try:
        dead = [json.loads(m.value)["data"] for m in dlq]
    finally:
        dlq.close()
    assert len(dead) == 1
    assert dead[0]["reason"].startswith("value is not UTF-8 JSON")
    assert (dead[0]["value_truncated"], dead[0]["value_size"]) == (True, len(poison))
    assert base64.b64decode(dead[0]["value_b64"]) == poison[:MAX_DLQ_VALUE_BYTES]
