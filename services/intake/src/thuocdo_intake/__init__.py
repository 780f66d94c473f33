"""Thước đo intake service."""

from __future__ import annotations

from typing import Any

from flask import Flask
from thuocdo_shared.web import json_errors, ops_blueprint

from .settings import Settings


def create_app(settings: Settings | None = None, **config: Any) -> Flask:
    """Application factory: a test passes its own settings and Flask config."""
    app = Flask(__name__)
    app.config.update(config)
    app.extensions["thuocdo_settings"] = settings or Settings.from_env()
    app.register_blueprint(ops_blueprint("intake", lambda: (True, {})))
    json_errors(app)
    return app
