"""Scoring's real read API for the dashboard's page tests: scoring's own Flask app on
a store of the records below, served over HTTP in a thread, able to answer 503 on
chosen paths (an outage of part of it) and counting the calls it gets, per path.

Scoring runs without its comment model (no themes), as it does when the optional
clustering package is absent; nothing else is stood in for.
"""

from __future__ import annotations

import collections
import datetime as dt
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from thuocdo_scoring import create_app as scoring_app
from thuocdo_scoring.aggregate import Record
from thuocdo_scoring.settings import Settings as ScoringSettings
from thuocdo_scoring.store import SqliteStore
from thuocdo_shared import reference

from tests.dashboard.helpers import SCORING_TOKEN as TOKEN
from tests.dashboard.helpers import serve_in_thread

PERIOD = "2025-08"
KHA_SON = "05953@2025-07-01"
PHU_BINH = "05908@2025-07-01"
VN = dt.timezone(dt.timedelta(hours=7))
SIPAS = list(reference.sipas().criteria)


def _records() -> list[Record]:
    """August 2025: 20 responses each in Kha Sơn and Phú Bình, without comments. In
    each, 15 rate 5 (index 75 %, above the alert threshold) and 5 rate 2; the 5 unhappy
    ones tick "waiting_time", and so do 5 happy ones (as praise). Phú Bình's answer the
    whole SIPAS questionnaire (each criterion as the overall rating), Kha Sơn's none."""
    out = []
    for i in range(40):
        unit = KHA_SON if i % 2 else PHU_BINH
        overall = 2 if i % 8 >= 6 else 5
        ticks = ("waiting_time",) if overall == 2 or i % 8 < 2 else ()
        out.append(
            Record(
                id=f"r{i}",
                submitted_at=dt.datetime(2025, 8, 4 + i % 20, 9, tzinfo=VN),
                unit_key=unit,
                commune_code=unit.split("@")[0],
                field="ho_tich",
                overall=overall,
                issues=ticks,
                criteria={} if unit == KHA_SON else dict.fromkeys(SIPAS, overall),
            )
        )
    return out


@dataclass
class Scoring:
    """Scoring's read API over HTTP: the calls it got and the paths it fails."""

    url: str
    store: SqliteStore
    calls: collections.Counter[str] = field(default_factory=collections.Counter)
    failing: set[str] = field(default_factory=set)
    # Once, right after answering this path: e.g. the consumer counting a batch
    # between two calls of one page. Until it has run, every other call waits.
    after_first: tuple[str, Callable[[], object]] | None = None
    _ran: threading.Event = field(default_factory=threading.Event)


@contextmanager
def serve_scoring(tmp_path: Path) -> Iterator[Scoring]:
    """Scoring's read API over HTTP on a store of :func:`_records`, in a thread."""
    store = SqliteStore(tmp_path / "scoring.sqlite3")
    records = _records()
    store.apply_batch(records, {("t", 0): len(records)})
    app = scoring_app(ScoringSettings(data_dir=tmp_path, token=TOKEN), store=store)
    app.extensions["thuocdo_read_model"].model_loader = lambda: None  # no comment model
    api = app.wsgi_app
    state = Scoring("", store)

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        state.calls[path] += 1
        if path in state.failing:
            start_response("503 Service Unavailable", [("Content-Type", "application/json")])
            return [b'{"error": "down for the test"}']
        hook = state.after_first
        if hook is None:
            return api(environ, start_response)
        if path != hook[0]:
            state._ran.wait(timeout=10)
            return api(environ, start_response)
        body = list(api(environ, start_response))  # read before the hook's write
        if not state._ran.is_set():
            hook[1]()
            state._ran.set()
        return body

    try:
        with serve_in_thread(wsgi) as url:
            state.url = url
            yield state
    finally:
        store.close()
