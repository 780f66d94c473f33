"""A store kept while its topic was recreated (real broker): its offsets are beyond
the new partitions' ends, so the consumer reads them from the beginning and the
store's offsets come down to the real ones instead of staying stale."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from kafka.structs import TopicPartition
from thuocdo_scoring.consumer import ScoringConsumer
from thuocdo_scoring.settings import Settings
from thuocdo_scoring.store import SqliteStore
from thuocdo_shared.config import KafkaSettings
from thuocdo_shared.kafka import make_consumer, make_producer

from tests.scoring.test_poison_sizes import response

pytestmark = pytest.mark.integration


def test_offsets_beyond_the_end_are_read_again_and_overwritten(
    kafka_settings: KafkaSettings, group_id: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    topic = kafka_settings.responses_topic
    settings = Settings(
        kafka=kafka_settings, db_path=tmp_path / "s.sqlite3", group_id=group_id, classify=False
    )
    producer = make_producer(kafka_settings)
    try:
        for i in range(6):
            producer.send(topic, key=f"k{i}".encode(), value=response()).get(30)
    finally:
        producer.close(timeout=10)
    probe = make_consumer(kafka_settings, None)
    try:
        parts = [TopicPartition(topic, p) for p in sorted(probe.partitions_for_topic(topic))]
        ends = {tp.partition: o for tp, o in probe.end_offsets(parts).items()}
    finally:
        probe.close()

    # What the old topic left in the kept store: far beyond the new topic's ends.
    kept = SqliteStore(settings.store_path)
    kept.apply_batch([], {(topic, p): 1000 for p in ends})
    kept.close()
    with caplog.at_level(logging.WARNING, logger="thuocdo_scoring.consumer"):
        loop = ScoringConsumer(settings)
    try:
        deadline = time.monotonic() + 30
        while loop.store.response_count() < 6 and time.monotonic() < deadline:
            loop.step(timeout_ms=500)
        assert loop.store.response_count() == 6
        stored = {p: loop.store.offset(topic, p) for p in ends}
    finally:
        loop.close()
    # Partitions that had records now store their true next offset, not 1000.
    assert {p: o for p, o in stored.items() if ends[p]} == {p: e for p, e in ends.items() if e}
    stale = [
        r.getMessage() for r in caplog.records if "beyond the partition's end" in r.getMessage()
    ]
    assert len(stale) == len(ends)
    assert all("stored offset 1000" in m for m in stale)
