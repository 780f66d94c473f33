"""A poison record is written to the DLQ once, whatever stops its batch between the
DLQ write and the store's commit: a retry in the same process, a restart after a
kill, or a store rebuilt from the beginning of the topic (real broker, the consumer
loop in this process)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from thuocdo_scoring.aggregate import Record
from thuocdo_scoring.consumer import ScoringConsumer, seek_to_store
from thuocdo_scoring.settings import Settings
from thuocdo_scoring.store import SqliteStore, Store
from thuocdo_shared.config import KafkaSettings
from thuocdo_shared.kafka import make_producer

from tests.scoring.test_poison_sizes import catch_up, response
from tests.support.topics import read_topic

pytestmark = pytest.mark.integration

POISON = [b"not json at all", b'{"schema": "survey.response/1", "data": {"overall": 9}}']


class DiesBeforeCommit(SqliteStore):
    """A store whose first ``apply_batch`` fails, as if the process died just after
    the batch's DLQ records were confirmed and before the batch was committed."""

    failures = 1

    def apply_batch(
        self, records: Sequence[Record], offsets: Mapping[tuple[str, int], int]
    ) -> list[Record]:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("died before the commit")
        return super().apply_batch(records, offsets)


def _produce(settings: KafkaSettings) -> None:
    producer = make_producer(settings)
    try:
        # Keys spread the records over partitions; the poison must be in one batch
        # with the valid response for the failure to hit after the DLQ write.
        for i, value in enumerate([*POISON, response()]):
            producer.send(settings.responses_topic, key=f"k{i}".encode(), value=value).get(30)
    finally:
        producer.close(timeout=10)


def _settings(kafka: KafkaSettings, db: Path, group: str) -> Settings:
    return Settings(kafka=kafka, db_path=db, group_id=group, classify=False)


