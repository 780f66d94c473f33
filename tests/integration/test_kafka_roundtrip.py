"""The shared producer and consumer against a real broker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from dataclasses import replace

import pytest
from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from thuocdo_shared.config import KafkaSettings
from thuocdo_shared.events import decode_response, encode_response, load_response
from thuocdo_shared.kafka import (
    KafkaPublisher,
    ensure_topics,
    make_consumer,
    make_producer,
    send_confirmed,
    topic_retention,
)

pytestmark = pytest.mark.integration


def _response(comment: str) -> dict[str, object]:
    return {
        "id": str(uuid.uuid4()),
        "submitted_at": "2025-06-30T16:59:00+07:00",
        "kiosk_id": "luong-phu-1",
        "commune_code": "05953",
        "field": "dat_dai",
        "overall": 2,
        "issues": ["waiting_time", "paperwork"],
        "comment": comment,
    }


def _read_all(settings: KafkaSettings, group_id: str, topic: str, expect: int) -> list[object]:
    consumer = make_consumer(settings, group_id, [topic], consumer_timeout_ms=1000)
    records: list[object] = []
    deadline = time.monotonic() + 30
    try:
        while len(records) < expect and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        consumer.commit()
    finally:
        consumer.close()
    return records


def test_published_response_is_read_back_unchanged(
    kafka_settings: KafkaSettings, group_id: str
) -> None:
    sent = load_response(_response("Sổ đỏ hẹn 15 ngày, 30 ngày chưa có. Đi lại nhiều lần."))
    producer = make_producer(kafka_settings)
    metadata = send_confirmed(
        producer,
        kafka_settings.responses_topic,
        encode_response(sent),
        key=sent.commune_code.encode(),
    )
    producer.close()
    assert metadata.offset >= 0

    records = _read_all(kafka_settings, group_id, kafka_settings.responses_topic, 1)
    assert len(records) == 1
    record = records[0]
    assert record.key == b"05953"  # type: ignore[attr-defined]
    assert decode_response(record.value) == sent  # type: ignore[attr-defined]


def test_same_key_lands_on_one_partition_in_order(
    kafka_settings: KafkaSettings, group_id: str
) -> None:
    publisher = KafkaPublisher(kafka_settings)
    sent = [load_response(_response(f"góp ý số {i}")) for i in range(20)]
    for response in sent:
        publisher.publish(kafka_settings.responses_topic, b"05953", encode_response(response))
    publisher.close()
    records = _read_all(kafka_settings, group_id, kafka_settings.responses_topic, 20)
    assert {r.partition for r in records} == {records[0].partition}  # type: ignore[attr-defined]
    assert [decode_response(r.value).comment for r in records] == [  # type: ignore[attr-defined]
        s.comment for s in sent
    ]


def test_committed_group_does_not_reread(kafka_settings: KafkaSettings, group_id: str) -> None:
    publisher = KafkaPublisher(kafka_settings)
    publisher.publish(
        kafka_settings.responses_topic, b"05953", encode_response(load_response(_response("một")))
    )
    assert len(_read_all(kafka_settings, group_id, kafka_settings.responses_topic, 1)) == 1
    publisher.publish(
        kafka_settings.responses_topic, b"05953", encode_response(load_response(_response("hai")))
    )
    publisher.close()
    again = _read_all(kafka_settings, group_id, kafka_settings.responses_topic, 1)
    assert [decode_response(r.value).comment for r in again] == ["hai"]  # type: ignore[attr-defined]


def test_ensure_topics_is_idempotent(kafka_settings: KafkaSettings) -> None:
    assert ensure_topics(kafka_settings) == []


def test_topics_keep_records_for_the_configured_retention_not_the_brokers_week(
    kafka_bootstrap: str,
) -> None:
    """Made with the broker's default (7 days, as a client's auto-creation or an older
    `make up` made them), the responses topic and the DLQ get the configured retention;
    the updates topic keeps the default. Before, a store rebuilt from the topic lost
    everything older than a week."""
    settings = KafkaSettings(bootstrap_servers=kafka_bootstrap).with_prefix(
        f"t{uuid.uuid4().hex[:10]}-retention"
    )
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        week = 7 * 86_400_000
        admin.create_topics([NewTopic(settings.responses_topic, 3, 1)])  # broker default
        assert ensure_topics(settings) == [settings.dlq_topic, settings.updates_topic]
        assert topic_retention(admin, settings.topics) == {
            settings.responses_topic: 365 * 86_400_000,
            settings.dlq_topic: 365 * 86_400_000,
            settings.updates_topic: week,
        }
        forever = replace(settings, retention_days=0)
        assert ensure_topics(forever) == []
        assert topic_retention(admin, settings.topics)[settings.responses_topic] == -1
    finally:
        admin.close()


def test_producer_refuses_settings_that_break_idempotence(kafka_bootstrap: str) -> None:
    with pytest.raises(ValueError, match="acks"):
        make_producer(KafkaSettings(bootstrap_servers=kafka_bootstrap), acks=1)


def test_the_topics_command_says_what_it_leaves_and_what_outlives_a_purge(
    kafka_bootstrap: str,
) -> None:
    """THUOCDO_TOPIC_PARTITIONS=6 on topics of 3, and a topic retention longer than the
    comments': the command printed "exists" and nothing more (helper-67)."""
    settings = KafkaSettings(bootstrap_servers=kafka_bootstrap).with_prefix(
        f"t{uuid.uuid4().hex[:10]}-notes"
    )

    def run(**env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "thuocdo_shared.topics"],
            env={**os.environ, **settings.to_env(), **env},
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )

    first = run()
    assert first.returncode == 0, first.stderr
    assert f"topic {settings.responses_topic}: created (3 partitions, kept 365 days)" in (
        first.stdout
    )
    assert "note:" not in first.stderr, first.stderr
    again = run(THUOCDO_TOPIC_PARTITIONS="6", THUOCDO_TOPIC_RETENTION_DAYS="400")
    assert again.returncode == 0, again.stderr
    assert f"topic {settings.responses_topic}: exists (3 partitions, kept 400 days)" in (
        again.stdout
    )
    assert (
        f"note: {settings.responses_topic} has 3 partitions, not THUOCDO_TOPIC_PARTITIONS=6"
        in again.stderr
    ), again.stderr
    assert (
        f"note: {settings.responses_topic} is kept 400 days, longer than"
        " THUOCDO_COMMENT_RETENTION_DAYS=365" in again.stderr
    ), again.stderr
    kept_with_comments = run(
        THUOCDO_TOPIC_RETENTION_DAYS="400", THUOCDO_COMMENT_RETENTION_DAYS="400"
    )
    assert "kept 400 days" in kept_with_comments.stdout
    assert "longer than" not in kept_with_comments.stderr, kept_with_comments.stderr
