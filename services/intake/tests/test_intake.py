"""Accept → publish or spool, and the flusher draining the spool, with fake brokers."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from thuocdo_intake.flusher import Flusher
from thuocdo_intake.intake import ACCEPTED, DUPLICATE, QUEUED, Intake
from thuocdo_intake.publisher import LazyProducer
from thuocdo_intake.spool import SpoolStore
from thuocdo_shared.config import KafkaSettings
from thuocdo_shared.events import SurveyResponse, decode_response, encode_response, load_response
from thuocdo_shared.kafka import DeliveryError

pytestmark = pytest.mark.unit


def _response(n: int) -> SurveyResponse:
    return load_response(
        {
            "id": f"00000000-0000-4000-8000-{n:012d}",
            "submitted_at": "2026-03-01T15:00:00+07:00",
            "kiosk_id": "k05941-abc",
            "commune_code": "05941",
            "field": "ho_tich",
            "overall": 1 + n % 5,
            "comment": "Cán bộ nhiệt tình",
        }
    )


class Broker:
    """Records (topic, key, value); fails while ``down``."""

    def __init__(self) -> None:
        self.down = False
        self.records: list[tuple[str, bytes | None, bytes]] = []
        self.calls = 0

    def publish(self, topic: str, key: bytes | None, value: bytes) -> None:
        self.calls += 1
        if self.down:
            raise DeliveryError("broker down")
        self.records.append((topic, key, value))


class FakeFuture:
    is_done = True

    def __init__(self, ok: bool) -> None:
        self.ok = ok


class FakeProducer:
    """The LazyProducer surface the flusher uses, on top of :class:`Broker`."""

    timeout = 0.1

    def __init__(self, broker: Broker, fail_after: int | None = None) -> None:
        self.broker = broker
        self.fail_after = fail_after
        self.resets = 0

    def send(self, topic: str, key: bytes | None, value: bytes) -> Any:
        if self.broker.down:
            raise DeliveryError("down")
        if self.fail_after is not None and len(self.broker.records) >= self.fail_after:
            return FakeFuture(False)
        self.broker.records.append((topic, key, value))
        return FakeFuture(True)

    def wait(self, future: Any, timeout: float | None = None) -> None:
        if not future.ok:
            raise DeliveryError("not acknowledged")

    def get(self) -> FakeProducer:
        return self

    def reset(self) -> None:
        self.resets += 1


def _ids(records: list[tuple[str, bytes | None, bytes]]) -> list[str]:
    return [decode_response(v).id for _, _, v in records]


def test_accepted_only_after_publish_and_duplicate_once(tmp_path: Path) -> None:
    broker = Broker()
    store = SpoolStore(tmp_path / "s.sqlite3", stale_after=5.0)
    intake = Intake(store, broker.publish, "topic")
    assert intake.submit(_response(1)) == ACCEPTED
    assert intake.submit(_response(1)) == DUPLICATE
    assert broker.calls == 1
    topic, key, value = broker.records[0]
    assert (topic, key) == ("topic", b"05941")
    assert json.loads(value)["data"]["comment"] == "Cán bộ nhiệt tình"


def _claim_state(store: SpoolStore, response_id: str) -> str | None:
    row = store._fast.get().execute("SELECT state FROM ids WHERE id = ?", (response_id,)).fetchone()
    return None if row is None else str(row[0])


def test_an_encoding_error_leaves_no_claim(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An unexpected error while encoding must not leave the id "inflight" (never
    pruned; every retry of that id would wait, then answer "duplicate")."""
    broker = Broker()
    store = SpoolStore(tmp_path / "s.sqlite3", stale_after=5.0)
    intake = Intake(store, broker.publish, "topic")

    def broken(response: SurveyResponse) -> bytes:
        raise ValueError("cannot encode")

    monkeypatch.setattr("thuocdo_intake.intake.encode_response", broken)
    with pytest.raises(ValueError):
        intake.submit(_response(1))
    assert _claim_state(store, _response(1).id) is None
    monkeypatch.undo()
    assert intake.submit(_response(1)) == ACCEPTED  # the same id goes through later


def test_any_publish_error_releases_the_claim(tmp_path: Path) -> None:
    """Not only DeliveryError: any exception after the claim releases it."""
    store = SpoolStore(tmp_path / "s.sqlite3", stale_after=5.0)
    broker = Broker()

    def explode(topic: str, key: bytes | None, value: bytes) -> None:
        raise RuntimeError("unexpected")

    with pytest.raises(RuntimeError):
        Intake(store, explode, "topic").submit(_response(1))
    assert _claim_state(store, _response(1).id) is None
    assert Intake(store, broker.publish, "topic").submit(_response(1)) == ACCEPTED


