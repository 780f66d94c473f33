"""Scoring throughput: ``thuocdo-scoring consume`` end to end vs a bare consumer.

Produces N generated responses to a fresh topic, then measures (1) how fast a bare
kafka-python consumer reads them, and (2) how fast a real ``thuocdo-scoring
consume`` process decodes, validates, aggregates and commits them to its SQLite
store (polling the store until all N are counted). Prints both rates and the ratio
and writes ``bench/results/scoring.json``.

    KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:29092 .venv/bin/python bench/scoring/run.py [-n 50000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer
from kafka.structs import TopicPartition
from thuocdo_shared.config import KafkaSettings
from thuocdo_shared.kafka import ensure_topics, make_producer
from thuocdo_shared.units import LOCAL_TZ

ROOT = Path(__file__).resolve().parents[2]
OLD = ["05908", "05911", "05917", "05920", "05923", "05926", "05953", "05959", "05968"]
NEW = ["05908", "05923", "05941", "05953", "05917"]
COMMENTS = ["Chờ đợi lâu quá", "Cán bộ nhiệt tình", "Thủ tục rườm rà", "cho doi lau qua", "Tốt"]


def responses(n: int, seed: int = 1) -> list[bytes]:
    rnd = random.Random(seed)
    start = dt.datetime(2025, 6, 1, tzinfo=LOCAL_TZ)
    out = []
    for _ in range(n):
        when = start + dt.timedelta(minutes=rnd.randrange(61 * 24 * 60))
        code = rnd.choice(NEW if when.date() >= dt.date(2025, 7, 1) else OLD)
        data: dict[str, Any] = {
            "id": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
            "submitted_at": when.isoformat(),
            "kiosk_id": f"k-{code}",
            "commune_code": code,
            "field": rnd.choice(["ho_tich", "dat_dai", "chung_thuc"]),
            "overall": rnd.randint(1, 5),
        }
        if rnd.random() < 0.3:
            data["issues"] = ["waiting_time"]
        if rnd.random() < 0.2:
            data["criteria"] = {"tc1": rnd.randint(1, 5), "cc1": rnd.randint(1, 5)}
        if rnd.random() < 0.2:
            data["comment"] = rnd.choice(COMMENTS)
        out.append(json.dumps({"schema": "survey.response/1", "data": data}).encode())
    return out


def produce(settings: KafkaSettings, values: list[bytes]) -> float:
    producer = make_producer(settings, linger_ms=20, batch_size=256 * 1024)
    t0 = time.perf_counter()
    for i, v in enumerate(values):
        producer.send(settings.responses_topic, value=v, key=str(i % 16).encode())
    producer.flush()
    producer.close()
    return time.perf_counter() - t0


def bare_read(settings: KafkaSettings, n: int) -> float:
    """Seconds for a bare consumer (no group, no decoding) to read n records."""
    consumer = KafkaConsumer(
        bootstrap_servers=settings.bootstrap_servers.split(","),
        enable_auto_commit=False,
        max_poll_records=500,
    )
    t0 = time.perf_counter()
    parts = consumer.partitions_for_topic(settings.responses_topic) or set()
    consumer.assign([TopicPartition(settings.responses_topic, p) for p in parts])
    consumer.seek_to_beginning()
    seen = 0
    while seen < n:
        for batch in consumer.poll(timeout_ms=1000).values():
            seen += len(batch)
    elapsed = time.perf_counter() - t0
    consumer.close()
    return elapsed


def stored(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM responses").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def scoring_consume(
    settings: KafkaSettings, n: int, classify: bool, workdir: Path
) -> dict[str, float]:
    db = workdir / "scoring.sqlite3"
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": settings.bootstrap_servers,
        "THUOCDO_TOPIC_RESPONSES": settings.responses_topic,
        "THUOCDO_TOPIC_DLQ": settings.dlq_topic,
        "THUOCDO_TOPIC_UPDATES": settings.updates_topic,
        "THUOCDO_SCORING_DB": str(db),
        "THUOCDO_SCORING_GROUP": f"bench-{uuid.uuid4().hex[:8]}",
        "THUOCDO_SCORING_CLASSIFY": "true" if classify else "false",
    }
    exe = Path(sys.executable).parent / "thuocdo-scoring"
    log = (workdir / "consume.log").open("wb")
    t0 = time.perf_counter()
    proc = subprocess.Popen([str(exe), "consume"], env=env, stdout=log, stderr=subprocess.STDOUT)
    first: float | None = None
    try:
        while True:
            count = stored(db) if db.exists() else 0
            now = time.perf_counter()
            if count and first is None:
                first = now
            if count >= n:
                break
            if proc.poll() is not None:
                raise RuntimeError(f"consumer exited: see {workdir / 'consume.log'}")
            if now - t0 > 150:
                raise RuntimeError(f"only {count} of {n} counted after 150 s")
            time.sleep(0.05)
        done = time.perf_counter()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    return {"from_launch_s": done - t0, "from_first_row_s": done - (first or t0)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=50_000, help="responses (default 50000)")
    parser.add_argument("--no-classify", action="store_true", help="without the comment model")
    args = parser.parse_args()
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    settings = KafkaSettings(bootstrap_servers=bootstrap).with_prefix(
        f"bench-{uuid.uuid4().hex[:8]}"
    )
    ensure_topics(settings)
    values = responses(args.n)
    produce_s = produce(settings, values)
    bare_s = bare_read(settings, args.n)
    with tempfile.TemporaryDirectory(prefix="thuocdo-bench-") as tmp:
        e2e = scoring_consume(settings, args.n, not args.no_classify, Path(tmp))
    bare_rate = args.n / bare_s
    e2e_rate = args.n / e2e["from_launch_s"]
    steady_rate = args.n / e2e["from_first_row_s"]
    result = {
        "n": args.n,
        "classify": not args.no_classify,
        "produce_per_s": round(args.n / produce_s),
        "bare_consumer_per_s": round(bare_rate),
        "scoring_end_to_end_per_s": round(e2e_rate),
        "scoring_steady_per_s": round(steady_rate),
        "ratio_end_to_end_vs_bare": round(e2e_rate / bare_rate, 3),
        "ratio_steady_vs_bare": round(steady_rate / bare_rate, 3),
        "seconds": {"bare": round(bare_s, 2), **{k: round(v, 2) for k, v in e2e.items()}},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    print(f"responses:                    {args.n}")
    print(f"bare kafka-python consumer:   {bare_rate:10.0f} responses/s")
    print(f"thuocdo-scoring consume:      {e2e_rate:10.0f} responses/s end to end (from launch)")
    print(
        f"                              {steady_rate:10.0f} responses/s from the first stored row"
    )
    ratio, steady_ratio = e2e_rate / bare_rate, steady_rate / bare_rate
    print(f"ratio scoring/bare:           {ratio:10.3f} (steady {steady_ratio:.3f})")
    out = ROOT / "bench" / "results" / "scoring.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
