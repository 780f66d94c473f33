"""Structured logs: one JSON object per line on stderr.

Only fields passed explicitly in ``extra={"fields": {...}}`` are written, and callers
never pass a comment, a token or anything typed by a citizen.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from thuocdo_shared import logs as shared_logs


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": shared_logs.stamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            out.update(fields)
        held = getattr(record, "held_back", 0)  # see thuocdo_shared.logs.RepeatFilter
        if held:
            out["held_back"] = held
            out["held_for_s"] = getattr(record, "held_for", 0)
        if record.exc_info and record.exc_info[0] is not None:
            out["exc"] = record.exc_info[0].__name__
        return json.dumps(out, ensure_ascii=False, default=str)


def setup(level: int = logging.INFO) -> None:
    """Send the ``thuocdo_intake`` loggers to stderr as JSON lines (idempotent); the
    other loggers' warnings (Kafka's client, thuocdo_shared) become JSON lines too."""
    shared_logs.setup(formatter=JsonFormatter())
    logger = logging.getLogger("thuocdo_intake")
    if any(getattr(h, "_thuocdo", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler._thuocdo = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
