"""Fan-out of live updates to SSE streams, filtered by each user's scope (no Kafka:
the listener's Kafka side is covered by the browser tests)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from thuocdo_dashboard import live
from thuocdo_dashboard.accounts import AccountStore
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


def test_updates_carry_no_up_to_of_units_the_user_cannot_see() -> None:
    hub = Hub()
    kha_son = hub.subscribe(Scope("commune", "05953@2025-07-01").allows_key)
    hub.publish(UPDATE)
    assert kha_son.queue.get_nowait() == {
        "units": ["05953@2025-07-01"],
        "committed_at": UPDATE["committed_at"],
    }


def test_stream_ends_once_the_account_is_disabled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live, "RECHECK_SECONDS", 0.0)
    accounts = AccountStore(tmp_path / "accounts.sqlite3")
    accounts.add("huyen", "district", "173", "mật-khẩu-dài-đủ-2025")
    hub, ready = Hub(), threading.Event()
    ready.set()

    def enabled() -> bool:
        user = accounts.get("huyen")
        return user is not None and not user.disabled

    body = stream(hub, Scope("district", "173").allows_key, ready, 60, still_allowed=enabled)
    next(body), next(body)  # retry, hello
    hub.publish(UPDATE)
    assert next(body).startswith("event: update\n")
    assert accounts.disable("huyen")
    hub.publish(UPDATE)  # waiting in its queue, but the user may no longer see it
    with pytest.raises(StopIteration):
        next(body)
    assert hub.publish(UPDATE) == 0  # unsubscribed


def test_idle_stream_ends_too_without_any_update(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live, "RECHECK_SECONDS", 0.0)
    hub, ready, allowed = Hub(), threading.Event(), threading.Event()
    ready.set()
    allowed.set()
    body = stream(hub, Scope("admin", "*").allows_key, ready, 60, still_allowed=allowed.is_set)
    next(body), next(body)
    allowed.clear()
    with pytest.raises(StopIteration):
        next(body)  # after one idle second, not at the next ping a minute later


def test_updates_carry_the_days_of_the_users_units_only() -> None:
    """Scoring says each unit's first and last day among the batch's answers; a page
    of a period they do not touch skips its refresh. A user gets the days of the
    units they may see, none of the others'."""
    hub = Hub()
    kha_son = hub.subscribe(Scope("commune", "05953@2025-07-01").allows_key)
    spans = {
        "05941@2025-07-01": ["2025-06-30", "2026-11-26"],
        "05953@2025-07-01": ["2026-11-26"] * 2,
    }
    hub.publish({**UPDATE, "spans": spans})
    assert kha_son.queue.get_nowait()["spans"] == {"05953@2025-07-01": ["2026-11-26"] * 2}
