"""The consumer's pure steps: decoding a polled batch and the update message."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
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

    def themes(self, texts: list[str]) -> list[Any]:
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
        RawMessage("t", 2, 0, None, value(comment="Chờ lâu quá", issues=["fees"])),
    ]
    batch = decode_batch(msgs, model=FakeModel())
    assert [r.unit_key for r in batch.records] == ["05953@-", "05953@2025-07-01", "05953@-"]
    assert batch.records[2].predicted_issue == "waiting_time"
    assert batch.records[2].raised_issues == ("fees", "waiting_time")
    assert batch.records[0].predicted_issue is None
    # Offsets move past the poison too, so it never blocks the partition.
    assert batch.offsets == {("t", 0): 12, ("t", 1): 8, ("t", 2): 1}
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


def test_update_message() -> None:
    batch = decode_batch(
        [
            RawMessage("t", 0, 0, None, value()),
            RawMessage("t", 0, 1, None, value(submitted_at="2025-07-02T08:00:00+07:00")),
        ]
    )
    now = dt.datetime(2025, 7, 2, 1, 0, 1, tzinfo=dt.UTC)
    body = json.loads(update_message(batch.records, now) or b"")
    assert body == {
        "schema": "satisfaction.update/1",
        "data": {
            "units": ["05953@-", "05953@2025-07-01"],
            "codes": ["05953"],
            "count": 2,
            "up_to": "2025-07-02T08:00:00+07:00",
            "committed_at": "2025-07-02T01:00:01+00:00",
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
