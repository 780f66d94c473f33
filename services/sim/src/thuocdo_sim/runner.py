"""Running the simulator: a backfill of history as fast as allowed, and a live
stream at a steady rate until stopped. Thin loops around the pure generator."""

from __future__ import annotations

import datetime as dt
import logging
import math
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from thuocdo_shared.events import SurveyResponse
from tqdm import tqdm

from .generator import live_response
from .profiles import VN_TZ, is_open
from .senders import KafkaSink, Outcome, Sender

log = logging.getLogger("thuocdo_sim")


class Pacer:
    """Spaces events at ``rate`` per second across threads (``None``: no limit)."""

    def __init__(self, rate: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 0.0 if not rate else 1.0 / rate
        self._clock = clock
        self._next = clock()
        self._lock = threading.Lock()

    def delay(self) -> float:
        """Seconds the caller should wait before its event (claims a slot)."""
        if self.interval <= 0:
            return 0.0
        with self._lock:
            now = self._clock()
            slot = max(self._next, now)
            self._next = slot + self.interval
            return slot - now


@dataclass
class Tally:
    """Counts of outcomes, with a few sample details of what went wrong."""

    counts: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        self.counts[outcome.status] += 1
        if not outcome.ok and len(self.problems) < 5:
            self.problems.append(f"{outcome.status} {outcome.http or ''} {outcome.detail}".strip())

    @property
    def ok(self) -> int:
        return sum(self.counts[s] for s in ("accepted", "queued", "duplicate"))

    def summary(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items())) or "nothing sent"


def _bar(total: int, show: bool, desc: str) -> tqdm:
    # On a pipe or log file a redrawn bar is noise; the summary line says it all.
    shown = show and sys.stderr.isatty()
    return tqdm(total=total, unit="resp", desc=desc, disable=not shown, smoothing=0.1)


def backfill_kafka(
    sink: KafkaSink, responses: list[SurveyResponse], show: bool, rate: float | None = None
) -> Tally:
    """Produce ``responses`` straight to Kafka, at most ``rate`` per second (None: as
    fast as the broker acknowledges); returns the tally."""
    tally = Tally()
    pacer = Pacer(rate)
    with _bar(len(responses), show, "backfill → kafka") as bar:

        def progress(outcome: Outcome) -> None:
            tally.add(outcome)
            bar.update(1)

        sink.send_all(responses, progress, pacer.delay)
    return tally


def backfill_intake(
    client: Sender,
    responses: list[SurveyResponse],
    *,
    workers: int,
    rate: float | None,
    show: bool,
) -> Tally:
    """POST ``responses`` through intake with ``workers`` threads, at most ``rate``
    per second (None: as fast as intake answers). Responses no enrolled kiosk may
    send are counted as ``skipped``."""
    tally = Tally()
    pacer = Pacer(rate)

    def one(response: SurveyResponse) -> Outcome:
        time.sleep(pacer.delay())
        return client.send(response)

    with _bar(len(responses), show, "backfill → intake") as bar:
        sendable = []
        for response in responses:
            if client.can_send(response):
                sendable.append(response)
            else:
                tally.add(client.send(response))  # "skipped", no request made
                bar.update(1)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sim") as pool:
            # A bounded window of futures keeps memory flat on long backfills.
            inflight: set[Future[Outcome]] = set()
            for response in sendable:
                inflight.add(pool.submit(one, response))
                if len(inflight) >= workers * 4:
                    done, inflight = wait(inflight, return_when=FIRST_COMPLETED)
                    for fut in done:
                        tally.add(fut.result())
                        bar.update(1)
            for fut in inflight:
                tally.add(fut.result())
                bar.update(1)
    return tally


def live(
    client: Sender,
    *,
    rate: float,
    stop: threading.Event,
    seed: int | None = None,
    respect_hours: bool = False,
    duration: float | None = None,
    report_every: float = 30.0,
    max_inflight: int = 16,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(VN_TZ),
) -> Tally:
    """Send responses stamped "now" through intake, ``rate`` per second on average
    (Poisson arrivals), until ``stop`` is set or ``duration`` seconds have passed.

    Arrivals keep their own clock: a slow answer does not lower the rate, since
    sends run on a few threads (at most ``max_inflight`` waiting; beyond that the
    stream slows down rather than piling up). Communes without an enrolled kiosk
    are never chosen. With ``respect_hours`` nothing is sent while the one-stop
    shops are closed.
    """
    # None: seeded from the OS, so restarts never reuse ids. Not a secret (S311).
    rng = random.Random(seed)  # noqa: S311
    tally = Tally()
    started = last_report = next_at = time.monotonic()
    inflight: set[Future[Outcome]] = set()

    def collect(done: set[Future[Outcome]]) -> None:
        for fut in done:
            outcome = fut.result()
            tally.add(outcome)
            if not outcome.ok:
                log.warning("live: %s %s %s", outcome.status, outcome.http or "", outcome.detail)

    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="live") as pool:
        while not stop.is_set():
            next_at += -math.log(1.0 - rng.random()) / rate
            if duration is not None and next_at - started >= duration:
                break
            if stop.wait(max(0.0, next_at - time.monotonic())):
                break
            done = {f for f in inflight if f.done()}
            collect(done)
            inflight -= done
            if len(inflight) >= max_inflight:
                done, inflight = wait(inflight, return_when=FIRST_COMPLETED)
                collect(done)
                next_at = time.monotonic()  # no burst to catch up after a stall
            moment = now().replace(microsecond=0)
            if respect_hours and not is_open(moment):
                continue
            response = _live_sendable(client, rng, moment)
            if response is not None:
                inflight.add(pool.submit(client.send, response))
            if time.monotonic() - last_report >= report_every:
                last_report = time.monotonic()
                log.info("live: %s", tally.summary())
        collect(set(inflight))
    return tally


def _live_sendable(
    client: Sender, rng: random.Random, moment: dt.datetime
) -> SurveyResponse | None:
    for _ in range(20):
        response = live_response(rng, moment)
        if client.can_send(response):
            return response
    return None
