"""Closing intake's producer while the broker is down with one of its records, against
a real broker the test stops. kafka-python's ``close`` raises when its flush times
out and leaves the sender thread running: intake left one such thread behind at a
reset during an outage, and printed "Exception ignored in KafkaProducer.__del__" at
every stop."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import pytest
from thuocdo_intake.publisher import LazyProducer
from thuocdo_shared.kafka import DeliveryError

from tests.conftest import Broker, make_topic_settings

pytestmark = [pytest.mark.faults, pytest.mark.integration, pytest.mark.timeout(120)]


def _senders() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.endswith("-network-thread")}


def test_a_reset_producer_lets_its_records_settle_then_stops_its_sender(
    own_kafka: Broker,
) -> None:
    settings = make_topic_settings(own_kafka.bootstrap, "reset-close")
    producer = LazyProducer(settings, timeout=3.0)  # the record may live 3 s
    before = _senders()
    producer.publish(settings.responses_topic, b"05941", b"{}")  # topic metadata known
    (sender,) = _senders() - before
    own_kafka.stop()
    try:
        future = producer.send(settings.responses_topic, b"05941", b"{}")
        producer.reset()  # as after a failure another request thread saw
        time.sleep(0.3)
        assert not future.is_done  # not failed early: it may still be acknowledged
        deadline = time.monotonic() + 10
        while sender.is_alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not sender.is_alive()  # ran for good before
        assert future.is_done and future.failed()
        with pytest.raises(DeliveryError):
            producer.wait(future, timeout=0.1)
    finally:
        own_kafka.start()


_STOP = """
import json, sys, threading, time
from thuocdo_intake.publisher import LazyProducer
from thuocdo_shared.config import KafkaSettings

producer = LazyProducer(KafkaSettings(bootstrap_servers=sys.argv[1]), timeout=30.0)
producer.publish(sys.argv[2], b"05941", b"{}")
print("ready", flush=True)
sys.stdin.readline()  # the broker is stopped now
future = producer.send(sys.argv[2], b"05941", b"{}")
started = time.monotonic()
producer.close()
took = time.monotonic() - started
deadline = time.monotonic() + 5
def senders():
    return [t.name for t in threading.enumerate() if t.name.endswith("-network-thread")]
while senders() and time.monotonic() < deadline:
    time.sleep(0.1)
print(json.dumps({"took": took, "senders": senders(), "failed": future.failed()}), flush=True)
"""


def test_stopping_a_worker_while_the_broker_is_down_is_quick_and_quiet(
    own_kafka: Broker,
) -> None:
    """A worker stops while its producer holds a record the broker never got (the
    spool keeps it): close gives up after 2 s, the sender thread ends, and nothing
    is printed at exit."""
    settings = make_topic_settings(own_kafka.bootstrap, "stop-close")
    worker = subprocess.Popen(
        [sys.executable, "-c", _STOP, own_kafka.bootstrap, settings.responses_topic],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stdout is not None and worker.stdin is not None
        assert worker.stdout.readline().strip() == "ready"
        own_kafka.stop()
        out, err = worker.communicate("go\n", timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
        own_kafka.start()
    assert worker.returncode == 0, err
    outcome = json.loads(out)
    assert outcome["took"] < 4
    assert outcome["senders"] == []
    assert outcome["failed"] is True
    assert "Exception ignored" not in err, err
    assert "Traceback" not in err, err
