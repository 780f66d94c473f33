"""Logging for the services: one line per record on stderr, with its time and level.

gunicorn configures its own loggers only. Without this, a service's INFO lines (a
dashboard login, a consumer's start) went nowhere, and its warnings reached stderr
through logging's last resort without a time. Kafka's client, for its part, logs
each failed connection attempt several times a second while a broker is away; the
same message from it is let through once a minute, with how many were held back.

Every line of every service starts with the same time stamp (:func:`stamp`): ISO 8601
with milliseconds and the UTC offset, in the server's local time. gunicorn's own lines
and its access log use it too (:class:`GunicornLogger`), so that one service's lines
can be sorted and set beside another's.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import sys
import threading
import time
from collections.abc import Callable

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def stamp(created: float) -> str:
    """A record's time as every log line shows it: 2026-11-28T16:35:33.123+07:00."""
    return dt.datetime.fromtimestamp(created).astimezone().isoformat(timespec="milliseconds")


# Numbers vary between two records of one kind (ports, node ids, back-off seconds).
_NUMBERS = re.compile(r"\d+(?:\.\d+)?")


class RepeatFilter(logging.Filter):
    """Lets the first record of a kind through, then at most one per ``interval``
    seconds, telling how many it held back meanwhile.

    It acts on records of the ``kafka`` loggers, and on others logged with
    ``extra={"repeating": True}`` (a loop that retries and says so each time). A kind
    is the logger, the level and the message as written with its numbers left out
    (another broker's address or another page is another kind). The count held back
    goes on the next record of its kind let through, as ``held_back`` and
    ``held_for`` (seconds), which the formatters add; the record's message is not
    touched, for other handlers. Repeats that stop are not reported afterwards.
    """

    def __init__(
        self,
        interval: float = 60.0,
        prefixes: tuple[str, ...] = ("kafka",),
        clock: Callable[[], float] = time.monotonic,
        max_kinds: int = 1000,
    ) -> None:
        super().__init__()
        self.interval = interval
        self.prefixes = prefixes
        self.clock = clock
        self.max_kinds = max_kinds
        self._lock = threading.Lock()
        # kind -> [when one was last let through, how many held back since]
        self._kinds: dict[tuple[str, int, str], list[float]] = {}

    def _applies(self, record: logging.LogRecord) -> bool:
        if getattr(record, "repeating", False):
            return True
        name = record.name
        return any(name == p or name.startswith(p + ".") for p in self.prefixes)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._applies(record):
            return True
        try:
            words = record.getMessage()
        except Exception:  # a bad format: logging reports it itself
            words = str(record.msg)
        kind = (record.name, record.levelno, _NUMBERS.sub("#", words))
        now = self.clock()
        with self._lock:
            seen = self._kinds.get(kind)
            if seen is not None and now - seen[0] < self.interval:
                seen[1] += 1
                return False
            if seen is None and len(self._kinds) >= self.max_kinds:
                self._kinds = {k: v for k, v in self._kinds.items() if now - v[0] < self.interval}
            self._kinds[kind] = [now, 0]
        held = int(seen[1]) if seen is not None else 0
        if held and seen is not None:
            record.held_back = held
            record.held_for = round(now - seen[0])
        return True


def held_note(record: logging.LogRecord) -> str:
    """ " [and N more like this in S s]" for a record :class:`RepeatFilter` let through
    after holding others of its kind back; "" otherwise."""
    held = getattr(record, "held_back", 0)
    if not held:
        return ""
    return f" [and {held} more like this in {getattr(record, 'held_for', 0)} s]"


class PlainFormatter(logging.Formatter):
    """``PLAIN_FORMAT`` and the held-back note."""

    def __init__(self, fmt: str = PLAIN_FORMAT) -> None:
        super().__init__(fmt)

    def formatTime(  # noqa: N802 - logging's name
        self, record: logging.LogRecord, datefmt: str | None = None
    ) -> str:
        return stamp(record.created)

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        return super().formatMessage(record) + held_note(record)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record comes (a test may swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def setup(*packages: str, formatter: logging.Formatter | None = None) -> None:
    """Send records to stderr, INFO and up from ``packages`` (and thuocdo_shared),
    WARNING and up from everything else. Idempotent: the first call's formatter stays.
    """
    root = logging.getLogger()
    if not any(getattr(h, "_thuocdo", False) for h in root.handlers):
        handler = _StderrHandler()
        handler.setFormatter(formatter or PlainFormatter())
        handler.addFilter(RepeatFilter())
        handler._thuocdo = True  # type: ignore[attr-defined]
        root.addHandler(handler)
        if root.level == logging.NOTSET or root.level > logging.WARNING:
            root.setLevel(logging.WARNING)
    for name in ("thuocdo_shared", *packages):
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET or logger.level > logging.INFO:
            logger.setLevel(logging.INFO)
