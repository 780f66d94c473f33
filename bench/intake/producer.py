"""What one acknowledged Kafka record costs intake's producer (not a test).

Intake answers "accepted" only after the broker acknowledged the record (acks=all,
idempotent), so each request thread sends one record and waits for it. This measures
that pattern alone, with the producer settings intake uses (``make_producer``): for each
thread count, every thread sends 400-byte records keyed by a commune code and waits for
each acknowledgement; it prints records/s and the process's CPU time per record (the
caller's threads plus kafka-python's own). Compare with the CPU per request that
``run.py`` prints for intake and for the bare endpoint.

    .venv/bin/python bench/intake/producer.py [--threads 1 4 16 32] [--linger 20]

Uses KAFKA_BOOTSTRAP_SERVERS when set, else starts a local broker on a free port.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from thuocdo_shared.config import KafkaSettings  # noqa: E402
from thuocdo_shared.kafka import ensure_topics, make_producer  # noqa: E402

from tests.support.kafka_local import LocalKafka, free_port  # noqa: E402

VALUE = b"x" * 400


def measure(settings: KafkaSettings, threads: int, records: int, linger_ms: int) -> None:
    producer = make_producer(settings, linger_ms=linger_ms, metrics_enabled=False)
    topic = settings.responses_topic

    def loop(n: int) -> None:
        for _ in range(n):
            producer.send(topic, key=b"05941", value=VALUE).get(timeout=30)

    loop(20)  # connected, producer id assigned, metadata known
    per_thread = max(1, records // threads)
    workers = [threading.Thread(target=loop, args=(per_thread,)) for _ in range(threads)]
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    sent = per_thread * threads
    producer.close(timeout=5)
    print(
        f"{threads:>7} {linger_ms:>9} {sent:>8} {sent / wall:>9.0f} {cpu * 1e6 / sent:>12.0f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 4, 16, 32])
    parser.add_argument("--linger", type=int, default=20, help="linger_ms (intake's default)")
    parser.add_argument("--records", type=int, default=4000, help="records per thread count")
    args = parser.parse_args()

    broker: LocalKafka | None = None
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "").strip()
    if not bootstrap:
        state = Path(tempfile.mkdtemp(prefix="thuocdo-bench-producer-")) / "kafka"
        broker = LocalKafka(free_port(), state_dir=state)
        broker.start()
        bootstrap = broker.bootstrap
    try:
        settings = KafkaSettings(bootstrap_servers=bootstrap, partitions=3).with_prefix(
            f"bench-producer-{uuid.uuid4().hex[:8]}"
        )
        ensure_topics(settings)
        print("threads linger_ms  records  records/s  CPU µs/record")
        for threads in args.threads:
            # Fewer records for one thread: it waits a whole linger per record.
            n = args.records if threads > 1 else min(args.records, 200)
            measure(settings, threads, n, args.linger)
    finally:
        if broker is not None:
            broker.stop()


if __name__ == "__main__":
    main()
