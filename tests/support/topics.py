"""Reading what is on a topic, for tests that check what a service published."""

from __future__ import annotations

import time
from typing import Any

from thuocdo_shared.config import KafkaSettings
from thuocdo_shared.kafka import make_consumer


def read_topic(
    settings: KafkaSettings,
    expect: int,
    topic: str | None = None,
    timeout: float = 30.0,
    settle: float = 2.0,
) -> list[Any]:
    """Every record on ``topic`` (the responses topic by default), from the start:
    waits until ``expect`` arrived (or ``timeout``), then ``settle`` seconds more so
    that extra (duplicate) records would show up too."""
    # No group: every partition is read from the start without a group join (a
    # join can assign nothing while a new topic's metadata is still on its way).
    consumer = make_consumer(settings, None, [topic or settings.responses_topic])
    records: list[Any] = []
    deadline = time.monotonic() + timeout
    settle_until: float | None = None
    try:
        while time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=300).values():
                records.extend(batch)
            if len(records) >= expect and settle_until is None:
                settle_until = time.monotonic() + settle
            if settle_until is not None and time.monotonic() > settle_until:
                break
    finally:
        consumer.close()
    return records
