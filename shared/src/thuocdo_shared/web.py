"""What every service's HTTP side shares: health, readiness and metrics endpoints,
JSON error pages, and starting the app under gunicorn."""

from __future__ import annotations

import os
import shutil
import socket
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, jsonify
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.registry import Collector
from werkzeug.exceptions import HTTPException

ReadyCheck = Callable[[], tuple[bool, dict[str, Any]]]

# One access log line: client, method, path (never the query string), protocol, status,
# bytes and seconds; gunicorn_logging.GunicornLogger puts the time before it.
ACCESS_LOG_FORMAT = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(L)ss'


def _registry() -> CollectorRegistry | None:
    # Under gunicorn each worker is a process: metrics are summed over the files in
    # PROMETHEUS_MULTIPROC_DIR when it is set (see `serve`).
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return None


def ops_blueprint(service: str, ready: ReadyCheck, collector: Collector | None = None) -> Blueprint:
    """``/healthz`` (the process answers), ``/readyz`` (its dependencies answer: 503
    with the reason otherwise) and ``/metrics`` (Prometheus text format). A
    ``collector`` adds metrics computed at each scrape (e.g. read from a store that
    another process writes)."""
    bp = Blueprint("ops", __name__)

    @bp.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok", service=service)

    @bp.get("/readyz")
    def readyz() -> tuple[Response, int]:
        ok, detail = ready()
        return jsonify(status="ready" if ok else "not ready", service=service, **detail), (
            200 if ok else 503
        )

    extra: CollectorRegistry | None = None
    if collector is not None:
        extra = CollectorRegistry(auto_describe=False)
        extra.register(collector)

    @bp.get("/metrics")
    def metrics() -> Response:
        registry = _registry()
        body = generate_latest(registry) if registry is not None else generate_latest()
        if extra is not None:
            body += generate_latest(extra)
        # content_type, not mimetype: CONTENT_TYPE_LATEST carries its charset already.
        return Response(body, content_type=CONTENT_TYPE_LATEST)

    return bp


def json_errors(app: Flask) -> None:
    """Answer HTTP errors under ``/api/`` and ops paths as JSON ``{"error", "message"}``
    instead of HTML, and never leak a traceback."""

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        response = exc.get_response()
        response.data = jsonify(error=exc.name, message=exc.description, status=exc.code).get_data()
        response.content_type = "application/json"
        return response


def _no_control_socket() -> list[str]:
    """Recent gunicorn opens a control socket at one fixed path in $HOME; every
    service on the host would fight over it and we never use it."""
    from gunicorn.config import KNOWN_SETTINGS

    names = {getattr(s, "name", None) for s in KNOWN_SETTINGS}
    return ["--no-control-socket"] if "control_socket_disable" in names else []


def _fresh_metrics_dir(base: Path | None = None) -> Path:
    """A new private directory, for when the per-port one cannot be used."""
    return Path(tempfile.mkdtemp(prefix="thuocdo-metrics-", dir=base))


def metrics_dir(name: str, base: Path | None = None) -> Path:
    """An empty directory for one service's per-worker metric files.

    The same path each time a service starts on a port (``name``), emptied first as
    prometheus_client asks, so restarts neither leak a directory each nor add a
    dead run's counts. It lives in a directory of this user's only (mode 0700);
    if that path is taken by something else, a fresh private one is made instead.
    """
    base = base or Path(tempfile.gettempdir())
    mine = base / f"thuocdo-metrics-{os.getuid()}"
    try:
        mine.mkdir(mode=0o700, exist_ok=True)
        info = mine.lstat()
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
            raise PermissionError(f"{mine} is not a private directory of this user")
        target = mine / name
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir()
        return target
    except OSError:
        return _fresh_metrics_dir(base)


def _can_bind(host: str, port: int) -> bool:
    """Whether ``host:port`` is free to listen on right now."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
        return True
    except OSError:
        return False


def serve(
    app_spec: str, host: str, port: int, workers: int, extra: list[str] | None = None
) -> None:
    """Replace this process with gunicorn serving ``module:callable``.

    Sets ``PROMETHEUS_MULTIPROC_DIR`` when unset (see :func:`metrics_dir`), so that
    ``/metrics`` sums the counters of every gunicorn worker.
    """
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        if _can_bind(host, port):
            name = app_spec.split(".", 1)[0].split(":", 1)[0]
            where = metrics_dir(f"{name}-{port}")
        else:
            # Another server holds the port (gunicorn will say so and exit): emptying
            # the per-port directory would wipe that server's live counters.
            where = _fresh_metrics_dir()
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(where)
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        # The path without the query string: an enrolment link or a search must never
        # land in a log. The time comes first, as on every other line.
        "--access-logformat",
        ACCESS_LOG_FORMAT,
        "--logger-class",
        "thuocdo_shared.gunicorn_logging.GunicornLogger",
        "--graceful-timeout",
        "10",
        *_no_control_socket(),
        *(extra or []),
        app_spec,
    ]
    os.execv(sys.executable, args)  # noqa: S606 - replacing ourselves with gunicorn is the point
