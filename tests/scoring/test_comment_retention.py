"""Comment retention against a real broker: Kafka keeps a record by when it was
written, not by when its citizen rated, so a store rebuilt from the topic (or restored
from a backup) read purged comments back (helper-67). The consumer leaves out the
comment of a response past the retention as it stores it, and blanks the store's at
start."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time
import uuid
from pathlib import Path

import pytest
from thuocdo_scoring.aggregate import Record
from thuocdo_scoring.consumer import ScoringConsumer
from thuocdo_scoring.settings import Settings
from thuocdo_scoring.store import SqliteStore
from thuocdo_shared.config import KafkaSettings
from thuocdo_shared.kafka import make_producer

pytestmark = pytest.mark.integration


def _value(rid: str, days_ago: int, comment: str) -> bytes:
    when = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)
    data = {
        "id": rid,
        "kiosk_id": "k1",
        "submitted_at": when.isoformat(timespec="seconds"),
        "commune_code": "05953",
        "field": "ho_tich",
        "overall": 2,
        "comment": comment,
    }
    return json.dumps({"schema": "survey.response/1", "data": data}).encode()


def _comments(db: Path) -> dict[str, str | None]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT id, comment FROM responses").fetchall())


def test_a_rebuilt_or_restored_store_keeps_no_comment_past_the_retention(
    kafka_settings: KafkaSettings, group_id: str, tmp_path: Path
) -> None:
    old, recent = str(uuid.uuid4()), str(uuid.uuid4())
    producer = make_producer(kafka_settings)
    try:
        for rid, days in ((old, 400), (recent, 10)):
            value = _value(rid, days, f"Chờ quá lâu ({days} ngày trước)")
            producer.send(kafka_settings.responses_topic, key=b"05953", value=value).get(30)
    finally:
        producer.close(timeout=10)
    db = tmp_path / "s.sqlite3"
    # A backup taken before a purge: a comment of 500 days ago still in it.
    restored = SqliteStore(db)
    then = dt.datetime.now(dt.UTC) - dt.timedelta(days=500)
    restored.apply_batch(
        [
            Record(
                id="backup",
                submitted_at=then,
                unit_key="05953@2025-07-01",
                commune_code="05953",
                field="ho_tich",
                overall=1,
                comment="Trong bản sao",
            )
        ],
        {},
    )
    restored.close()
    settings = Settings(
        kafka=kafka_settings,
        db_path=db,
        group_id=group_id,
        classify=False,
        comment_retention_days=365,
    )
    loop = ScoringConsumer(settings)
    try:
        loop.purge_if_due()  # what run() does first
        deadline = time.monotonic() + 30
        while loop.store.response_count() < 3 and time.monotonic() < deadline:
            loop.step(timeout_ms=500)
        assert loop.store.response_count() == 3
        purged_before = loop.store.comments_purged_before()
    finally:
        loop.close()
    assert _comments(db) == {
        "backup": None,
        old: None,
        recent: "Chờ quá lâu (10 ngày trước)",
    }
    assert purged_before is not None
    assert abs(purged_before - (dt.datetime.now(dt.UTC) - dt.timedelta(days=365))) < dt.timedelta(
        minutes=5
    )
