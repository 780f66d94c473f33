"""End-to-end latency: a kiosk's POST to intake -> the dashboard's live event.

The whole suite runs for real: a Kafka broker (a local one on a free port unless
``KAFKA_BOOTSTRAP_SERVERS`` is set; then on fresh topics), intake, scoring (``serve``
and ``consume``) and the dashboard, each under gunicorn with its own data directory.
A district user logs in over HTTP and holds the dashboard's live stream
(``/events``, server-sent events) open.

Load: a steady background of simulated responses (``thuocdo_sim`` generator) from
kiosks of four communes at ``--rate`` responses/s, and, one after the other, timed
probes from a fifth commune that nothing else writes to. A probe's latency is the
time from the start of its POST to the first live ``update`` event naming its
commune: only the probe can have caused it. Prints p50, p95, p99 and the load, and
writes ``bench/results/e2e.json``.

    .venv/bin/python bench/e2e/run.py [--seconds 60] [--rate 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from thuocdo_intake.kiosks import KioskRegistry  # noqa: E402
from thuocdo_shared.units import LOCAL_TZ as VN  # noqa: E402
from thuocdo_shared.units import registry  # noqa: E402
from thuocdo_sim.generator import Options, make_response  # noqa: E402

from bench.stack import (  # noqa: E402
    TOKEN,
    broker,
    dashboard_process,
    fresh_topics,
    login,
    percentile,
    start_all,
)
from tests.support.servers import ServiceProcess  # noqa: E402

OUT = REPO / "bench" / "results" / "e2e.json"
BACKGROUND = ("05908", "05917", "05923", "05941")
PROBE = "05953"  # Kha Sơn: only the probes write to it
OPTIONS = Options(sipas_share=0.0)  # quick kiosks: overall, issues, comment


class LiveStream(threading.Thread):
    """Reads ``/events`` with a logged-in session; keeps (arrival time, units) of
    every ``update`` event."""

    def __init__(self, session: requests.Session, url: str) -> None:
        super().__init__(name="sse", daemon=True)
        self.session = session
        self.url = url
        self.events: list[tuple[float, list[str]]] = []
        self.listening = threading.Event()
        self.changed = threading.Condition()
        self.error: str | None = None
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            with self.session.get(self.url, stream=True, timeout=(10, 30)) as resp:
                resp.raise_for_status()
                event = ""
                for raw in resp.iter_lines(chunk_size=1, decode_unicode=True):
                    if self.stop.is_set():
                        return
                    line = raw or ""
                    if line.startswith("event:"):
                        event = line[6:].strip()
                    elif line.startswith("data:"):
                        data = json.loads(line[5:])
                        if event == "hello" and data.get("listening"):
                            self.listening.set()
                        elif event == "update":
                            with self.changed:
                                self.events.append((time.perf_counter(), list(data["units"])))
                                self.changed.notify_all()
        except Exception as exc:  # reported by the caller
            self.error = f"{type(exc).__name__}: {exc}"
            with self.changed:
                self.changed.notify_all()

    def wait_for(self, unit_key: str, after: float, timeout: float) -> float | None:
        """Arrival time of the first update naming ``unit_key`` that arrived after
        ``after`` (perf_counter seconds); None on timeout."""
        deadline = time.perf_counter() + timeout
        with self.changed:
            while True:
                for at, units in self.events:
                    if at > after and unit_key in units:
                        return at
                left = deadline - time.perf_counter()
                if left <= 0 or self.error:
                    return None
                self.changed.wait(left)


def start_stack(bootstrap: str, root: Path) -> dict[str, ServiceProcess]:
    """Intake, scoring serve + consume and dashboard on fresh topics; a district user."""
    _settings, kafka_env = fresh_topics(bootstrap, "e2e")
    dirs = {name: root / name for name in ("intake", "scoring")}
    for path in dirs.values():
        path.mkdir(parents=True)
    scoring_env = {
        **kafka_env,
        "THUOCDO_DATA_DIR": str(dirs["scoring"]),
        "THUOCDO_SCORING_TOKEN": TOKEN,
        "THUOCDO_SCORING_GROUP": f"{_settings.responses_topic}-scoring",
    }
    scoring = ServiceProcess("scoring", env=scoring_env, log_dir=root)
    procs = {
        "intake": ServiceProcess(
            "intake",
            env={
                **kafka_env,
                "THUOCDO_DATA_DIR": str(dirs["intake"]),
                "THUOCDO_INTAKE_RATE_PER_MINUTE": "100000",
                "THUOCDO_INTAKE_RATE_BURST": "1000",
            },
            log_dir=root,
        ),
        "scoring": scoring,
        "consumer": ServiceProcess("scoring", env=scoring_env, command=("consume",), log_dir=root),
        "dashboard": dashboard_process(kafka_env, root / "dashboard", scoring.url),
    }
    start_all(procs, root / "dashboard", "bench-district")
    return procs


class Kiosks:
    """Enrolled kiosks (in intake's registry, as ``thuocdo-intake kiosk add`` does)."""

    def __init__(self, data_dir: Path, per_commune: int = 2) -> None:
        reg = KioskRegistry(data_dir / "intake-kiosks.sqlite3")
        self.by_commune: dict[str, list[tuple[str, str]]] = {}
        for code in (*BACKGROUND, PROBE):
            for i in range(per_commune):
                kiosk, token = reg.add(code, f"Quầy đo {i + 1}")
                self.by_commune.setdefault(code, []).append((kiosk.id, token))


def post_one(
    session: requests.Session, intake_url: str, kiosks: Kiosks, code: str, rng: random.Random
) -> tuple[int, float]:
    """POST one simulated response of commune ``code`` made now; (HTTP status, seconds)."""
    today = dt.datetime.now(VN)
    unit = registry().lookup(code, today.date())
    kiosk_id, token = rng.choice(kiosks.by_commune[code])
    response = make_response(
        rng, unit, today.replace(microsecond=0), kiosk=kiosk_id, options=OPTIONS
    )
    body = replace(response, id=str(uuid.uuid4())).to_dict()
    t0 = time.perf_counter()
    resp = session.post(
        f"{intake_url}/api/v1/responses",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    return resp.status_code, time.perf_counter() - t0


class Background(threading.Thread):
    """``rate`` responses/s from the background communes, sent on a few threads so a
    slow answer does not lower the rate."""

    def __init__(self, intake_url: str, kiosks: Kiosks, rate: float) -> None:
        super().__init__(name="background", daemon=True)
        self.intake_url = intake_url
        self.kiosks = kiosks
        self.rate = rate
        self.stop = threading.Event()
        self.sent = 0
        self.failed = 0
        self.started_at = 0.0
        self.ended_at = 0.0
        self._lock = threading.Lock()
        self._local = threading.local()

    def _send(self, code: str, seed: int) -> None:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        try:
            status, _ = post_one(session, self.intake_url, self.kiosks, code, random.Random(seed))
            ok = status == 202
        except requests.RequestException:
            ok = False
        with self._lock:
            self.sent += 1
            self.failed += 0 if ok else 1

    def run(self) -> None:
        rng = random.Random(7)
        self.started_at = time.perf_counter()
        n = 0
        with ThreadPoolExecutor(max_workers=4) as pool:
            while not self.stop.is_set():
                due = self.started_at + n / self.rate
                wait = due - time.perf_counter()
                if wait > 0 and self.stop.wait(wait):
                    break
                pool.submit(self._send, rng.choice(BACKGROUND), rng.getrandbits(32))
                n += 1
        self.ended_at = time.perf_counter()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="measured seconds")
    parser.add_argument("--rate", type=float, default=5.0, help="background responses/s")
    parser.add_argument("--probe-timeout", type=float, default=15.0, help="seconds per probe")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)

    root = Path(tempfile.mkdtemp(prefix="thuocdo-bench-e2e-"))
    try:
        with broker(root / "kafka") as bootstrap:
            result = measure(bootstrap, root, args)
    finally:
        shutil.rmtree(root, ignore_errors=True)

    print(f"load: {result['load']}; {result['seconds']:.0f} s measured")
    print(
        f"POST -> live event: p50 {result['p50_ms']:.0f} ms, p95 {result['p95_ms']:.0f} ms, "
        f"p99 {result['p99_ms']:.0f} ms, max {result['max_ms']:.0f} ms ({result['probes']} "
        f"probes, {result['probes_lost']} without an event in {args.probe_timeout:.0f} s)"
    )
    print(f"intake POST alone: p50 {result['post_p50_ms']:.0f} ms")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", "utf-8")
    print(f"wrote {args.out}")
    ok = result["probes"] and result["probes_lost"] <= result["probes"] // 10
    return 0 if ok else 1


