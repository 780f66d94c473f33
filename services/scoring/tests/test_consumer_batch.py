"""The consumer's pure steps: decoding a polled batch and the update message."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from collections.abc import Sequence
from typing import Any

import pytest
from thuocdo_scoring.consumer import RawMessage, decode_batch, update_message

pytestmark = pytest.mark.unit


def value(**over: Any) -> bytes:
    data = {
        "id": str(uuid.uuid4()),
        "submitted_at": "2025-06-30T10:00:00+07:00",
        "kiosk_id": "k1",
        "commune_code": "05953",
        "field": "ho_tich",
        "overall": 4,
        **over,
    }
    return json.dumps({"schema": "survey.response/1", "data": data}).encode()


class FakeModel:
    def predict(self, texts: list[str]) -> list[tuple[str | None, float]]:
        return [("waiting_time" if "lâu" in t else None, 0.9) for t in texts]

    def themes(self, texts: list[str], spell_from: Sequence[str] = ()) -> list[Any]:
        return []


def test_units_follow_the_local_date_and_poison_is_dead_lettered() -> None:
    msgs = [
        RawMessage("t", 0, 10, b"05953", value()),
        # 17:30 UTC on 30 June is 1 July in Vietnam: the merged Xã Kha Sơn.
        RawMessage("t", 0, 11, b"05953", value(submitted_at="2025-06-30T17:30:00+00:00")),
        RawMessage("t", 1, 5, b"x", b"{not json"),
        RawMessage("t", 1, 6, None, None),
        # 05911 (Bàn Đạt) ended on 30 June; on local 1 July it no longer exists.
        RawMessage("t", 1, 7, None, value(commune_code="05911", submitted_at="2025-06-30T18:00Z")),
        RawMessage("t", 2, 0, None, value(comment="Chờ lâu quá", issues=["other"])),
        # Ticked fees: the words are about that; no guess is added beside the tick.
        RawMessage("t", 2, 1, None, value(comment="Lót tay mới được làm lâu", issues=["fees"])),
    ]
    batch = decode_batch(msgs, model=FakeModel())
    assert [r.unit_key for r in batch.records] == [
        "05953@-",
        "05953@2025-07-01",
        "05953@-",
        "05953@-",
    ]
    assert batch.records[2].predicted_issue == "waiting_time"
    assert batch.records[2].raised_issues == ("other", "waiting_time")
    assert batch.records[3].predicted_issue is None
    assert batch.records[3].raised_issues == ("fees",)
    assert batch.records[0].predicted_issue is None
    # Offsets move past the poison too, so it never blocks the partition.
    assert batch.offsets == {("t", 0): 12, ("t", 1): 8, ("t", 2): 2}
    reasons = [d.reason for d in batch.dead]
    assert reasons[0].startswith("value is not UTF-8 JSON")
    assert "empty value" in reasons[1]
    # The shared validator already checks the commune on the Vietnam date.
    assert reasons[2] == "invalid fields: commune_code: No commune 05911 on 2025-07-01."
    dlq = json.loads(batch.dead[0].value())
    assert dlq["schema"] == "survey.dlq/1"
    assert base64.b64decode(dlq["data"]["value_b64"]) == b"{not json"
    assert (dlq["data"]["partition"], dlq["data"]["offset"]) == (1, 5)
    assert dict(batch.dead[0].headers())["dlq.reason"].startswith(b"value is not")


def test_a_comment_past_the_retention_is_classified_then_left_out() -> None:
    """As ``purge-comments`` leaves a response: its rating and the issue its words
    were put under stay, the words go."""
    msgs = [
        RawMessage("t", 0, 0, None, value(comment="Chờ lâu quá", submitted_at="2025-06-01T09:00Z")),
        RawMessage("t", 0, 1, None, value(comment="Chờ lâu quá", submitted_at="2025-06-20T09:00Z")),
    ]
    cutoff = dt.datetime(2025, 6, 10, tzinfo=dt.UTC)
    batch = decode_batch(msgs, model=FakeModel(), comments_before=cutoff)
    assert [(r.comment, r.predicted_issue) for r in batch.records] == [
        (None, "waiting_time"),
        ("Chờ lâu quá", "waiting_time"),
    ]
    kept = decode_batch(msgs, model=FakeModel())
    assert [r.comment for r in kept.records] == ["Chờ lâu quá", "Chờ lâu quá"]


def test_a_response_dated_after_its_record_was_written_is_dead_lettered() -> None:
    written = dt.datetime(2026, 11, 27, 7, 0, tzinfo=dt.UTC)
    ms = int(written.timestamp() * 1000)
    at = written.astimezone(dt.timezone(dt.timedelta(hours=7)))
    msgs = [
        RawMessage("t", 0, 0, None, value(submitted_at="2030-01-01T10:00:00+07:00"), (), ms),
        # up to an hour ahead passes (a tablet's clock; intake allows 10 minutes)
        RawMessage(
            "t", 0, 1, None, value(submitted_at=(at + dt.timedelta(hours=1)).isoformat()), (), ms
        ),
        RawMessage(
            "t", 0, 2, None, value(submitted_at=(at + dt.timedelta(minutes=61)).isoformat()), (), ms
        ),
        # a record without a timestamp (older broker) is not judged
        RawMessage("t", 0, 3, None, value(submitted_at="2030-01-01T10:00:00+07:00")),
    ]
    batch = decode_batch(msgs)
    assert [d.message.offset for d in batch.dead] == [0, 2]
    assert batch.dead[0].reason == "submitted_at in the future"
    assert batch.dead[0].errors["submitted_at"] == [
        "More than 60 minutes after the record was written to Kafka (2026-11-27T07:00:00+00:00)."
    ]
    assert len(batch.records) == 2 and batch.offsets == {("t", 0): 4}


def test_update_message() -> None:
    batch = decode_batch(
        [
            RawMessage("t", 0, 0, None, value()),
            RawMessage("t", 0, 1, None, value(submitted_at="2025-07-02T08:00:00+07:00")),
            # 2 July in Vietnam, 1 July in UTC: the span is Vietnam's days
            RawMessage("t", 0, 2, None, value(submitted_at="2025-07-01T18:30:00+00:00")),
        ]
    )
    now = dt.datetime(2025, 7, 2, 1, 0, 1, tzinfo=dt.UTC)
    body = json.loads(update_message(batch.records, now) or b"")
    assert body == {
        "schema": "satisfaction.update/1",
        "data": {
            "units": ["05953@-", "05953@2025-07-01"],
            "codes": ["05953"],
            "count": 3,
            "up_to": "2025-07-02T08:00:00+07:00",
            "committed_at": "2025-07-02T01:00:01+00:00",
            "spans": {
                "05953@-": ["2025-06-30", "2025-06-30"],
                "05953@2025-07-01": ["2025-07-02", "2025-07-02"],
            },
        },
    }
    assert update_message([]) is None


def test_seek_to_store_uses_stored_offsets(tmp_path: Any) -> None:
    from kafka.structs import TopicPartition
    from thuocdo_scoring.consumer import seek_to_store
    from thuocdo_scoring.store import SqliteStore

    store = SqliteStore(tmp_path / "s.sqlite3")
    store.apply_batch([], {("t", 0): 42})
    calls: list[tuple[str, int, int | None]] = []

    class FakeConsumer:
        def seek(self, tp: TopicPartition, offset: int) -> None:
            calls.append(("seek", tp.partition, offset))

        def seek_to_beginning(self, tp: TopicPartition) -> None:
            calls.append(("beginning", tp.partition, None))

    seek_to_store(FakeConsumer(), store, [TopicPartition("t", 0), TopicPartition("t", 1)])
    assert calls == [("seek", 0, 42), ("beginning", 1, None)]


class ExplodingUnits:
    """A unit registry with a gap: one day raises something no validator expected."""

    def __init__(self) -> None:
        from thuocdo_shared.units import registry

        self.real = registry()

    def find(self, code: str, day: dt.date) -> Any:
        if day == dt.date(2025, 6, 15):
            raise RuntimeError("boom on 2025-06-15")
        return self.real.find(code, day)


def test_any_exception_of_one_record_dead_letters_only_that_record() -> None:
    msgs = [
        RawMessage("t", 0, 0, None, value()),
        RawMessage("t", 0, 1, b"k", value(submitted_at="2025-06-15T10:00:00+07:00")),
        RawMessage("t", 0, 2, None, b"{not json"),
        RawMessage("t", 0, 3, None, value()),
    ]
    batch = decode_batch(msgs, units=ExplodingUnits())  # type: ignore[arg-type]
    assert [r.unit_key for r in batch.records] == ["05953@-", "05953@-"]
    assert batch.offsets == {("t", 0): 4}
    reasons = [d.reason for d in batch.dead]
    assert reasons[0] == "unexpected: RuntimeError: boom on 2025-06-15"
    assert reasons[1].startswith("value is not UTF-8 JSON")  # envelope reasons unchanged
    dlq = json.loads(batch.dead[0].value())["data"]
    assert (dlq["offset"], dlq["reason"]) == (1, reasons[0])
    assert "value_truncated" not in dlq


def test_dlq_record_of_a_huge_value_is_truncated_and_says_so() -> None:
    from thuocdo_scoring.consumer import MAX_DLQ_VALUE_BYTES, DeadLetter

    original = b"x" * 2_000_000
    dead = DeadLetter(RawMessage("t", 3, 9, b"k" * 50_000, original), "too big", {})
    out = dead.value()
    # The broker's and producer's default limit is 1 MiB for the whole record.
    assert len(out) < 760_000
    data = json.loads(out)["data"]
    assert data["value_truncated"] is True
    assert data["value_size"] == 2_000_000
    assert base64.b64decode(data["value_b64"]) == original[:MAX_DLQ_VALUE_BYTES]
    assert len(data["value_b64"]) == 700_000
    assert (data["key_truncated"], data["key_size"]) == (True, 50_000)


def test_dlq_record_of_a_poison_whose_errors_grow_with_it_stays_small() -> None:
    from thuocdo_scoring.consumer import MAX_DLQ_ERRORS_BYTES

    # 8,000 unknown issue tags: 48 KB in, one "Must be one of: …" message per item out.
    poison = value(issues=["x"] * 8_000)
    (dead,) = decode_batch([RawMessage("t", 0, 5, b"05953", poison)]).dead
    full = json.dumps(dead.errors)
    assert len(full) > 1_000_000  # what made the DLQ send fail on every retry
    out = dead.value()
    assert len(out) < 200_000
    data = json.loads(out)["data"]
    assert data["errors"] == {"_truncated": [f"{len(full)} bytes of errors; see the reason."]}
    assert (data["errors_truncated"], data["errors_size"]) == (True, len(full))
    assert len(full) > MAX_DLQ_ERRORS_BYTES
    assert base64.b64decode(data["value_b64"]) == poison


def test_dlq_record_of_a_lone_surrogate_is_encodable() -> None:
    # JSON may spell a lone surrogate; marshmallow then keys its error by it.
    poison = value().replace(b'"overall": 4', b'"overall": 4, "criteria": {"\\udc80": 1}')
    assert json.loads(poison)["data"]["criteria"] == {"\udc80": 1}
    (dead,) = decode_batch([RawMessage("t", 0, 5, None, poison)]).dead
    assert "\udc80" in json.dumps(dead.errors, ensure_ascii=False)
    data = json.loads(dead.value())["data"]
    assert base64.b64decode(data["value_b64"]) == poison
    assert "criteria" in data["errors"]
    headers = dict(dead.headers())
    assert headers["dlq.source"] == b"t/0/5"
    # A reason with a surrogate in it still makes headers (bytes).
    from thuocdo_scoring.consumer import DeadLetter

    odd = DeadLetter(RawMessage("t", 0, 6, None, b"x"), "bad key \udc80", {"\udc80": ["x"]})
    assert dict(odd.headers())["dlq.reason"] == b"bad key \\udc80"
    assert json.loads(odd.value())["data"]["errors"] == {"\udc80": ["x"]}


def test_dlq_key_and_identity() -> None:
    from thuocdo_scoring.consumer import MAX_DLQ_KEY_BYTES, DeadLetter

    long_key = DeadLetter(RawMessage("t", 1, 2, b"k" * (MAX_DLQ_KEY_BYTES + 1), b"v"), "r", {})
    assert long_key.key() is None  # its first bytes are in key_b64
    short = DeadLetter(RawMessage("t", 1, 2, b"05953", b"v"), "r", {})
    assert short.key() == b"05953"
    # The same place of a recreated topic with other bytes is another record.
    other = DeadLetter(RawMessage("t", 1, 2, b"05953", b"w"), "r", {})
    assert short.source == other.source == "t/1/2"
    assert short.identity != other.identity
    assert short.identity == f"t/1/2#{short.digest}" and len(short.digest) == 32
    # key and value are told apart: (b"ab", None) is not (b"a", b"b") nor (None, b"ab")
    digests = {
        DeadLetter(RawMessage("t", 1, 2, k, v), "r", {}).digest
        for k, v in [(b"ab", None), (b"a", b"b"), (None, b"ab"), (b"", b"ab")]
    }
    assert len(digests) == 4
    assert dict(short.headers())["dlq.digest"] == short.digest.encode()


def test_run_logs_every_failed_retry_with_its_error(caplog: pytest.LogCaptureFixture) -> None:
    from thuocdo_scoring.consumer import ScoringConsumer

    seeks: list[int] = []

    class FakeStore:
        def offset(self, topic: str, partition: int) -> int | None:
            return 7

    class FakeConsumer:
        def assignment(self) -> list[Any]:
            from kafka.structs import TopicPartition

            return [TopicPartition("t", 0)]

        def end_offsets(self, partitions: list[Any]) -> dict[Any, int]:
            return dict.fromkeys(partitions, 100)

        def seek(self, tp: Any, offset: int) -> None:
            seeks.append(offset)

        def seek_to_beginning(self, tp: Any) -> None:
            seeks.append(0)

    loop = ScoringConsumer.__new__(ScoringConsumer)
    loop.stopping = __import__("threading").Event()
    loop.retry_delay_s = 0.0
    loop.store = FakeStore()  # type: ignore[assignment]
    loop.consumer = FakeConsumer()
    calls = 0

    def failing_step(timeout_ms: int = 500) -> int:
        nonlocal calls
        calls += 1
        if calls == 3:
            loop.stop()
        raise OSError(f"disk full #{calls}")

    loop.step = failing_step  # type: ignore[method-assign]
    loop.purge_if_due = lambda: None  # type: ignore[method-assign]  # no store to purge here
    with caplog.at_level("ERROR", logger="thuocdo_scoring.consumer"):
        loop.run()
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert [r.getMessage().split(";")[0] for r in errors] == [
        f"batch failed ({n} time(s) in a row), nothing of it stored" for n in (1, 2, 3)
    ]
    assert all(f"OSError: disk full #{n}" in r.getMessage() for n, r in enumerate(errors, 1))
    assert seeks == [7, 7, 7]  # rewound each time, never past the stored offset

    # A rewind that fails too (the store locked) is retried, not the end of the loop.
    class LockedOnce(FakeStore):
        locked = True

        def offset(self, topic: str, partition: int) -> int | None:
            if self.locked:
                self.locked = False
                raise __import__("sqlite3").OperationalError("database is locked")
            return 7

    loop.store = LockedOnce()  # type: ignore[assignment]
    loop.stopping.clear()
    calls, seeks[:] = 0, []
    caplog.clear()
    with caplog.at_level("ERROR", logger="thuocdo_scoring.consumer"):
        loop.run()
    assert calls == 3 and seeks == [7, 7]
    assert "rewind failed, retrying: OperationalError: database is locked" in caplog.text


def test_a_failing_comment_model_does_not_fail_the_batch() -> None:
    class BrokenModel(FakeModel):
        def predict(self, texts: list[str]) -> list[tuple[str | None, float]]:
            raise MemoryError("model blew up")

    msgs = [RawMessage("t", 0, i, None, value(comment="Chờ lâu quá")) for i in range(3)]
    batch = decode_batch(msgs, model=BrokenModel())
    assert [r.predicted_issue for r in batch.records] == [None, None, None]
    assert (batch.dead, batch.offsets) == ([], {("t", 0): 3})


def test_heartbeat_only_when_the_broker_answers_the_lag_query(tmp_path: Any) -> None:
    """A consumer cut off from Kafka still 'succeeds' (its polls come back empty): it
    must not beat then, or the figures would look fresh while nothing can arrive."""
    from kafka.structs import TopicPartition
    from thuocdo_scoring.consumer import ScoringConsumer
    from thuocdo_scoring.store import SqliteStore

    p0, p1 = TopicPartition("t", 0), TopicPartition("t", 1)

    class FakeConsumer:
        def __init__(self) -> None:
            self.assigned: list[Any] = [p0, p1]
            self.broken = False

        def assignment(self) -> list[Any]:
            return self.assigned

        def end_offsets(self, partitions: list[Any], timeout_ms: int) -> dict[Any, int]:
            if self.broken:
                raise TimeoutError("no broker")
            return {p0: 100, p1: 40}

        def beginning_offsets(self, partitions: list[Any], timeout_ms: int) -> dict[Any, int]:
            return dict.fromkeys(partitions, 10)  # the log was trimmed to offset 10

    loop = ScoringConsumer.__new__(ScoringConsumer)
    loop.store = SqliteStore(tmp_path / "s.sqlite3")
    loop.consumer = FakeConsumer()
    loop._beat_at, loop._dead_since_beat = float("-inf"), 2
    loop.store.apply_batch([], {("t", 0): 93})  # partition 1: nothing stored yet

    loop.consumer.broken = True
    loop.heartbeat(force=True)
    assert loop.store.consumer_state() is None
    loop.consumer.assigned = []
    loop.consumer.broken = False
    loop.heartbeat(force=True)
    assert loop.store.consumer_state() is None  # nothing assigned yet: lag unknown
    loop.consumer.assigned = [p0, p1]
    loop.heartbeat(force=True)
    state = loop.store.consumer_state()
    # 100 - 93 on partition 0, 40 - 10 (from the start of the log) on partition 1
    assert state is not None and (state.lag, state.dead_lettered) == (7 + 30, 2)


def test_stopping_while_the_broker_does_not_answer_closes_everything_quietly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Stopped just after a broker restart, the producer's flush timed out and the
    consumer ended with a traceback instead of closing its consumer and store."""
    from kafka.errors import KafkaTimeoutError
    from thuocdo_scoring.consumer import ScoringConsumer

    closed: list[str] = []

    class StuckProducer:
        """kafka-python's close raises when its flush times out."""

        def close(self, timeout: float) -> None:
            closed.append("producer")
            raise KafkaTimeoutError("Timeout waiting for future")

    class Closing:
        def __init__(self, name: str) -> None:
            self.name = name

        def close(self, autocommit: bool = True) -> None:
            closed.append(self.name)

    loop = ScoringConsumer.__new__(ScoringConsumer)
    loop.producer = StuckProducer()
    loop.consumer = Closing("consumer")
    loop.store = Closing("store")  # type: ignore[assignment]
    with caplog.at_level("WARNING", logger="thuocdo_scoring.consumer"):
        loop.close()
    assert closed == ["producer", "consumer", "store"]
    assert any("not flushed on stop: KafkaTimeoutError" in r.getMessage() for r in caplog.records)