def test_outage_spools_then_keeps_spooling_without_waiting(tmp_path: Path) -> None:
    broker = Broker()
    broker.down = True
    store = SpoolStore(tmp_path / "s.sqlite3", stale_after=5.0)
    woken = []
    intake = Intake(store, broker.publish, "topic", on_spooled=lambda: woken.append(1))
    assert [intake.submit(_response(i)) for i in range(5)] == [QUEUED] * 5
    assert broker.calls == 1  # only the first request tried the broker
    assert store.depth() == 5 and len(woken) == 5
    broker.down = False
    # Still a backlog: a new response joins the queue behind the older ones.
    assert intake.submit(_response(5)) == QUEUED
    assert intake.submit(_response(2)) == DUPLICATE
    flusher = Flusher(store, FakeProducer(broker), "topic", batch=4)  # type: ignore[arg-type]
    assert flusher.step() == (4, False)
    assert flusher.step() == (2, False)
    assert flusher.step() == (0, False)
    assert _ids(broker.records) == [_response(i).id for i in range(6)]
    assert intake.submit(_response(6)) == ACCEPTED  # spool empty: direct again


def test_flusher_stops_at_first_failure_and_keeps_the_rest(tmp_path: Path) -> None:
    broker = Broker()
    store = SpoolStore(tmp_path / "s.sqlite3", stale_after=5.0)
    for i in range(5):
        store.put(_response(i).id, b"05941", b"v%d" % i, float(i))
    producer = FakeProducer(broker, fail_after=2)
    flusher = Flusher(store, producer, "topic", batch=10)  # type: ignore[arg-type]
    assert flusher.step() == (2, True)
    assert producer.resets == 1
    assert [r.value for r in store.batch(10)] == [b"v2", b"v3", b"v4"]
    broker.down = True
    assert flusher.step() == (0, True)
    assert store.depth() == 3


def test_only_the_lease_holder_flushes(tmp_path: Path) -> None:
    broker = Broker()
    store = SpoolStore(tmp_path / "s.sqlite3", stale_after=5.0)
    store.put(_response(0).id, b"05941", b"v0", 0.0)
    a = Flusher(store, FakeProducer(broker), "topic", lease_ttl=60)  # type: ignore[arg-type]
    b = Flusher(store, FakeProducer(broker), "topic", lease_ttl=60)  # type: ignore[arg-type]
    assert store.acquire_lease(a.holder, 60, now=time.time())
    assert b.step() == (0, False)
    assert a.step() == (1, False)


def test_concurrent_same_id_is_published_once(tmp_path: Path) -> None:
    broker = Broker()
    gate = threading.Event()

    def slow_publish(topic: str, key: bytes | None, value: bytes) -> None:
        gate.wait(2)
        broker.publish(topic, key, value)

    store = SpoolStore(tmp_path / "s.sqlite3", stale_after=5.0)
    intake = Intake(store, slow_publish, "topic", poll=0.01)
    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(intake.submit(_response(7))))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join(5)
    assert sorted(results) == [ACCEPTED] + [DUPLICATE] * 3
    assert broker.calls == 1


def test_encoding_carries_every_field() -> None:
    # to_dict is written out by hand for speed: it must not forget a field.
    response = load_response(
        {
            "id": "00000000-0000-4000-8000-000000000001",
            "submitted_at": "2026-03-01T15:00:00+07:00",
            "kiosk_id": "k05941-abc",
            "commune_code": "05941",
            "field": "ho_tich",
            "procedure_code": "1.000656",
            "overall": 2,
            "criteria": {"tc1": 2},
            "issues": ["fees"],
            "comment": "Phí chưa rõ ràng",
            "lang": "vi",
            "suspect": ["rapid_taps"],
        }
    )
    data = json.loads(encode_response(response))["data"]
    assert list(data) == list(SurveyResponse.__dataclass_fields__)
    assert decode_response(encode_response(response)) == response


class SlowFuture:
    """Acknowledged after ``polls`` one-second waits."""

    def __init__(self, polls: int) -> None:
        self.polls = polls

    @property
    def is_done(self) -> bool:
        return self.polls <= 0


class SlowProducer(FakeProducer):
    timeout = 30.0

    def send(self, topic: str, key: bytes | None, value: bytes) -> Any:
        return SlowFuture(3)

    def wait(self, future: Any, timeout: float | None = None) -> None:
        future.polls -= 1
        if future.polls > 0:
            raise DeliveryError("KafkaTimeoutError: not yet")


def test_flusher_renews_its_lease_while_the_broker_is_slow(tmp_path: Path) -> None:
    store = SpoolStore(tmp_path / "s.sqlite3", stale_after=5.0)
    store.put(_response(0).id, b"05941", b"v0", 0.0)
    flusher = Flusher(store, SlowProducer(Broker()), "topic", lease_ttl=60)  # type: ignore[arg-type]
    renewals = []
    real = store.acquire_lease

    def spy(holder: str, ttl: float, now: float, name: str = "flush") -> bool:
        renewals.append(holder)
        return real(holder, ttl, now, name)

    store.acquire_lease = spy  # type: ignore[method-assign]
    assert flusher.step() == (1, False)
    # Taken, renewed once the producer exists, then at each slow poll.
    assert renewals == [flusher.holder] * 4
    assert store.depth() == 0