def _fail_once(loop: ScoringConsumer) -> None:
    """Step until the batch with the poison fails in ``apply_batch``."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            loop.step(timeout_ms=500)
        except RuntimeError as exc:
            assert "died before the commit" in str(exc)
            return
    pytest.fail("the batch never reached the store")


def _dlq_sources(kafka: KafkaSettings) -> list[str]:
    records = read_topic(kafka, len(POISON), topic=kafka.dlq_topic, timeout=20, settle=2.0)
    return sorted(dict(m.headers)["dlq.source"].decode() for m in records)


def test_a_batch_retried_in_the_same_process_does_not_dead_letter_again(
    kafka_settings: KafkaSettings, group_id: str, tmp_path: Path
) -> None:
    _produce(kafka_settings)
    settings = _settings(kafka_settings, tmp_path / "s.sqlite3", group_id)
    loop = ScoringConsumer(settings, store=DiesBeforeCommit(settings.store_path))
    try:
        _fail_once(loop)
        seek_to_store(loop.consumer, loop.store, loop.consumer.assignment())  # as run() does
        catch_up(loop)
    finally:
        loop.close()
    sources = _dlq_sources(kafka_settings)
    assert len(sources) == len(POISON) == len(set(sources)), sources


def test_a_restart_after_dying_between_dlq_and_commit_does_not_dead_letter_again(
    kafka_settings: KafkaSettings, group_id: str, tmp_path: Path
) -> None:
    _produce(kafka_settings)
    db = tmp_path / "s.sqlite3"
    dying = ScoringConsumer(
        _settings(kafka_settings, db, f"{group_id}-1"), store=DiesBeforeCommit(db)
    )
    try:
        _fail_once(dying)
    finally:
        dying.close()
    first = _dlq_sources(kafka_settings)
    assert len(first) == len(POISON), first

    # The next process reads the DLQ beyond the stored positions (none yet) first.
    restarted = ScoringConsumer(_settings(kafka_settings, db, f"{group_id}-2"))
    try:
        catch_up(restarted)
        assert restarted.store.consumer_state() is None
        restarted.heartbeat(force=True)
        state = restarted.store.consumer_state()
        assert state is not None and state.dead_lettered == 0  # nothing new dead-lettered
        # The store now accounts for the DLQ records: their positions are kept.
        kept = [restarted.store.offset(kafka_settings.dlq_topic, p) for p in range(3)]
    finally:
        restarted.close()
    assert sum(o or 0 for o in kept) == len(POISON), kept
    assert _dlq_sources(kafka_settings) == first

    # A store rebuilt from the beginning of the topic: the old poison is not re-sent.
    rebuilt = ScoringConsumer(_settings(kafka_settings, tmp_path / "new.sqlite3", f"{group_id}-3"))
    try:
        catch_up(rebuilt)
    finally:
        rebuilt.close()
    assert _dlq_sources(kafka_settings) == first
    # And each DLQ record still says why.
    records = read_topic(kafka_settings, len(POISON), topic=kafka_settings.dlq_topic, timeout=10)
    assert all(json.loads(m.value)["data"]["reason"] for m in records)


def _old_dlq_record(reason: str, original: bytes) -> bytes:
    """A DLQ value as written before ``dlq.digest``: the original in value_b64."""
    data = {"reason": reason, "key_b64": None, "value_b64": base64.b64encode(original).decode()}
    return json.dumps({"schema": "survey.dlq/1", "data": data}).encode()


def test_other_poison_at_the_place_of_an_old_dlq_record_is_still_dead_lettered(
    kafka_settings: KafkaSettings, group_id: str, tmp_path: Path
) -> None:
    """The responses topic recreated, the store rebuilt, the DLQ kept: the DLQ names
    offsets 0-2 of partition 0 for old records. A new poison record there is another
    record when its bytes differ (by the digest header, or for a record from before
    that header by the original kept in its body) and must reach the DLQ; the same
    bytes at the same place are the same record, not written again."""
    topic = kafka_settings.responses_topic
    other = b"a third kind of poison"
    old = [
        # (reason, headers, value)
        ("older, digest", [("dlq.digest", b"0" * 32)], b"{}"),
        ("older, same bytes", [], _old_dlq_record("older, same bytes", POISON[1])),
        ("older, other bytes", [], _old_dlq_record("older, other bytes", b"not this")),
    ]
    producer = make_producer(kafka_settings)
    try:
        for offset, (_, headers, value) in enumerate(old):
            source = ("dlq.source", f"{topic}/0/{offset}".encode())
            producer.send(kafka_settings.dlq_topic, value=value, headers=[source, *headers]).get(30)
        for value in (POISON[0], POISON[1], other, response()):
            producer.send(topic, value=value, partition=0).get(30)
    finally:
        producer.close(timeout=10)
    loop = ScoringConsumer(_settings(kafka_settings, tmp_path / "s.sqlite3", group_id))
    try:
        catch_up(loop)
    finally:
        loop.close()
    records = read_topic(kafka_settings, 5, topic=kafka_settings.dlq_topic, timeout=20)
    new = sorted(
        dict(m.headers)["dlq.source"].decode().rsplit("/", 1)[1]
        for m in records
        if "dlq.digest" in dict(m.headers) and dict(m.headers)["dlq.digest"] != b"0" * 32
    )
    assert len(records) == 5 and new == ["0", "2"], [dict(m.headers) for m in records]


def test_dlq_records_the_store_never_meets_are_read_once_more_not_at_every_start(
    kafka_settings: KafkaSettings, group_id: str, tmp_path: Path
) -> None:
    """DLQ records whose originals this store never meets as poison (the responses
    topic recreated, or its old records gone by retention, with the DLQ kept): no
    batch of the store stores their DLQ positions. Before the fix every start read
    the whole DLQ again (up to 30 s) and kept all of it in memory."""
    topic, dlq = kafka_settings.responses_topic, kafka_settings.dlq_topic
    producer = make_producer(kafka_settings)
    try:
        for offset in (0, 1):
            headers = [("dlq.source", f"{topic}/0/{offset}".encode()), ("dlq.digest", b"0" * 32)]
            producer.send(dlq, value=b"{}", partition=0, headers=headers).get(30)
        for _ in range(2):  # good responses at those places now
            producer.send(topic, value=response(), partition=0).get(30)
    finally:
        producer.close(timeout=10)
    db = tmp_path / "s.sqlite3"

    def dlq_positions(store: Store) -> list[int | None]:
        return [store.offset(dlq, p) for p in range(3)]

    first = ScoringConsumer(_settings(kafka_settings, db, f"{group_id}-1"))
    try:
        # Their places are ahead of this new store: they may still come as poison.
        assert len(first._dead_sources) == 2
        catch_up(first, responses=2)
        assert dlq_positions(first.store) == [None, None, None]
    finally:
        first.close()
    restarted = ScoringConsumer(_settings(kafka_settings, db, f"{group_id}-2"))
    try:
        # Now behind the store's offsets: settled, their positions stored, none kept.
        assert restarted._dead_sources == {}
        assert dlq_positions(restarted.store) == [2, None, None]
        assert restarted.store.response_count() == 2
    finally:
        restarted.close()
