"""Where the consumer starts (real broker, the loop in this process): at the offsets
kept in its store with the batches they count, not at the group's offsets in Kafka,
which a restored backup is behind; and on partitions added while it runs."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from kafka import KafkaAdminClient
from kafka.admin import NewPartitions
from thuocdo_scoring import consumer as consumer_module
from thuocdo_scoring.consumer import ScoringConsumer
from thuocdo_scoring.settings import Settings
from thuocdo_shared.config import KafkaSettings
from thuocdo_shared.kafka import make_producer

from tests.scoring.test_poison_sizes import catch_up, response

pytestmark = pytest.mark.integration


def _produce(kafka: KafkaSettings, n: int, partition: int | None = None) -> None:
    producer = make_producer(kafka)
    try:
        for i in range(n):
            key = f"k{time.monotonic_ns()}-{i}".encode()
            producer.send(kafka.responses_topic, key=key, value=response(), partition=partition)
        producer.flush(30)
    finally:
        producer.close(timeout=10)


def _committed(kafka: KafkaSettings, group: str) -> int:
    admin = KafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers.split(","))
    try:
        offsets = admin.list_group_offsets(group)[group]
    finally:
        admin.close()
    return sum(o.offset for tp, o in offsets.items() if tp.topic == kafka.responses_topic)


def test_a_store_restored_from_a_backup_counts_again_what_the_group_committed_past_it(
    kafka_settings: KafkaSettings, group_id: str, tmp_path: Path
) -> None:
    """The store is backed up after 3 responses; 2 more are counted and committed to
    the group in Kafka too; the backup is restored and the consumer started again in
    the same group. It goes on from the store's offsets (3), not Kafka's (5): all 5
    are counted, each once. From Kafka's, the 2 were lost."""
    db = tmp_path / "s.sqlite3"
    settings = Settings(kafka=kafka_settings, db_path=db, group_id=group_id, classify=False)
    _produce(kafka_settings, 3)
    loop = ScoringConsumer(settings)
    try:
        catch_up(loop, 3)
        backup = tmp_path / "backup.sqlite3"
        with sqlite3.connect(db) as src, sqlite3.connect(backup) as dst:
            src.backup(dst)
        _produce(kafka_settings, 2)
        catch_up(loop, 5)
    finally:
        loop.close()
    assert _committed(kafka_settings, group_id) == 5  # the group in Kafka is past the backup

    for part in tmp_path.glob("s.sqlite3*"):
        part.unlink()
    backup.rename(db)
    loop = ScoringConsumer(settings)
    try:
        assert loop.store.response_count() == 3
        catch_up(loop, 5)
        loop.step(timeout_ms=1000)  # nothing more comes: none counted twice
        assert loop.store.response_count() == 5
        assert sum(loop.store.offset(kafka_settings.responses_topic, p) or 0 for p in range(3)) == 5
    finally:
        loop.close()


def test_partitions_added_while_running_are_read(
    kafka_settings: KafkaSettings,
    group_id: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The topic grows from 3 to 5 partitions while the consumer runs; a response on a
    new partition is counted once the consumer's metadata is refreshed (every 30 s in
    service, 2 s here). kafka-python's default kept it waiting 5 minutes."""
    monkeypatch.setattr(consumer_module, "METADATA_MAX_AGE_MS", 2_000)
    settings = Settings(
        kafka=kafka_settings, db_path=tmp_path / "s.sqlite3", group_id=group_id, classify=False
    )
    _produce(kafka_settings, 1)
    loop = ScoringConsumer(settings)
    try:
        catch_up(loop, 1)
        admin = KafkaAdminClient(bootstrap_servers=kafka_settings.bootstrap_servers.split(","))
        try:
            admin.create_partitions({kafka_settings.responses_topic: NewPartitions(total_count=5)})
        finally:
            admin.close()
        _produce(kafka_settings, 1, partition=4)
        catch_up(loop, 2)
        assert loop.store.offset(kafka_settings.responses_topic, 4) == 1
    finally:
        loop.close()
