"""Poison that is large: its DLQ copy must still fit the broker, so the partition
moves on (real broker, the consumer loop in this process)."""

from __future__ import annotations

import base64
import json
import time
import uuid
from pathlib import Path

import pytest
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient
from thuocdo_scoring.consumer import MAX_DLQ_VALUE_BYTES, ScoringConsumer
from thuocdo_scoring.settings import Settings
from thuocdo_shared.config import KafkaSettings
from thuocdo_shared.kafka import make_consumer, make_producer

from tests.support.topics import read_topic

pytestmark = pytest.mark.integration


def response() -> bytes:
    """One valid ``survey.response/1`` value for commune 05953."""
    return (
        b'{"schema": "survey.response/1", "data": {"id": "%s", "kiosk_id": "k1",'
        b' "submitted_at": "2025-06-30T10:00:00+07:00", "commune_code": "05953",'
        b' "field": "ho_tich", "overall": 4}}' % str(uuid.uuid4()).encode()
    )


def produce_and_start(
    kafka_settings: KafkaSettings, group_id: str, db: Path, records: list[tuple[bytes, bytes]]
) -> ScoringConsumer:
    """Write ``records`` (key, value) to the responses topic, then start the loop."""
    producer = make_producer(kafka_settings)
    try:
        for key, value in records:
            producer.send(kafka_settings.responses_topic, key=key, value=value).get(30)
    finally:
        producer.close(timeout=10)
    settings = Settings(kafka=kafka_settings, db_path=db, group_id=group_id, classify=False)
    return ScoringConsumer(settings)


def catch_up(loop: ScoringConsumer, responses: int = 1) -> None:
    """Step until the store holds ``responses`` responses (a step that raises fails)."""
    deadline = time.monotonic() + 30
    while loop.store.response_count() < responses and time.monotonic() < deadline:
        loop.step(timeout_ms=500)
    assert loop.store.response_count() == responses


def test_a_900_kb_poison_is_dead_lettered_truncated_and_the_partition_moves_on(
    kafka_settings: KafkaSettings, group_id: str, tmp_path: Path
) -> None:
    poison = b"{" + b"x" * 900_000  # not JSON; its base64 (1.2 MB) exceeds 1 MiB
    records = [(b"05953", poison), (b"05953", response())]
    loop = produce_and_start(kafka_settings, group_id, tmp_path / "s.sqlite3", records)
    try:
        catch_up(loop)  # a failed DLQ send raised here before the fix
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


def test_poison_whose_dlq_copy_could_not_be_sent_no_longer_stops_the_stream(
    kafka_settings: KafkaSettings, group_id: str, tmp_path: Path
) -> None:
    """Three records any producer other than intake could write, whose DLQ copies
    failed to build or send on every retry (the whole consumer stalled): errors that
    grow past 1 MiB, a lone surrogate in a key of the input, and a 550 KB key."""
    grows = response().replace(b'"overall": 4', b'"overall": 4, "issues": %s' % (
        json.dumps(["x"] * 8_000).encode()))  # fmt: skip
    surrogate = response().replace(b'"overall": 4', b'"overall": 4, "criteria": {"\\udc80": 1}')
    poison = [(b"05953", grows), (b"05953", surrogate), (b"k" * 550_000, b"{" * 400_000)]
    records = [*poison, (b"05953", response())]
    loop = produce_and_start(kafka_settings, group_id, tmp_path / "s.sqlite3", records)
    try:
        catch_up(loop)  # raised here, every time, before the fix
    finally:
        loop.close()

    dlq = read_topic(kafka_settings, 3, topic=kafka_settings.dlq_topic, timeout=20)
    dead = {base64.b64decode(json.loads(m.value)["data"]["value_b64"]): m for m in dlq}
    assert len(dlq) == 3 and set(dead) == {grows, surrogate, b"{" * 400_000}
    assert json.loads(dead[grows].value)["data"]["errors_truncated"] is True
    assert "criteria" in json.loads(dead[surrogate].value)["data"]["errors"]
    big = dead[b"{" * 400_000]
    assert big.key is None and json.loads(big.value)["data"]["key_truncated"] is True


def test_a_dlq_record_the_broker_refuses_goes_out_as_its_reason_alone(
    kafka_settings: KafkaSettings, group_id: str, tmp_path: Path
) -> None:
    """A DLQ topic whose limit is below the record (max.message.bytes 4000, a 20 KB
    poison): the broker refuses it after the send, and the batch failed on every
    retry. The reason and the place go out instead, and the stream moves on."""
    admin = KafkaAdminClient(bootstrap_servers=kafka_settings.bootstrap_servers.split(","))
    try:
        limit = {"max.message.bytes": "4000"}
        dlq = ConfigResource(ConfigResourceType.TOPIC, kafka_settings.dlq_topic, configs=limit)
        admin.alter_configs([dlq])
    finally:
        admin.close()
    poison = b"{" + b"y" * 20_000
    # The small poison behind it was aborted with it (the refusal is fatal to the
    # idempotent producer) and must still arrive, in full.
    records = [(b"05953", poison), (b"05953", b"small poison"), (b"05953", response())]
    loop = produce_and_start(kafka_settings, group_id, tmp_path / "s.sqlite3", records)
    try:
        catch_up(loop)
        loop._publish_update([])  # the replaced producer works for updates too
    finally:
        loop.close()
    got = read_topic(kafka_settings, 2, topic=kafka_settings.dlq_topic, timeout=20)
    assert len(got) == 2
    # (the bare record has no key, so it may lie in another DLQ partition)
    dead, small = sorted(got, key=lambda m: json.loads(m.value)["data"]["value_b64"] is not None)
    assert base64.b64decode(json.loads(small.value)["data"]["value_b64"]) == b"small poison"
    data = json.loads(dead.value)["data"]
    assert data["reason"].startswith("value is not UTF-8 JSON")
    assert data["reason"].endswith("(DLQ record cut: MessageSizeTooLargeError)")
    assert data["value_b64"] is None and data["offset"] == 0
    assert dict(dead.headers)["dlq.source"].decode().endswith(f"/{data['partition']}/0")