class SlowStartProducer(FakeProducer):
    """Making the producer and each send take ``delay`` seconds; after each send
    another worker tries to take the lease."""

    def __init__(self, broker: Broker, store: SpoolStore, delay: float) -> None:
        super().__init__(broker)
        self.store = store
        self.delay = delay
        self.taken_by_other: list[bool] = []

    def get(self) -> FakeProducer:
        time.sleep(self.delay)
        return self

    def send(self, topic: str, key: bytes | None, value: bytes) -> Any:
        time.sleep(self.delay)
        self.taken_by_other.append(self.store.acquire_lease("other", 0.3, time.time()))
        return super().send(topic, key, value)


def test_flusher_renews_its_lease_after_making_the_producer_and_between_sends(
    tmp_path: Path,
) -> None:
    """Producer creation plus four sends last 1 s, three times the 0.3 s lease: it
    must be renewed on the way, or another worker takes over and sends the same rows."""
    store = SpoolStore(tmp_path / "s.sqlite3", stale_after=5.0)
    for i in range(4):
        store.put(_response(i).id, b"05941", f"v{i}".encode(), 0.0)
    broker = Broker()
    producer = SlowStartProducer(broker, store, delay=0.2)
    flusher = Flusher(store, producer, "topic", lease_ttl=0.3)  # type: ignore[arg-type]
    assert flusher.step() == (4, False)
    assert producer.taken_by_other == [False] * 4
    lease = store.lease()
    assert lease is not None and lease[0] == flusher.holder


def test_flusher_renews_unless_the_lease_left_covers_one_more_blocking_call(
    tmp_path: Path,
) -> None:
    """TTL 7 s against 5 s blocking calls: 1.5 s after a renewal only 5.5 s are left,
    so a send blocking 5 s (plus a busy database) could outlast it. Skipping renewals
    for a third of the TTL (2.3 s) let another worker take the lease mid-send."""

    class Blocking(FakeProducer):
        max_block = 5.0

    store = SpoolStore(tmp_path / "s.sqlite3", stale_after=5.0)
    flusher = Flusher(store, Blocking(Broker()), "topic", lease_ttl=5.0)  # type: ignore[arg-type]
    assert flusher.lease_ttl == 7.0
    assert flusher._renew(force=True)
    taken = store.lease()
    flusher._renewed -= 0.5
    assert flusher._renew() and store.lease() == taken  # 6.5 s left: skipped
    flusher._renewed -= 1.0
    assert flusher._renew()
    renewed = store.lease()
    assert taken is not None and renewed is not None and renewed[1] > taken[1]


def test_flusher_lease_outlives_the_longest_blocking_call(tmp_path: Path) -> None:
    class Blocking(FakeProducer):
        max_block = 5.0  # seconds a send or the producer's creation may block

    store = SpoolStore(tmp_path / "s.sqlite3", stale_after=5.0)
    store.put(_response(0).id, b"05941", b"v0", 0.0)
    flusher = Flusher(store, Blocking(Broker()), "topic", lease_ttl=5.0)  # type: ignore[arg-type]
    before = time.time()
    assert flusher.step() == (1, False)
    lease = store.lease()
    assert lease is not None and lease[1] - before >= 7.0 - 0.1


def test_only_the_first_reset_of_a_producer_generation_closes_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two request threads fail on producer 1; the first resets it, a third thread
    makes producer 2; the second thread's late reset must not close producer 2."""
    made: list[Any] = []

    class Made:
        def __init__(self) -> None:
            self.closed = False
            made.append(self)

        def close(self, timeout: float | None = None) -> None:
            self.closed = True

    monkeypatch.setattr("thuocdo_intake.publisher.make_producer", lambda *a, **k: Made())
    producer = LazyProducer(KafkaSettings.from_env({}), timeout=1.0)

    def in_thread(fn: Callable[[], object]) -> None:
        t = threading.Thread(target=fn)
        t.start()
        t.join()

    late = threading.Event()
    go = threading.Event()

    def second_thread() -> None:
        producer.get()  # uses generation 1
        late.set()
        go.wait(5)
        producer.reset()  # late: generation 2 exists by now

    t2 = threading.Thread(target=second_thread)
    t2.start()
    late.wait(5)

    def first_thread() -> None:
        producer.get()
        producer.reset()  # the first failure seen on generation 1 closes it

    in_thread(first_thread)
    in_thread(producer.get)  # a fresh request makes generation 2
    go.set()
    t2.join()
    assert [m.closed for m in made] == [True, False]
    assert producer.get() is made[1]
