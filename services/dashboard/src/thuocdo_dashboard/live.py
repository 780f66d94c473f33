"""Live refresh: one Kafka listener thread per gunicorn worker reads scoring's
``satisfaction.updates.v1`` and fans each update out to the server-sent-event
streams of that worker, each filtered to the units its user may see.

The listener has no consumer group: it assigns itself every partition and seeks to
the end, so each worker sees every update (a group would split them between
workers) and nothing old is replayed.
"""

from __future__ import annotations

import json
import logging
import queue
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from prometheus_client import Counter, Gauge
from thuocdo_shared.config import KafkaSettings
from thuocdo_shared.events import UPDATE_SCHEMA_ID
from thuocdo_shared.kafka import ensure_topics, make_consumer

log = logging.getLogger(__name__)

UPDATES = Counter("thuocdo_dashboard_updates_total", "satisfaction updates read from Kafka")
STREAMS = Gauge(
    "thuocdo_dashboard_sse_streams", "open server-sent-event streams", multiprocess_mode="livesum"
)

KeyFilter = Callable[[str], bool]
AccessCheck = Callable[[], bool]

# How often (seconds) an open stream re-checks that its user may still see it.
RECHECK_SECONDS = 5.0


@dataclass(eq=False)
class Subscriber:
    """One open ``/events`` stream: receives updates about the keys it allows."""

    allows: KeyFilter
    queue: queue.Queue[dict[str, Any]] = field(default_factory=lambda: queue.Queue(maxsize=64))


class Hub:
    """Fan-out of updates to subscribers, filtered by each one's scope."""

    def __init__(self) -> None:
        self._subs: set[Subscriber] = set()
        self._lock = threading.Lock()
        self.closing = threading.Event()

    def subscribe(self, allows: KeyFilter) -> Subscriber:
        sub = Subscriber(allows)
        with self._lock:
            self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        with self._lock:
            self._subs.discard(sub)

    def publish(self, update: dict[str, Any]) -> int:
        """Give ``update`` (the ``data`` of an update message) to every subscriber that
        may see at least one of its units, with the other units removed. Returns how
        many subscribers got it."""
        keys = [k for k in update.get("units", []) if isinstance(k, str)]
        with self._lock:
            subs = list(self._subs)
        delivered = 0
        for sub in subs:
            visible = [k for k in keys if sub.allows(k)]
            if not visible:
                continue
            # Not scoring's "up_to": it is the newest answer over all the batch's
            # units, including ones this subscriber may not see.
            message: dict[str, Any] = {
                "units": visible,
                "committed_at": update.get("committed_at"),
            }
            spans = update.get("spans")
            if isinstance(spans, dict):  # (none from a scoring older than them)
                message["spans"] = {k: spans[k] for k in visible if k in spans}
            try:
                sub.queue.put_nowait(message)
                delivered += 1
            except queue.Full:  # a stuck client: drop, it re-fetches on the next one
                pass
        return delivered

    def close(self) -> None:
        """Ask every open stream to end (worker shutdown)."""
        self.closing.set()


