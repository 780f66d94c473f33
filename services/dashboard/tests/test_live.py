"""Fan-out of live updates to SSE streams, filtered by each user's scope (no Kafka:
the listener's Kafka side is covered by the browser tests)."""

from __future__ import annotations

import json
import threading

import pytest
from thuocdo_dashboard.live import Hub, stream
from thuocdo_dashboard.scope import Scope

pytestmark = pytest.mark.unit

UPDATE = {
    "units": ["05953@2025-07-01", "05941@2025-07-01"],
    "codes": ["05953", "05941"],
    "count": 2,
    "up_to": "2026-11-26T09:00:00+07:00",
    "committed_at": "2026-11-26T02:00:01+00:00",
}


def test_each_subscriber_gets_only_units_in_its_scope() -> None:
    hub = Hub()
    kha_son = hub.subscribe(Scope("commune", "05953@2025-07-01").allows_key)
    old_luong_phu = hub.subscribe(Scope("commune", "05953@-").allows_key)
    district = hub.subscribe(Scope("district", "173").allows_key)
    assert hub.publish(UPDATE) == 2
    assert kha_son.queue.get_nowait()["units"] == ["05953@2025-07-01"]
    assert old_luong_phu.queue.empty()  # same code, another unit version
    assert district.queue.get_nowait()["units"] == UPDATE["units"]
    hub.unsubscribe(district)
    assert hub.publish(UPDATE) == 1


def test_stream_says_hello_then_sends_updates_and_ends_on_close() -> None:
    hub, ready = Hub(), threading.Event()
    ready.set()
    body = stream(hub, Scope("district", "19").allows_key, ready, ping_every=60)
    assert next(body) == "retry: 2000\n\n"
    assert next(body) == 'event: hello\ndata: {"listening": true}\n\n'
    hub.publish(UPDATE)
    event = next(body)
    assert event.startswith("event: update\ndata: ")
    assert json.loads(event.split("data: ", 1)[1])["units"] == UPDATE["units"]
    hub.close()
    with pytest.raises(StopIteration):
        next(body)