def test_a_broker_out_of_reach_fails_the_batch_instead_of_cutting_the_dlq_record() -> None:
    """The producer's send() raises KafkaTimeoutError when it cannot fetch the DLQ
    topic's metadata in time (the broker down). That is no fault of the record: the
    batch fails and is tried again with the record whole. It was taken for a record
    that cannot be built and sent bare, its bytes lost to the DLQ for good. A record
    that cannot be sent as it is (here, a TypeError) still goes out bare."""
    from kafka.errors import KafkaTimeoutError
    from thuocdo_scoring.consumer import DeadLetter, ScoringConsumer
    from thuocdo_scoring.settings import Settings

    class Producer:
        def __init__(self, error: Exception) -> None:
            self.error = error
            self.sent: list[dict[str, Any]] = []

        def send(self, topic: str, value: bytes, key: Any, headers: Any) -> Any:
            if key is not None:  # the full record (the bare one has no key)
                raise self.error
            self.sent.append(json.loads(value)["data"])
            return "future"

    loop = ScoringConsumer.__new__(ScoringConsumer)
    loop.settings = Settings()
    dead = DeadLetter(RawMessage("t", 0, 5, b"05953", b"{not json"), "bad", {})
    loop.producer = Producer(KafkaTimeoutError("Failed to update metadata after 60.0 secs."))
    with pytest.raises(KafkaTimeoutError):
        loop._send_dead(dead)
    assert loop.producer.sent == []
    loop.producer = Producer(TypeError("headers must be list-type"))
    assert loop._send_dead(dead) == "future"
    [bare] = loop.producer.sent
    assert bare["reason"] == "bad (DLQ record cut: TypeError)" and bare["value_b64"] is None
