"""`await_retention`: ensure_topics waits until the broker describes the retention it
set (a KRaft broker applies a committed change a moment after answering)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from kafka.errors import KafkaError, TopicAlreadyExistsError
from thuocdo_shared import kafka as kafka_module
from thuocdo_shared.config import KafkaSettings
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


class RacedAdmin:
    """A broker on which the responses topic was created just before ensure_topics
    listed the topics, with the 7-day default: not listed yet, then "already exists"."""

    def __init__(self, settings: KafkaSettings) -> None:
        self.raced = settings.responses_topic
        self.retention = {self.raced: "604800000"}
        self.created: list[str] = []

    def list_topics(self) -> list[str]:
        return []

    def create_topics(self, topics: list[Any], timeout_ms: int) -> None:
        for topic in topics:
            if topic.name == self.raced:
                raise TopicAlreadyExistsError(topic.name)
            self.created.append(topic.name)
            configs = topic.topic_configs or {}
            self.retention[topic.name] = configs.get("retention.ms", "604800000")

    def describe_configs(self, resources: list[Any], config_filter: str) -> dict[str, Any]:
        return {
            "topic": {
                r.name: {"retention.ms": {"value": self.retention[r.name]}} for r in resources
            }
        }

    def alter_configs(self, resources: list[Any]) -> dict[str, Any]:
        for r in resources:
            self.retention[r.name] = r.configs["retention.ms"]
        return {"topic": {r.name: "OK" for r in resources}}

    def close(self) -> None:
        pass


def test_a_topic_made_meanwhile_still_gets_its_retention(monkeypatch: pytest.MonkeyPatch) -> None:
    """CI once saw the responses topic keep the broker's 7 days: created just before,
    not yet listed, its creation refused as "already exists" in a batch, and then never
    checked. Now it is a topic that exists, and its retention is set; the others are
    created, and only they are said to be."""
    settings = KafkaSettings(bootstrap_servers="127.0.0.1:9").with_prefix("raced")
    admin = RacedAdmin(settings)
    monkeypatch.setattr(kafka_module, "_admin", lambda s, t: admin)
    created = kafka_module.ensure_topics(settings)
    assert created == [settings.dlq_topic, settings.updates_topic] == admin.created
    assert admin.retention[settings.responses_topic] == str(365 * 86_400_000)
