"""`await_retention`: ensure_topics waits until the broker describes the retention it
set (a KRaft broker applies a committed change a moment after answering)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kafka.errors import KafkaError
from thuocdo_shared.kafka import await_retention

WEEK = 7 * 86_400_000
YEAR = 365 * 86_400_000


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_waits_until_the_broker_shows_the_new_value() -> None:
    reads: Iterator[dict[str, int | None]] = iter(
        [
            {"r": WEEK, "d": None},  # neither applied yet (d not yet known)
            {"r": WEEK, "d": YEAR},
            {"r": YEAR, "d": YEAR},
        ]
    )
    clock = FakeClock()
    await_retention(
        lambda: next(reads), {"r": YEAR, "d": YEAR}, 5, 0.1, clock=clock, sleep=clock.sleep
    )
    assert clock.sleeps == [0.1, 0.1]
    with pytest.raises(StopIteration):  # it stopped reading once both showed a year
        next(reads)


def test_already_applied_reads_once_and_does_not_sleep() -> None:
    clock = FakeClock()
    calls: list[int] = []

    def read() -> dict[str, int | None]:
        calls.append(1)
        return {"r": -1}

    await_retention(read, {"r": -1}, 5, clock=clock, sleep=clock.sleep)
    assert calls == [1]
    assert clock.sleeps == []


def test_names_the_topics_still_different_after_the_timeout() -> None:
    clock = FakeClock()
    with pytest.raises(KafkaError) as caught:
        await_retention(
            lambda: {"r": WEEK, "d": YEAR},
            {"r": YEAR, "d": YEAR},
            1.0,
            0.25,
            clock=clock,
            sleep=clock.sleep,
        )
    message = str(caught.value)
    assert f"r: {WEEK} (not {YEAR})" in message
    assert "d:" not in message
    assert "in 1 s" in message
    assert clock.sleeps == [0.25] * 4  # read at 0, .25, .5, .75 and 1.0, then gave up
