"""What one intake process holds: the stores, the producer, the flusher."""

from __future__ import annotations

import atexit
import contextlib
import socket
from dataclasses import dataclass
from typing import Any

from . import metrics
from .flusher import Flusher
from .intake import Intake
from .kiosks import KioskRegistry
from .publisher import LazyProducer
from .ratelimit import RateLimiter
from .settings import Settings
from .spool import SpoolStore


@dataclass
class Runtime:
    settings: Settings
    kiosks: KioskRegistry
    store: SpoolStore
    producer: LazyProducer
    flush_producer: LazyProducer
    intake: Intake
    limiter: RateLimiter
    flusher: Flusher

    @classmethod
    def build(cls, settings: Settings, start_flusher: bool = True) -> Runtime:
        kiosks = KioskRegistry(settings.kiosk_db)
        # A claim older than this belongs to a request that died mid-publish.
        store = SpoolStore(settings.spool_db, stale_after=settings.publish_timeout + 5.0)
        producer = LazyProducer(settings.kafka, settings.publish_timeout, settings.linger_ms)
        # The flusher's own producer may take its time: a long delivery timeout lets
        # kafka-python's idempotent retries (deduplicated by the broker) ride out a
        # slow broker instead of failing and re-sending under a new producer id.
        flush_producer = LazyProducer(settings.kafka, settings.flush_timeout, settings.linger_ms)
        flusher = Flusher(
            store,
            flush_producer,
            settings.kafka.responses_topic,
            batch=settings.flush_batch,
            interval=settings.flush_interval,
            lease_ttl=settings.lease_ttl,
            keep_ids_seconds=settings.dedupe_days * 86400.0,
        )

        def publish(topic: str, key: bytes | None, value: bytes) -> Any:
            with metrics.PUBLISH_SECONDS.time():
                return producer.publish(topic, key, value)

        intake = Intake(
            store,
            publish,
            settings.kafka.responses_topic,
            on_spooled=flusher.wake,
            on_failure=producer.reset,
        )
        limiter = RateLimiter(settings.rate_per_minute, settings.rate_burst)
        runtime = cls(settings, kiosks, store, producer, flush_producer, intake, limiter, flusher)
        if start_flusher:
            # create_app runs in each gunicorn worker (no --preload), after the fork,
            # so this thread and the lazily made producer belong to the worker.
            flusher.start()
            atexit.register(runtime.close)
        return runtime

    def close(self) -> None:
        self.flusher.stop()
        self.producer.close()
        self.flush_producer.close()
        self.store.write_marks()

    def kafka_reachable(self, timeout: float = 0.5) -> bool:
        """Whether a TCP connection to any bootstrap server opens within ``timeout``."""
        for server in self.settings.kafka.bootstrap_servers.split(","):
            host, _, port = server.strip().rpartition(":")
            with contextlib.suppress(OSError, ValueError):
                socket.create_connection((host or "localhost", int(port)), timeout=timeout).close()
                return True
        return False

    def ready(self) -> tuple[bool, dict[str, Any]]:
        """Ready when Kafka answers or, failing that, the spool can take responses."""
        kafka = self.kafka_reachable()
        writable = self.store.writable()
        return kafka or writable, {
            "kafka": kafka,
            "spool_writable": writable,
            "spool_depth": self.store.depth(),
        }
