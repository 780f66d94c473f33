"""Hypothesis against the envelope decoder and scoring's per-record decision.

- arbitrary bytes, arbitrary JSON, and arbitrary ``data`` inside a well-formed
  envelope never make ``decode_response`` raise anything but ``EnvelopeError``;
- ``decode_batch`` (the pure step of the consumer) routes every one of them to the
  DLQ and still advances the offsets past them;
- against the real broker, a handful of generated garbage values and a valid
  record after them: the garbage lands in the DLQ with its original bytes and the
  valid record is counted.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from thuocdo_scoring.consumer import RawMessage, decode_batch
from thuocdo_scoring.store import SqliteStore
from thuocdo_shared.config import KafkaSettings
from thuocdo_shared.events import RESPONSE_SCHEMA_ID, EnvelopeError, decode_response
from thuocdo_shared.kafka import make_producer

from tests.support.servers import ServiceProcess
from tests.support.topics import read_topic

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)
# Response-shaped dicts with fields of the wrong kind, missing or extra.
FIELDS = ("id", "submitted_at", "kiosk_id", "commune_code", "field", "overall", "criteria")
DATA = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), JSON, max_size=9)
ENVELOPES = st.fixed_dictionaries(
    {"schema": st.sampled_from([RESPONSE_SCHEMA_ID, "survey.response/2", "x/1", ""]) | JSON},
    optional={"data": DATA | JSON},
)


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


GARBAGE = (
    st.binary(max_size=200)
    | JSON.map(_json_bytes)
    | ENVELOPES.map(_json_bytes)
    | st.text(max_size=50).map(lambda t: t.encode("utf-16"))
)


# Instants at the edges of datetime's range: converting them to Vietnam's date
# overflowed (a 500 in intake and a poison record that stalled scoring; found by
# schemathesis in test_openapi.py).
EDGE_TIMES = st.sampled_from(
    [
        "0001-01-01T00:00:00+03:04",
        "0001-01-01T00:00:00+00:00",
        "9999-12-31T23:59:59-05:00",
        "9999-12-31T23:59:59+00:00",
        "2025-07-01T00:00:00+14:00",
    ]
) | st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat())


@pytest.mark.unit
@settings(max_examples=200, deadline=None)
@given(EDGE_TIMES, st.sampled_from(["05953", "05911", "173", "00000"]))
def test_any_submitted_at_decodes_or_is_refused(when: str, code: str) -> None:
    data = {
        "id": str(uuid.uuid4()),
        "submitted_at": when,
        "kiosk_id": "k",
        "commune_code": code,
        "field": "ho_tich",
        "overall": 3,
    }
    _decodes_or_refuses(_json_bytes({"schema": RESPONSE_SCHEMA_ID, "data": data}))


def _decodes_or_refuses(raw: bytes) -> None:
    try:
        decode_response(raw)
    except EnvelopeError as exc:
        assert isinstance(exc.reason, str) and exc.reason
    # anything else propagates and fails the test


@pytest.mark.unit
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(GARBAGE)
def test_decoder_raises_only_envelope_errors(raw: bytes) -> None:
    _decodes_or_refuses(raw)


@pytest.mark.unit
@settings(max_examples=200, deadline=None)
@given(st.lists(GARBAGE, min_size=1, max_size=8))
def test_decode_batch_routes_garbage_to_the_dlq(values: list[bytes]) -> None:
    messages = [RawMessage("t", i % 2, 10 + i, b"05953", v) for i, v in enumerate(values)]
    batch = decode_batch(messages)
    valid = []
    for v in values:
        try:
            decode_response(v)
            valid.append(v)
        except EnvelopeError:
            pass
    assert len(batch.dead) == len(values) - len(valid)
    assert [d.message.value for d in batch.dead] == [v for v in values if v not in valid]
    # Every DLQ value carries the reason and the original bytes.
    for d in batch.dead:
        body = json.loads(d.value())["data"]
        assert body["reason"] and base64.b64decode(body["value_b64"]) == d.message.value
    # Poison never blocks the stream: offsets move past every message.
    want: dict[tuple[str, int], int] = {}
    for m in messages:
        want[(m.topic, m.partition)] = m.offset + 1
    assert batch.offsets == want


def _garbage_sample(n: int) -> list[bytes]:
    """``n`` values drawn by hypothesis (not just hand-picked ones)."""
    drawn: list[bytes] = []

    @settings(max_examples=n, deadline=None, database=None)
    @given(GARBAGE)
    def draw(raw: bytes) -> None:
        try:
            decode_response(raw)
        except EnvelopeError:
            if raw not in drawn:
                drawn.append(raw)

    draw()
    return drawn[:n]


@pytest.mark.integration
def test_real_consumer_dead_letters_garbage_and_counts_the_next_record(
    kafka_settings: KafkaSettings, group_id: str, tmp_path: Path
) -> None:
    garbage = _garbage_sample(12)
    assert len(garbage) >= 5
    valid_id = str(uuid.uuid4())
    valid = {
        "schema": RESPONSE_SCHEMA_ID,
        "data": {
            "id": valid_id,
            "submitted_at": dt.datetime.now(dt.UTC).isoformat(),
            "kiosk_id": "k05953-fuzz",
            "commune_code": "05953",
            "field": "ho_tich",
            "overall": 4,
        },
    }
    producer = make_producer(kafka_settings)
    try:
        for raw in garbage:  # one partition (same key): the valid record comes after
            producer.send(kafka_settings.responses_topic, value=raw, key=b"05953")
        producer.send(kafka_settings.responses_topic, value=_json_bytes(valid), key=b"05953")
        producer.flush()
    finally:
        producer.close()
    db = tmp_path / "scoring.sqlite3"
    env = {
        **kafka_settings.to_env(),
        "THUOCDO_SCORING_DB": str(db),
        "THUOCDO_SCORING_GROUP": group_id,
        "THUOCDO_SCORING_CLASSIFY": "false",
    }
    with ServiceProcess("scoring", env=env, command=("consume",), log_dir=tmp_path) as proc:
        deadline = time.monotonic() + 40
        ids: list[str] = []
        while time.monotonic() < deadline:
            if db.exists():
                ids = [r.id for r in SqliteStore(db).records()]
                if ids:
                    break
            time.sleep(0.3)
        assert ids == [valid_id], proc.tail()
    dead = read_topic(
        kafka_settings, len(garbage), topic=kafka_settings.dlq_topic, timeout=15, settle=1.0
    )
    originals = [base64.b64decode(json.loads(m.value)["data"]["value_b64"]) for m in dead]
    assert originals == garbage
    print(f"[fuzz] {len(garbage)} hypothesis-drawn garbage values -> DLQ; valid record counted")