def measure(bootstrap: str, root: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Start the suite, hold the live stream, run the load and the probes."""
    began = time.perf_counter()
    procs: dict[str, ServiceProcess] = {}
    try:
        procs = start_stack(bootstrap, root)
        kiosks = Kiosks(root / "intake")
        intake_url, dash_url = procs["intake"].url, procs["dashboard"].url
        startup_s = time.perf_counter() - began

        session = login(dash_url, "bench-district")
        live = LiveStream(session, f"{dash_url}/events")
        live.start()
        if not live.listening.wait(60):
            raise RuntimeError(f"the live stream never said it was listening ({live.error})")
        probe_key = registry().lookup(PROBE, dt.datetime.now(VN).date()).key
        poster = requests.Session()
        rng = random.Random(11)

        # Warm-up: the consumer joins its group and loads the comment model; wait until
        # a first probe comes through (not measured).
        t0 = time.perf_counter()
        post_one(poster, intake_url, kiosks, PROBE, rng)
        if live.wait_for(probe_key, t0, 120) is None:
            raise RuntimeError(
                f"no live update within 120 s of the first POST ({live.error}):\n"
                f"{procs['consumer'].tail(15)}"
            )
        warmup_s = time.perf_counter() - t0

        background = Background(intake_url, kiosks, args.rate)
        background.start()
        time.sleep(1.0)
        latencies: list[float] = []
        posts: list[float] = []
        lost = 0
        end = time.perf_counter() + args.seconds
        while time.perf_counter() < end:
            t0 = time.perf_counter()
            status, post_s = post_one(poster, intake_url, kiosks, PROBE, rng)
            if status != 202:
                lost += 1
                continue
            posts.append(post_s)
            seen = live.wait_for(probe_key, t0, args.probe_timeout)
            if seen is None:
                lost += 1
                time.sleep(args.probe_timeout)  # let a late event pass before the next probe
                continue
            latencies.append(seen - t0)
            time.sleep(rng.uniform(0.2, 0.6))
        background.stop.set()
        background.join(30)
        live.stop.set()
        bg_seconds = max(1e-9, background.ended_at - background.started_at)
        probe_rate = (len(latencies) + lost) / args.seconds
        result: dict[str, Any] = {
            "bench": "e2e",
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "probes": len(latencies),
            "probes_lost": lost,
            "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
            "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
            "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
            "max_ms": round(max(latencies, default=float("nan")) * 1000, 1),
            "post_p50_ms": round(percentile(posts, 0.50) * 1000, 1),
            "background_per_s": round(background.sent / bg_seconds, 2),
            "background_failed": background.failed,
            "probes_per_s": round(probe_rate, 2),
            "load": (
                f"{background.sent / bg_seconds:.1f} responses/s background from "
                f"{len(BACKGROUND) * 2} kiosks + {probe_rate:.1f}/s probes"
            ),
            "seconds": args.seconds,
            "startup_s": round(startup_s, 1),
            "warmup_s": round(warmup_s, 1),
            "cpus": os.cpu_count(),
            "load_average": [round(x, 1) for x in os.getloadavg()],
        }
        return result
    finally:
        for proc in reversed(list(procs.values())):
            proc.stop()


if __name__ == "__main__":
    raise SystemExit(main())
