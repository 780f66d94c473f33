"""gunicorn settings for intake (``-c python:thuocdo_intake.gunicorn_conf``)."""

from __future__ import annotations

from typing import Any


def child_exit(server: Any, worker: Any) -> None:
    """Drop a dead worker's live gauges from the summed metrics."""
    try:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
    except Exception:  # metrics must never take the server down
        server.log.debug("mark_process_dead failed", exc_info=True)
