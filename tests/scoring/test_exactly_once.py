"""Exactly-once scoring against the real broker, through real processes.

10,000 generated responses (Phú Bình communes, before and after the 2025-07-01
merger, ~2 % sent twice, ~2 % suspect) and four poison events (one a valid response
dated years ahead) are produced while
``thuocdo-scoring consume`` is SIGKILLed and restarted at least three times. The
figures served by ``thuocdo-scoring serve`` must equal a recomputation in this
test from the generated data (written without the service's code), and the poison
must be in the DLQ with its reason.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import signal
import sqlite3
import threading
import time
import urllib.request
import uuid
from collections import Counter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from kafka.structs import TopicPartition
from thuocdo_shared.config import KafkaSettings
from thuocdo_shared.kafka import make_consumer, make_producer

from tests.support.servers import ServiceProcess
from tests.support.topics import read_topic

pytestmark = pytest.mark.integration

N = 10_000
TOKEN = "t0ken-for-tests"
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
MERGER = dt.date(2025, 7, 1)
OLD_CODES = [f"0{c}" for c in range(5908, 5969, 3) if c != 5914]
NEW_CODES = ["05908", "05923", "05941", "05953", "05917"]
FIELDS = ["ho_tich", "chung_thuc", "dat_dai", "xay_dung", "khac"]
ISSUES = ["waiting_time", "staff_attitude", "paperwork", "fees", "information"]
START = dt.datetime(2025, 6, 1, tzinfo=HCM)
SPAN_MIN = 61 * 24 * 60  # 2025-06-01 .. 2025-07-31, local


def generate(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """``n`` distinct responses as intake would publish them; some repeated (an at-least-once
    producer), timestamps in +07:00 or in UTC."""
    rnd = random.Random(seed)
    out: list[dict[str, Any]] = []
    unique = 0
    while unique < n:
        local = START + dt.timedelta(minutes=rnd.randrange(SPAN_MIN))
        codes = NEW_CODES if local.date() >= MERGER else OLD_CODES
        code = rnd.choice(codes)
        bias = int(code[-2:]) % 3  # communes differ in how satisfied people are
        overall = min(5, max(1, round(rnd.gauss(3.0 + 0.6 * bias, 1.2))))
        when = local if rnd.random() < 0.7 else local.astimezone(dt.UTC)
        resp: dict[str, Any] = {
            "id": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
            "submitted_at": when.isoformat(),
            "kiosk_id": f"k-{code}",
            "commune_code": code,
            "field": rnd.choice(FIELDS),
            "overall": overall,
        }
        if rnd.random() < 0.3:
            resp["issues"] = rnd.sample(ISSUES, rnd.randint(1, 2))
        if rnd.random() < 0.2:
            resp["criteria"] = {"tc1": rnd.randint(1, 5), "cc2": rnd.randint(1, 5)}
        if rnd.random() < 0.02:
            resp["suspect"] = ["rapid_taps"]
        out.append(resp)
        unique += 1
        if rnd.random() < 0.02:
            out.append(dict(resp))  # the same response delivered twice
    return out


def expected(responses: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    """(n, satisfied) per unit key, from the generated data alone."""
    seen: set[str] = set()
    n: Counter[str] = Counter()
    sat: Counter[str] = Counter()
    for r in responses:
        if r["id"] in seen:
            continue
        seen.add(r["id"])
        if r.get("suspect"):
            continue
        day = dt.datetime.fromisoformat(r["submitted_at"]).astimezone(HCM).date()
        key = f"{r['commune_code']}@{'2025-07-01' if day >= MERGER else '-'}"
        n[key] += 1
        sat[key] += r["overall"] >= 4
    return {k: (n[k], sat[k]) for k in n}


POISON = [
    b"\xff\xfe not json at all",
    json.dumps({"schema": "survey.response/2", "data": {}}).encode(),
    None,  # filled in: a valid envelope with overall = 7
]


def produce(
    settings: KafkaSettings, responses: list[dict[str, Any]], done: threading.Event
) -> None:
    bad = dict(responses[0], id=str(uuid.uuid4()), overall=7)
    # valid in itself, but dated years after it was written (not through intake)
    ahead = dict(responses[0], id=str(uuid.uuid4()), submitted_at="2030-01-01T10:00:00+07:00")
    poison = [
        *POISON[:2],
        json.dumps({"schema": "survey.response/1", "data": ahead}).encode(),
        json.dumps({"schema": "survey.response/1", "data": bad}).encode(),
    ]
    producer = make_producer(settings, linger_ms=20, batch_size=64 * 1024)
    try:
        chunk = 400
        for i in range(0, len(responses), chunk):
            for r in responses[i : i + chunk]:
                value = json.dumps({"schema": "survey.response/1", "data": r}).encode()
                producer.send(settings.responses_topic, value=value, key=r["commune_code"].encode())
            if i // chunk in (5, 8, 12, 20):
                producer.send(settings.responses_topic, value=poison.pop(), key=b"05953")
            producer.flush()
            time.sleep(0.25)  # a stream, not one burst: the kills land mid-stream
        assert not poison
    finally:
        producer.close()
        done.set()


def stored(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM responses").fetchone()[0])
    except sqlite3.OperationalError:  # tables not created yet
        return 0


def get(url: str) -> Any:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.load(resp)


def test_killed_consumer_counts_every_response_once(
    kafka_settings: KafkaSettings, group_id: str, tmp_path: Path
) -> None:
    t0 = time.monotonic()
    responses = generate(N)
    want = expected(responses)
    unique = len({r["id"] for r in responses})
    db = tmp_path / "scoring.sqlite3"
    env = {
        **kafka_settings.to_env(),
        "THUOCDO_SCORING_DB": str(db),
        "THUOCDO_SCORING_GROUP": group_id,
        "THUOCDO_SCORING_INSTANCE_ID": f"{group_id}-1",
        "THUOCDO_SCORING_SESSION_TIMEOUT_MS": "6000",
        "THUOCDO_SCORING_MAX_POLL_RECORDS": "200",
        "THUOCDO_SCORING_CLASSIFY": "false",
        "THUOCDO_SCORING_TOKEN": TOKEN,
    }
    done = threading.Event()
    producer = threading.Thread(target=produce, args=(kafka_settings, responses, done))
    producer.start()

    kills = 0
    rnd = random.Random(3)
    consumer = ServiceProcess("scoring", env=env, command=("consume",), log_dir=tmp_path)
    consumer.start()
    try:
        # Kill whenever it has made progress, until the producer is done (>= 3 times).
        while not done.is_set() or kills < 3:
            before = stored(db)
            deadline = time.monotonic() + 30
            while stored(db) <= before and time.monotonic() < deadline:
                time.sleep(0.05)
            assert stored(db) > before, f"no progress:\n{consumer.tail()}"
            time.sleep(rnd.uniform(0.0, 0.6))
            consumer.kill()
            kills += 1
            consumer = ServiceProcess("scoring", env=env, command=("consume",), log_dir=tmp_path)
            consumer.start()
            if kills >= 8:
                break
        producer.join(timeout=60)
        deadline = time.monotonic() + 45
        while stored(db) < unique and time.monotonic() < deadline:
            time.sleep(0.2)
        assert stored(db) == unique, consumer.tail()
        assert kills >= 3
        # The poison: in the DLQ with reasons, and the stream went on past it.
        dlq = read_topic(kafka_settings, 4, topic=kafka_settings.dlq_topic, timeout=20, settle=1.0)
        reasons = sorted(json.loads(m.value)["data"]["reason"] for m in dlq)
        # Each once, however the kills fell between a DLQ write and its batch's commit.
        assert len(dlq) == 4, reasons
        assert len({json.loads(m.value)["data"]["offset"] for m in dlq}) == 4, reasons
        assert "submitted_at in the future" in reasons
        assert any("not UTF-8 JSON" in r for r in reasons), reasons
        assert any("survey.response/2" in r for r in reasons), reasons
        assert any("overall" in r for r in reasons), reasons
        # Offsets in the store reach the end of every partition.
        end = _end_offsets(kafka_settings)
        with sqlite3.connect(db) as conn:
            got = dict(
                conn.execute(
                    "SELECT partition, next_offset FROM consumer_offsets WHERE topic = ?",
                    (kafka_settings.responses_topic,),
                )
            )
        assert got == end

        with ServiceProcess("scoring", env=env, log_dir=tmp_path) as api:
            base = f"{api.url}/api/v1"
            ranking = get(f"{base}/units?parent=19&from=2025-06-01&to=2025-07-31")
            served = {u["unit"]["key"]: (u["n"], u["satisfied"]) for u in ranking["units"]}
            assert {k: v for k, v in served.items() if v[0]} == want
            for u in ranking["units"]:
                n, s = want.get(u["unit"]["key"], (0, 0))
                assert u["index"] == (round(100 * s / n, 2) if n else None)
            total = get(f"{base}/index?unit=19&from=2025-06-01&to=2025-07-31")
            assert total["n"] == sum(n for n, _ in want.values())
            assert total["n"] + total["suspect_excluded"] == unique
            july = get(f"{base}/index?unit=05953&period=2025-07")
            assert july["unit"]["key"] == "05953@2025-07-01"
            assert july["n"] == want["05953@2025-07-01"][0]

        updates = read_topic(
            kafka_settings, 1, topic=kafka_settings.updates_topic, timeout=10, settle=1.0
        )
        bodies = [json.loads(m.value) for m in updates]
        assert bodies and all(b["schema"] == "satisfaction.update/1" for b in bodies)
        assert sum(b["data"]["count"] for b in bodies) <= unique
        assert set().union(*(b["data"]["units"] for b in bodies)) <= set(want) | {
            f"{c}@-" for c in OLD_CODES
        } | {f"{c}@2025-07-01" for c in NEW_CODES}

        # SIGTERM: a clean stop.
        consumer.signal(signal.SIGTERM)
        assert consumer.proc is not None and consumer.proc.wait(timeout=20) == 0
    finally:
        consumer.kill() if consumer.proc and consumer.proc.poll() is None else None
        producer.join(timeout=30)
    print(f"kills={kills} unique={unique} elapsed={time.monotonic() - t0:.1f}s")


def _end_offsets(settings: KafkaSettings) -> dict[int, int]:
    consumer = make_consumer(settings, None)
    try:
        parts = consumer.partitions_for_topic(settings.responses_topic) or set()
        tps = [TopicPartition(settings.responses_topic, p) for p in parts]
        return {tp.partition: off for tp, off in consumer.end_offsets(tps).items()}
    finally:
        consumer.close()