def sse(event: str, data: dict[str, Any]) -> str:
    """One server-sent event."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def stream(
    hub: Hub,
    allows: KeyFilter,
    ready: threading.Event,
    ping_every: float = 15.0,
    still_allowed: AccessCheck | None = None,
) -> Iterator[str]:
    """The body of ``/events`` for one user: ``hello`` once the listener is in place,
    then ``update`` events, with comment pings to keep proxies from closing it.

    ``still_allowed`` is called at most every :data:`RECHECK_SECONDS` (while idle,
    and before an event or ping is sent when the last check is older); once it is
    False the stream ends (a disabled account, a logout, an expired session)."""
    sub = hub.subscribe(allows)
    STREAMS.inc()
    checked = time.monotonic()

    def allowed() -> bool:
        nonlocal checked
        if still_allowed is None or time.monotonic() - checked < RECHECK_SECONDS:
            return True
        checked = time.monotonic()
        return still_allowed()

    try:
        yield "retry: 2000\n\n"
        yield sse("hello", {"listening": ready.is_set()})
        if not ready.is_set():
            while not ready.wait(timeout=1.0):
                if hub.closing.is_set() or not allowed():
                    return
            yield sse("hello", {"listening": True})
        idle = 0.0
        while not hub.closing.is_set():
            try:
                item = sub.queue.get(timeout=1.0)
            except queue.Empty:
                if not allowed():
                    return
                idle += 1.0
                if idle >= ping_every:
                    idle = 0.0
                    yield ": ping\n\n"
                continue
            if not allowed():
                return
            idle = 0.0
            yield sse("update", item)
    finally:
        STREAMS.dec()
        hub.unsubscribe(sub)


class UpdateListener(threading.Thread):
    """Reads the updates topic from its end and hands each message to the hub."""

    def __init__(self, settings: KafkaSettings, hub: Hub) -> None:
        super().__init__(name="thuocdo-updates", daemon=True)
        self.settings = settings
        self.hub = hub
        self.ready = threading.Event()

    def _consumer(self) -> KafkaConsumer:
        # Scoring creates the topic; creating it here too means the dashboard can
        # start first (creation is idempotent).
        ensure_topics(self.settings, [self.settings.updates_topic])
        # No group: every dashboard worker reads every update from the end on.
        consumer = make_consumer(self.settings, None, client_id="thuocdo-dashboard")
        topic = self.settings.updates_topic
        parts = None
        deadline = time.monotonic() + 30
        while not parts and time.monotonic() < deadline and not self.hub.closing.is_set():
            parts = consumer.partitions_for_topic(topic)
            if not parts:
                time.sleep(0.5)
        if not parts:
            consumer.close()
            raise RuntimeError(f"topic {topic} has no partitions")
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        consumer.assign(tps)
        consumer.seek_to_end(*tps)
        for tp in tps:  # resolve the end offsets now, so nothing after "ready" is missed
            consumer.position(tp)
        return consumer

    def run(self) -> None:
        failed = False
        while not self.hub.closing.is_set():
            try:
                consumer = self._consumer()
            except Exception as exc:
                log.warning("updates listener cannot start: %s", exc, extra={"repeating": True})
                failed = True
                time.sleep(2)
                continue
            if failed:  # the log says when it healed, not only when it broke
                log.info("updates listener connected again")
                failed = False
            self.ready.set()
            try:
                while not self.hub.closing.is_set():
                    batches = consumer.poll(timeout_ms=250)
                    for records in batches.values():
                        for record in records:
                            self._handle(record.value)
            except Exception as exc:
                log.warning(
                    "updates listener failed, restarting: %s", exc, extra={"repeating": True}
                )
                failed = True
                time.sleep(1)
            finally:
                try:
                    consumer.close()
                except Exception:  # closing a broken consumer may fail too
                    log.debug("closing consumer failed", exc_info=True)

    def _handle(self, value: bytes | None) -> None:
        try:
            message = json.loads(value or b"")
        except ValueError:
            log.warning("update is not JSON; ignored")
            return
        if not isinstance(message, dict) or not str(message.get("schema", "")).startswith(
            UPDATE_SCHEMA_ID.split("/")[0] + "/1"
        ):
            log.warning("update with unknown schema %r ignored", message)
            return
        data = message.get("data")
        if isinstance(data, dict):
            UPDATES.inc()
            self.hub.publish(data)


def start(settings: KafkaSettings, hub: Hub) -> UpdateListener:
    """Start the listener in this worker, and end open streams when the worker is
    asked to stop (otherwise gunicorn waits its graceful timeout for them)."""
    listener = UpdateListener(settings, hub)
    listener.start()
    if threading.current_thread() is threading.main_thread():
        previous = signal.getsignal(signal.SIGTERM)

        def _on_term(signum: int, frame: Any) -> None:
            hub.close()
            if callable(previous):
                previous(signum, frame)

        signal.signal(signal.SIGTERM, _on_term)
    return listener
