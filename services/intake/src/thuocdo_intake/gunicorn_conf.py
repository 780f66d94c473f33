"""gunicorn settings for intake (``-c python:thuocdo_intake.gunicorn_conf``)."""

from __future__ import annotations

from typing import Any

# The path without the query string: an enrolment link must never land in a log.
# With its time, like every other line of the log.
access_log_format = '%(t)s %(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(L)ss'


def child_exit(server: Any, worker: Any) -> None:
    """Drop a dead worker's live gauges from the summed metrics."""
    try:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
    except Exception:  # metrics must never take the server down
        server.log.debug("mark_process_dead failed", exc_info=True)
