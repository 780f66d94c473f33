"""Thước đo intake service: the kiosk page and the response API → Kafka."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response
from thuocdo_shared.web import json_errors, ops_blueprint

from . import api, kiosk_page, logs, openapi
from .runtime import Runtime
from .settings import Settings


def create_app(
    settings: Settings | None = None, start_flusher: bool = True, **config: Any
) -> Flask:
    """Application factory: a test passes its own settings and Flask config.

    Under gunicorn this runs in every worker after the fork, so each worker gets its
    own SQLite connections, Kafka producer and spool flusher thread.
    """
    logs.setup()
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    # One byte more than allowed: a chunked body is cut at this length without an
    # error, so the view refuses any body that reaches it (see api.post_response).
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes + 1
    app.config["JSON_SORT_KEYS"] = False
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.config.update(config)
    runtime = Runtime.build(settings, start_flusher=start_flusher)
    app.extensions["thuocdo_settings"] = settings
    app.extensions["thuocdo_intake"] = runtime
    app.register_blueprint(ops_blueprint("intake", runtime.ready))
    app.register_blueprint(api.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(kiosk_page.bp)
    json_errors(app)

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        # Marks intake's own answers: the kiosk page takes an answer without it (a Wi-Fi
        # login page, a proxy's error) for no answer, and keeps the rating waiting.
        response.headers["Thuocdo-Service"] = "intake"
        return response

    return app
