"""The worker's Kafka producer, created lazily in the process that uses it.

A ``KafkaProducer`` owns sockets and a sender thread; after ``fork`` the child has
neither, so sharing one across gunicorn's fork is a silent loss of records. Each
worker creates its own on first use (and again after a failure).
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from kafka import KafkaProducer
from thuocdo_shared.config import KafkaSettings
from thuocdo_shared.kafka import DeliveryError, close_producer, make_producer

log = logging.getLogger(__name__)


class LazyProducer:
    """One producer per process. ``timeout`` (seconds) bounds how long a record may
    wait for the broker's acknowledgement, including connecting and retries."""

    def __init__(self, settings: KafkaSettings, timeout: float, linger_ms: int = 20) -> None:
        self.settings = settings
        self.timeout = timeout
        self.linger_ms = linger_ms
        self._producer: KafkaProducer | None = None
        self._pid = 0
        self._lock = threading.Lock()
        # Each producer made is a new generation; a thread remembers the generation
        # it last used, so a failure seen on an old producer never closes a new one.
        self._generation = 0
        self._used = threading.local()

    @property
    def max_block(self) -> float:
        """Seconds one call may block before failing: creating the producer
        (bootstrap) or ``send`` waiting for metadata or buffer space."""
        return min(self.timeout, 5.0)

    def _config(self) -> dict[str, Any]:
        deadline_ms = int(self.timeout * 1000)
        linger_ms = self.linger_ms
        request_ms = min(max(100, deadline_ms - linger_ms - 50), 10_000)
        return {
            # The record itself expires (fails) by this deadline, so when a caller
            # gives up and spools it, the producer will not deliver it later too.
            "delivery_timeout_ms": deadline_ms,
            "request_timeout_ms": request_ms,
            "max_block_ms": min(deadline_ms, 5_000),
            "bootstrap_timeout_ms": min(deadline_ms, 5_000),
            "linger_ms": linger_ms,
        }

    def get(self) -> KafkaProducer:
        """The process's producer, created now if needed. Raises DeliveryError when
        no broker answers within the timeout."""
        with self._lock:
            if self._producer is None or self._pid != os.getpid():
                try:
                    self._producer = make_producer(self.settings, **self._config())
                except Exception as exc:  # kafka-python raises several kinds here
                    raise DeliveryError(f"no producer: {type(exc).__name__}: {exc}") from exc
                self._pid = os.getpid()
                self._generation += 1
            self._used.generation = self._generation
            return self._producer

    def send(self, topic: str, key: bytes | None, value: bytes) -> Any:
        """Start sending one record; returns the future (see :meth:`wait`)."""
        try:
            return self.get().send(topic, key=key, value=value)
        except DeliveryError:
            raise
        except Exception as exc:
            raise DeliveryError(f"send failed: {type(exc).__name__}: {exc}") from exc

    def wait(self, future: Any, timeout: float | None = None) -> Any:
        """Block until the broker acknowledged (returns record metadata) or the record
        failed (DeliveryError). By default waits a second longer than the delivery
        timeout so the outcome is final, not merely unknown; with a shorter
        ``timeout`` check ``future.is_done`` after a DeliveryError."""
        try:
            return future.get(timeout=self.timeout + 1.0 if timeout is None else timeout)
        except Exception as exc:
            raise DeliveryError(f"not acknowledged: {type(exc).__name__}: {exc}") from exc

    def publish(self, topic: str, key: bytes | None, value: bytes) -> Any:
        """Send one record and wait for its acknowledgement (acks=all)."""
        return self.wait(self.send(topic, key, value))

    def reset(self) -> None:
        """Drop the producer after a failure; the next use creates a fresh one. Only
        the producer this thread last used is dropped: when many request threads
        fail on one producer, the first reset closes it and the others are ignored,
        instead of closing the fresh producer other threads already send on."""
        used = getattr(self._used, "generation", None)
        with self._lock:
            if used is not None and used != self._generation:
                return
            producer, self._producer = self._producer, None
        if producer is not None and self._pid == os.getpid():
            # Other threads may still wait on its records; each is acknowledged or
            # expires by the delivery deadline, so it is closed in the background
            # after that, without failing any of them early.
            threading.Thread(
                target=_close_quietly,
                args=(producer, self.timeout + 1.0),
                name="thuocdo-producer-close",
                daemon=True,
            ).start()

    def close(self) -> None:
        with self._lock:
            producer, self._producer = self._producer, None
        if producer is None or self._pid != os.getpid():
            return
        # Bounded: gunicorn kills a worker that takes longer than its graceful
        # timeout, and an unacknowledged spool row is simply sent again later.
        error = close_producer(producer, min(self.timeout, 2.0))
        if error is not None:
            log.info("producer closed with records not acknowledged (kept in the spool): %r", error)


def _close_quietly(producer: KafkaProducer, timeout: float) -> None:
    error = close_producer(producer, timeout)
    if error is not None:  # its records should have settled by then
        log.warning("replaced producer closed with records still held: %r", error)
