"""Kafka helpers on kafka-python: producer and consumer factories, topic creation,
and a small :class:`Publisher` interface with a Kafka and an in-memory implementation
(the in-memory one is for unit tests of pure logic only)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from .config import KafkaSettings

log = logging.getLogger(__name__)

# Settings that, when overridden, would silently switch idempotence off (kafka-python
# 3 turns it off rather than failing). We refuse them instead.
_IDEMPOTENCE_BREAKERS = {"acks", "retries", "max_in_flight_requests_per_connection"}


# kafka-python backs off up to 30 s between reconnection attempts by default: after
# a broker outage scoring's consumer sat idle that long while intake's spool had
# already drained (seen in tests/faults). Every client here retries each second.
RECONNECT_BACKOFF_MAX_MS = 1000


class DeliveryError(RuntimeError):
    """The broker did not confirm a record within the timeout."""


def make_producer(settings: KafkaSettings, **overrides: Any) -> KafkaProducer:
    """An idempotent producer with ``acks="all"``; records are only "sent" once the
    send future resolves (see :func:`send_confirmed`)."""
    bad = _IDEMPOTENCE_BREAKERS & overrides.keys()
    if bad:
        raise ValueError(f"refusing overrides that weaken delivery guarantees: {sorted(bad)}")
    config: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers.split(","),
        "acks": "all",
        "enable_idempotence": True,
        "linger_ms": 2,
        "client_id": "thuocdo",
        "reconnect_backoff_max_ms": RECONNECT_BACKOFF_MAX_MS,
        # kafka-python's own sensors cost CPU on every record and nothing reads them.
        "metrics_enabled": False,
    }
    config.update(overrides)
    return KafkaProducer(**config)


def close_producer(producer: KafkaProducer, timeout: float) -> Exception | None:
    """Close ``producer``, waiting up to ``timeout`` seconds for its records to be
    acknowledged or to expire. Returns the error when some had not by then: they
    are abandoned (a caller keeps its own copy of anything not acknowledged) and
    the producer's sender thread is stopped all the same.

    kafka-python's ``close`` raises when its flush times out, before it stops the
    sender: the thread then runs for good, and ``__del__`` raises again at exit
    ("Exception ignored in KafkaProducer.__del__"). It has no public abort, hence
    the two private names, pinned by tests/faults/test_producer_close.py.
    """
    try:
        producer.close(timeout=timeout)
    except Exception as exc:  # KafkaTimeoutError from flush, or a closing error
        sender = getattr(producer, "_sender", None)
        if sender is not None:
            sender.force_close()  # fails what is left, then stops the thread
        producer._closed = True  # so __del__ does nothing
        return exc
    return None


def send_confirmed(
    producer: KafkaProducer,
    topic: str,
    value: bytes,
    key: bytes | None = None,
    timeout: float = 10.0,
    headers: list[tuple[str, bytes]] | None = None,
) -> Any:
    """Send one record and wait for the broker's acknowledgement.

    Returns the record metadata (topic, partition, offset). Raises
    :class:`DeliveryError` if it is not acknowledged within ``timeout`` seconds.
    """
    try:
        future = producer.send(topic, value=value, key=key, headers=headers or [])
        return future.get(timeout=timeout)
    except KafkaError as exc:
        raise DeliveryError(f"not acknowledged: {type(exc).__name__}: {exc}") from exc


def make_consumer(
    settings: KafkaSettings,
    group_id: str | None,
    topics: Iterable[str] = (),
    **overrides: Any,
) -> KafkaConsumer:
    """A consumer with manual commits (``enable_auto_commit=False``) that starts at
    the earliest offset of a new group. Pass no topics to ``assign``/``subscribe``
    yourself (e.g. with a rebalance listener)."""
    config: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers.split(","),
        "group_id": group_id,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "client_id": "thuocdo",
        "isolation_level": "read_committed",
        "reconnect_backoff_max_ms": RECONNECT_BACKOFF_MAX_MS,
    }
    config.update(overrides)
    consumer = KafkaConsumer(**config)
    topics = list(topics)
    if topics:
        consumer.subscribe(topics)
    return consumer


def _admin(settings: KafkaSettings, timeout_ms: int) -> KafkaAdminClient:
    return KafkaAdminClient(
        bootstrap_servers=settings.bootstrap_servers.split(","),
        client_id="thuocdo-admin",
        request_timeout_ms=timeout_ms,
    )


def ensure_topics(
    settings: KafkaSettings,
    topics: Iterable[str] | None = None,
    timeout_ms: int = 30_000,
) -> list[str]:
    """Create the topics (default: the three of the contract) if missing, the
    responses topic and the DLQ with ``settings.retention_ms``; an existing one whose
    retention differs (made before, by hand, or by a client with the broker's 7-day
    default) gets it set. Partitions of existing topics are left alone.

    Returns the names that were created now.
    """
    names = list(settings.topics if topics is None else topics)
    retention = settings.retention_ms
    admin = _admin(settings, timeout_ms)
    try:
        existing = set(admin.list_topics())
        created: list[str] = []
        for name in (n for n in names if n not in existing):
            topic = NewTopic(
                name,
                num_partitions=settings.partitions,
                replication_factor=settings.replication_factor,
                topic_configs={"retention.ms": str(retention[name])} if name in retention else None,
            )
            # One at a time: a topic made meanwhile (another process, or one created
            # just before and not listed yet) is one that exists, whose retention is
            # checked below. In one batch, that refusal left the batch's other topics
            # unknown and the existing one with the broker's 7-day default (CI saw it).
            try:
                admin.create_topics([topic], timeout_ms=timeout_ms)
            except TopicAlreadyExistsError:
                continue
            created.append(name)
        kept = [n for n in names if n in retention and n not in created]
        for name, was in topic_retention(admin, kept).items():
            if was != retention[name]:
                resource = ConfigResource(
                    ConfigResourceType.TOPIC, name, configs={"retention.ms": str(retention[name])}
                )
                # kafka-python reports a refusal (policy, authorisation) in the result.
                result = admin.alter_configs([resource]).get("topic", {}).get(name)
                if result != "OK":
                    raise KafkaError(f"topic {name}: retention.ms not set: {result}")
                log.info("topic %s: retention.ms %s -> %s", name, was, retention[name])
        wanted = {n: retention[n] for n in names if n in retention}
        await_retention(lambda: topic_retention(admin, wanted), wanted, timeout_ms / 1000)
        return created
    finally:
        admin.close()


def await_retention(
    read: Callable[[], Mapping[str, int | None]],
    wanted: Mapping[str, int],
    timeout_s: float,
    pause_s: float = 0.1,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Wait until ``read()`` shows each topic's wanted ``retention.ms``.

    A KRaft broker answers a topic creation or a config change once its controller has
    committed it, and applies it to what it describes a moment later: right after
    :func:`ensure_topics` a reader could still see the 7-day default (CI saw it once).
    Raises :class:`KafkaError` naming the topics still different after ``timeout_s``.
    """
    deadline = clock() + timeout_s
    while True:
        seen = read()
        late = {n: seen.get(n) for n, ms in wanted.items() if seen.get(n) != ms}
        if not late:
            return
        if clock() >= deadline:
            shown = ", ".join(f"{n}: {late[n]} (not {wanted[n]})" for n in late)
            raise KafkaError(f"retention.ms not applied by the broker in {timeout_s:g} s: {shown}")
        sleep(pause_s)


