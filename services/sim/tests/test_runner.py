"""The live loop and the intake backfill loop with a fake client (no network)."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from thuocdo_shared.events import SurveyResponse, load_response
from thuocdo_sim.generator import generate
from thuocdo_sim.profiles import VN_TZ
from thuocdo_sim.runner import backfill_intake, live
from thuocdo_sim.senders import Outcome

pytestmark = pytest.mark.unit

CURRENT = {"05908", "05917", "05923", "05941", "05953"}


class FakeClient:
    """Accepts every response after ``latency`` seconds; knows the current communes."""

    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency
        self.sent: list[SurveyResponse] = []
        self._lock = threading.Lock()

    def can_send(self, response: SurveyResponse) -> bool:
        return response.commune_code in CURRENT

    def send(self, response: SurveyResponse) -> Outcome:
        if not self.can_send(response):
            return Outcome("skipped")
        time.sleep(self.latency)
        with self._lock:
            self.sent.append(response)
        return Outcome("accepted", 202)


def test_live_keeps_its_rate_when_intake_is_slow() -> None:
    client = FakeClient(latency=0.05)
    started = time.monotonic()
    tally = live(client, rate=40, stop=threading.Event(), seed=1, duration=1.5)
    elapsed = time.monotonic() - started
    # 60 expected (4 sending threads manage 80/s); a loop that waited for each
    # answer would manage about 1.5 / (0.025 + 0.05) = 20.
    assert 40 <= tally.counts["accepted"] <= 90
    assert elapsed < 3.0
    for r in client.sent:
        assert r.commune_code in CURRENT
        load_response(r.to_dict())
    assert len({r.id for r in client.sent}) == len(client.sent)


def test_live_respects_opening_hours_when_asked() -> None:
    client = FakeClient()
    night = dt.datetime(2026, 3, 4, 21, 0, tzinfo=VN_TZ)
    tally = live(
        client,
        rate=50,
        stop=threading.Event(),
        seed=2,
        duration=0.5,
        respect_hours=True,
        now=lambda: night,
    )
    assert tally.counts == {}
    morning = night.replace(hour=9)
    tally = live(client, rate=50, stop=threading.Event(), seed=2, duration=0.5, now=lambda: morning)
    assert tally.counts["accepted"] > 5
    assert all(r.submitted_at == morning for r in client.sent)


def test_live_stops_when_told() -> None:
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    started = time.monotonic()
    live(FakeClient(), rate=5, stop=stop, seed=3)
    assert time.monotonic() - started < 1.5


def test_backfill_through_intake_skips_abolished_communes() -> None:
    responses = list(generate(4, dt.date(2025, 6, 30), dt.date(2025, 7, 1)))
    client = FakeClient()
    tally = backfill_intake(client, responses, workers=4, rate=None, show=False)
    sendable = [r for r in responses if r.commune_code in CURRENT]
    assert tally.counts["accepted"] == len(sendable)
    assert tally.counts["skipped"] == len(responses) - len(sendable) > 0
    assert sorted(r.id for r in client.sent) == sorted(r.id for r in sendable)
