"""The ``/events`` stream outlives its request: it must end when its user loses
access (account disabled, logout, session lifetime over), and a logged-out cookie
must not open pages again. Flask test client, no Kafka (a stand-in listener)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from thuocdo_dashboard import create_app, live
from thuocdo_dashboard.settings import Settings

pytestmark = pytest.mark.unit

PASSWORD = "mật-khẩu-dài-đủ-2025"  # noqa: S105 (a test account)
UPDATE = {"units": ["05953@2025-07-01"], "up_to": "2026-11-26T09:00:00+07:00"}


@pytest.fixture()
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Flask:
    monkeypatch.setattr(live, "RECHECK_SECONDS", 0.0, raising=False)
    settings = Settings(secret_key="k" * 32, data_dir=tmp_path, scoring_url="http://127.0.0.1:9")
    app = create_app(settings, TESTING=True, WTF_CSRF_ENABLED=False)
    ready = threading.Event()
    ready.set()
    app.extensions["thuocdo_listener"] = SimpleNamespace(ready=ready)
    app.extensions["thuocdo_accounts"].add("huyen", "district", "173", PASSWORD)
    return app


def _logged_in(app: Flask) -> FlaskClient:
    client = app.test_client()
    resp = client.post("/login", data={"name": "huyen", "password": PASSWORD})
    assert resp.status_code == 302
    return client


def _open(client: FlaskClient) -> Iterator[bytes]:
    resp = client.get("/events", buffered=False)
    assert resp.status_code == 200
    body = resp.iter_encoded()
    assert next(body).startswith(b"retry:")
    assert next(body).startswith(b"event: hello")
    return body


def _update_then_end(app: Flask, body: Iterator[bytes], lose_access: Callable[[], object]) -> None:
    hub = app.extensions["thuocdo_hub"]
    hub.publish(UPDATE)
    assert next(body).startswith(b"event: update")
    lose_access()
    hub.publish(UPDATE)
    with pytest.raises(StopIteration):
        next(body)


def test_stream_ends_when_the_account_is_disabled(app: Flask) -> None:
    body = _open(_logged_in(app))
    _update_then_end(app, body, lambda: app.extensions["thuocdo_accounts"].disable("huyen"))


def test_stream_ends_on_logout_and_the_old_cookie_is_refused(app: Flask) -> None:
    client = _logged_in(app)
    cookie = client.get_cookie("thuocdo_session")
    assert cookie is not None
    body = _open(client)
    _update_then_end(app, body, lambda: client.post("/logout"))
    replay = app.test_client()
    replay.set_cookie("thuocdo_session", cookie.value)
    assert replay.get("/api/overview").status_code == 401


def test_stream_ends_when_the_session_lifetime_is_over(app: Flask) -> None:
    app.permanent_session_lifetime = dt.timedelta(seconds=1)
    body = _open(_logged_in(app))
    _update_then_end(app, body, lambda: threading.Event().wait(1.1))


def test_a_new_password_ends_open_sessions_and_their_stream(app: Flask) -> None:
    accounts = app.extensions["thuocdo_accounts"]
    old = _logged_in(app)
    body = _open(old)
    _update_then_end(app, body, lambda: accounts.set_password("huyen", "mật-khẩu-mới-đủ-dài"))
    assert old.get("/api/overview").status_code == 401
    # a session begun after the change is fine
    fresh = app.test_client()
    resp = fresh.post("/login", data={"name": "huyen", "password": "mật-khẩu-mới-đủ-dài"})
    assert resp.status_code == 302 and fresh.get("/events", buffered=False).status_code == 200


def test_enabling_a_disabled_account_does_not_revive_its_old_sessions(app: Flask) -> None:
    accounts = app.extensions["thuocdo_accounts"]
    client = _logged_in(app)
    accounts.disable("huyen")
    accounts.enable("huyen")
    assert client.get("/api/overview").status_code == 401
    assert _logged_in(app).get("/events", buffered=False).status_code == 200
