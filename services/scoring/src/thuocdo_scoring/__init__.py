"""Thước đo scoring service."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from flask import Flask
from thuocdo_shared import logs
from thuocdo_shared.web import ops_blueprint

from .api import init_api
from .classifier import load_model
from .metrics import StoreCollector
from .queries import ReadModel, consumer_dict
from .settings import Settings
from .store import SqliteStore, Store


def create_app(
    settings: Settings | None = None, store: Store | None = None, **config: Any
) -> Flask:
    """Application factory: a test passes its own settings, store and Flask config."""
    logs.setup("thuocdo_scoring")
    app = Flask(__name__)
    app.config.update(config)
    settings = settings or Settings.from_env()
    store = store or SqliteStore(settings.store_path)
    app.extensions["thuocdo_settings"] = settings
    app.extensions["thuocdo_store"] = store

    def ready() -> tuple[bool, dict[str, Any]]:
        # Ready when the store answers: the figures can be read even while the
        # consumer is away; its heartbeat says how fresh they are.
        try:
            count, state = store.response_count(), store.consumer_state()
        except Exception as exc:
            return False, {"reason": f"store: {type(exc).__name__}: {exc}"}
        return True, {"responses": count, "consumer": consumer_dict(state, dt.datetime.now(dt.UTC))}

    app.register_blueprint(ops_blueprint("scoring", ready, StoreCollector(store)))
    init_api(app, ReadModel(store, settings.small_sample, settings.weights), settings.token)
    if settings.classify:
        # Fit the comment model in the background as the worker starts, so that the
        # first /themes request does not wait for it (seconds on a busy machine).
        threading.Thread(target=load_model, name="warm-comment-model", daemon=True).start()
    return app
