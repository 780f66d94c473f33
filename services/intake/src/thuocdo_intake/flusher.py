"""Draining the spool to Kafka, in order, from whichever worker holds the lease.

Every gunicorn worker runs one :class:`Flusher` thread; the SQLite lease lets one
of them send at a time, and its expiry hands the work to another worker when the
holder is killed. A row is deleted only after the broker acknowledged it, so a
crash between sending and deleting re-sends a few records (same ids; scoring drops
them) and never loses one.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from typing import Any

from thuocdo_shared.kafka import DeliveryError

from . import metrics
from .publisher import LazyProducer
from .spool import SpoolRow, SpoolStore

log = logging.getLogger(__name__)


class Flusher:
    """Background drainer. ``interval`` and ``lease_ttl`` are seconds."""

    def __init__(
        self,
        store: SpoolStore,
        producer: LazyProducer,
        topic: str,
        batch: int = 100,
        interval: float = 0.5,
        lease_ttl: float = 5.0,
        keep_ids_seconds: float = 30 * 86400,
    ) -> None:
        self.store = store
        self.producer = producer
        self.topic = topic
        self.batch = batch
        self.interval = interval
        # The lease must outlive the longest single blocking call between two
        # renewals (making the producer, one send), or another worker could take it
        # meanwhile and send the same rows interleaved with ours.
        max_block = float(getattr(producer, "max_block", 0.0))
        self.lease_ttl = max(lease_ttl, max_block + 2.0)
        # A renewal is skipped only while what is left of the lease still covers
        # one more blocking call with a second to spare.
        self._renew_after = min(self.lease_ttl / 3, self.lease_ttl - max_block - 1.0)
        self._renewed = 0.0
        self.keep_ids_seconds = keep_ids_seconds
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_prune = 0.0

    def start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="spool-flusher", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            # Rows are deleted only after their ack: leaving mid-wait loses nothing.
            self._thread.join(timeout=3.0)
        try:
            self.store.release_lease(self.holder)
        except Exception:  # shutting down; the lease expires anyway
            log.debug("lease release failed", exc_info=True)

    def _run(self) -> None:
        backoff = self.interval
        while not self._stop.is_set():
            try:
                sent, failed = self.step()
            except Exception:
                log.exception("flusher step failed", extra={"fields": {"event": "flush_error"}})
                sent, failed = 0, True
            if failed:
                backoff = min(backoff * 2, 5.0)
            elif sent:
                backoff = self.interval
                continue  # more may be waiting: go on at once
            self._wake.wait(backoff)
            self._wake.clear()

    def step(self) -> tuple[int, bool]:
        """One pass: (records acknowledged and removed, whether sending failed)."""
        now = time.time()
        self.store.write_marks()
        depth = self.store.depth()
        metrics.SPOOL_DEPTH.set(depth)
        if now >= self._next_prune:
            self._next_prune = now + 3600
            self.store.prune_ids(now - self.keep_ids_seconds)
        if depth == 0:
            return 0, False
        if not self._renew(force=True):
            return 0, False
        try:
            self.producer.get()  # may block up to producer.max_block seconds
        except DeliveryError:
            self.producer.reset()
            return 0, True
        if not self._renew(force=True):
            return 0, False
        rows = self.store.batch(self.batch)
        acked, failed = self._send(rows)
        self.store.delete(acked)
        if acked:
            metrics.FLUSHED.inc(len(acked))
            metrics.SPOOL_DEPTH.set(max(0, depth - len(acked)))
            log.info(
                "flushed spooled responses",
                # "left": what waits after this round ("depth", read before it, could
                # be smaller than the count and read as still waiting).
                extra={
                    "fields": {
                        "event": "flushed",
                        "count": len(acked),
                        "left": max(0, depth - len(acked)),
                    }
                },
            )
        if failed:
            self.producer.reset()
        return len(acked), failed

    def _send(self, rows: list[SpoolRow]) -> tuple[list[SpoolRow], bool]:
        """Send in order; returns the acknowledged prefix and whether one failed."""
        pending = []
        send_failed = False
        for row in rows:
            if not self._renew():
                break  # another worker holds the lease now: it sends the rest
            try:
                pending.append((row, self.producer.send(self.topic, row.key, row.value)))
            except DeliveryError:
                send_failed = True
                break
        acked: list[SpoolRow] = []
        for row, future in pending:
            try:
                self._wait(future)
            except DeliveryError:
                return acked, True
            acked.append(row)
        return acked, send_failed

    def _renew(self, force: bool = False) -> bool:
        """Renew the lease before the next blocking call; skipped when renewed so
        recently that what is left still covers that call. False if another holder
        has taken the lease."""
        if not force and time.monotonic() - self._renewed < self._renew_after:
            return True
        if not self.store.acquire_lease(self.holder, self.lease_ttl, time.time()):
            return False
        self._renewed = time.monotonic()
        return True

    def _wait(self, future: Any) -> None:
        """Wait for one record, renewing the lease every second meanwhile: the
        flusher's producer retries for a long time (nobody waits on it), and another
        worker must not take over and send the same rows while it does."""
        deadline = time.monotonic() + self.producer.timeout + 1.0
        while True:
            try:
                self.producer.wait(future, timeout=1.0)
                return
            except DeliveryError:
                if getattr(future, "is_done", True) or time.monotonic() > deadline:
                    raise
            if not self._renew(force=True):
                raise DeliveryError("lost the flush lease")
