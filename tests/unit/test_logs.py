"""The services' logging: Kafka's retry chatter let through once a minute, with a
count of what was held back; the services' own lines untouched."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import logging
import os

from thuocdo_shared.logs import PlainFormatter, RepeatFilter, stamp

from tests.support.stamps import STAMP_RE


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def record(name: str, msg: str, *args: object, level: int = logging.WARNING) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, args, None)


def test_kafka_repeats_are_held_for_a_minute_then_counted() -> None:
    clock = Clock()
    f = RepeatFilter(interval=60.0, clock=clock)
    template = "Bootstrap connection to %s failed: %s (backoff %.2f secs)"
    passed = []
    for i in range(40):  # one failed attempt every 0.9 s with varying back-off
        r = record("kafka.net.manager", template, "bootstrap-0", "ECONNREFUSED", 0.8 + i / 100)
        if f.filter(r):
            passed.append(r.getMessage())
        clock.now += 0.9
    # 40 attempts over 36 s: the first passes, the other 39 are held.
    assert passed == [
        "Bootstrap connection to bootstrap-0 failed: ECONNREFUSED (backoff 0.80 secs)"
    ]
    clock.now += 24.1  # 60.1 s after the first
    r = record("kafka.net.manager", template, "bootstrap-0", "ECONNREFUSED", 1.5)
    assert f.filter(r)
    # The count goes beside the record (other handlers see its message untouched),
    # and the formatter adds it.
    assert r.getMessage() == (
        "Bootstrap connection to bootstrap-0 failed: ECONNREFUSED (backoff 1.50 secs)"
    )
    assert (getattr(r, "held_back", None), getattr(r, "held_for", None)) == (39, 60)
    assert (
        PlainFormatter()
        .format(r)
        .endswith(
            " WARNING kafka.net.manager Bootstrap connection to bootstrap-0 failed: ECONNREFUSED"
            " (backoff 1.50 secs) [and 39 more like this in 60 s]"
        )
    )
    # The count starts again from there.
    clock.now += 1
    assert not f.filter(record("kafka.net.manager", template, "bootstrap-0", "ECONNREFUSED", 1.0))


def test_kinds_are_told_apart_by_logger_level_and_words() -> None:
    clock = Clock()
    f = RepeatFilter(clock=clock)
    assert f.filter(record("kafka.net.manager", "Connection failed: %s", "a", level=logging.ERROR))
    assert f.filter(record("kafka.cluster", "Connection failed: %s", "a", level=logging.ERROR))
    assert f.filter(record("kafka.net.manager", "Connection failed: %s", "a"))
    assert f.filter(record("kafka.net.manager", "No node available for metadata refresh"))
    # An f-string message from kafka-python differs only in its numbers: one kind.
    assert f.filter(record("kafka.net.manager", "Bootstrap attempt failed (backoff 0.80 secs)"))
    assert not f.filter(record("kafka.net.manager", "Bootstrap attempt failed (backoff 1.20 secs)"))
    # The same words about another broker, or another page, are another kind.
    assert f.filter(record("kafka.conn", "Connection error to %s", "broker-a"))
    assert f.filter(record("kafka.conn", "Connection error to %s", "broker-b"))
    assert not f.filter(record("kafka.conn", "Connection error to %s", "broker-a"))


def test_other_loggers_pass_unless_their_record_says_it_repeats() -> None:
    clock = Clock()
    f = RepeatFilter(clock=clock)
    for _ in range(3):  # each refused login is its own line, however many come
        refused = record("thuocdo_dashboard.auth", "login refused (%s) from %s", "bad", "1.2.3.4")
        assert f.filter(refused)
        assert f.filter(record("kafkaesque", "not Kafka's client"))
    looping = [record("thuocdo_dashboard.live", "listener cannot start: %s", "x") for _ in range(3)]
    for r in looping:
        r.repeating = True
    assert [f.filter(r) for r in looping] == [True, False, False]


def test_kinds_seen_long_ago_are_forgotten_when_there_are_too_many() -> None:
    clock = Clock()
    f = RepeatFilter(clock=clock, max_kinds=3)
    for word in ("a", "b", "c"):
        assert f.filter(record("kafka.x", word))
    clock.now += 61
    assert f.filter(record("kafka.x", "d"))
    assert len(f._kinds) == 1
    assert not f.filter(record("kafka.x", "d"))


def test_a_stamp_is_iso_local_time_with_milliseconds_and_offset() -> None:
    created = 1_764_322_533.1239  # 2025-11-28 09:35:33.1239 UTC
    shown = stamp(created)
    assert STAMP_RE.fullmatch(shown), shown
    # The offset is the server's own, and the stamp names the same instant.
    assert dt.datetime.fromisoformat(shown).timestamp() == 1_764_322_533.123
    r = record("thuocdo_scoring.consumer", "started")
    r.created = created
    assert PlainFormatter().format(r) == f"{shown} WARNING thuocdo_scoring.consumer started"


def test_gunicorn_lines_and_access_lines_carry_the_same_stamp() -> None:
    from gunicorn.config import Config
    from thuocdo_shared.gunicorn_logging import GunicornLogger
    from thuocdo_shared.web import ACCESS_LOG_FORMAT

    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set("access_log_format", ACCESS_LOG_FORMAT)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        log = GunicornLogger(cfg)
        for handler in log.error_log.handlers + log.access_log.handlers:
            handler.setStream(err if handler in log.error_log.handlers else out)
        log.info("Booting worker with pid: %s", 4242)
        environ = {
            "REMOTE_ADDR": "127.0.0.1",
            "REQUEST_METHOD": "GET",
            "RAW_URI": "/kiosk?x=1",
            "PATH_INFO": "/kiosk",
            "QUERY_STRING": "x=1",
            "SERVER_PROTOCOL": "HTTP/1.1",
        }

        class Resp:
            status = "200 OK"
            sent = 512
            headers = ()

        log.access(Resp(), [], environ, dt.timedelta(seconds=0, microseconds=1500))
    error_line, access_line = err.getvalue().strip(), out.getvalue().strip()
    first, rest = error_line.split(" ", 1)
    assert STAMP_RE.fullmatch(first), error_line
    assert rest == f"INFO gunicorn [{os.getpid()}] Booting worker with pid: 4242"
    first, rest = access_line.split(" ", 1)
    assert STAMP_RE.fullmatch(first), access_line
    # No query string: an enrolment link's token or a search never lands in a log.
    assert rest == 'access 127.0.0.1 "GET /kiosk HTTP/1.1" 200 512 0.001500s'
    assert GunicornLogger(cfg).now().startswith("[") and STAMP_RE.fullmatch(
        GunicornLogger(cfg).now()[1:-1]
    )