def retention_of(settings: KafkaSettings, timeout_ms: int = 30_000) -> dict[str, int | None]:
    """``retention.ms`` of the contract's topics on the broker (see :func:`topic_retention`)."""
    admin = _admin(settings, timeout_ms)
    try:
        return topic_retention(admin, settings.topics)
    finally:
        admin.close()


def partitions_of(settings: KafkaSettings, timeout_ms: int = 30_000) -> dict[str, int]:
    """How many partitions each of the contract's topics has on the broker (a topic
    not there is left out)."""
    admin = _admin(settings, timeout_ms)
    try:
        described = admin.describe_topics(list(settings.topics))
    finally:
        admin.close()
    return {t["name"]: len(t["partitions"]) for t in described if not t.get("error_code")}


def topic_retention(admin: KafkaAdminClient, names: Iterable[str]) -> dict[str, int | None]:
    """``retention.ms`` of each topic as the broker applies it (its own default
    included); None where the broker gave none."""
    names = list(names)
    resources = [
        ConfigResource(ConfigResourceType.TOPIC, n, configs=["retention.ms"]) for n in names
    ]
    if not resources:
        return {}
    found = admin.describe_configs(resources, config_filter="All").get("topic", {})
    out: dict[str, int | None] = {}
    for name in names:
        value = found.get(name, {}).get("retention.ms", {}).get("value")
        out[name] = None if value is None else int(value)
    return out


class Publisher(Protocol):
    """Where a service puts records. Implementations confirm delivery in ``publish``."""

    def publish(self, topic: str, key: bytes | None, value: bytes) -> None: ...

    def close(self) -> None: ...


class KafkaPublisher:
    """:class:`Publisher` backed by an idempotent, acks=all producer."""

    def __init__(self, settings: KafkaSettings, timeout: float = 10.0, **overrides: Any) -> None:
        self._producer = make_producer(settings, **overrides)
        self._timeout = timeout

    def publish(self, topic: str, key: bytes | None, value: bytes) -> None:
        send_confirmed(self._producer, topic, value, key=key, timeout=self._timeout)

    def close(self) -> None:
        close_producer(self._producer, self._timeout)


@dataclass
class InMemoryPublisher:
    """:class:`Publisher` that appends to lists; for unit tests only."""

    records: dict[str, list[tuple[bytes | None, bytes]]] = field(default_factory=dict)
    fail: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def publish(self, topic: str, key: bytes | None, value: bytes) -> None:
        if self.fail:
            raise DeliveryError("in-memory publisher set to fail")
        with self._lock:
            self.records.setdefault(topic, []).append((key, value))

    def close(self) -> None:
        return None
