"""Thước đo dashboard service: leaders' web UI over scoring's read API."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import threading
from pathlib import Path
from typing import Any

from flask import Flask, Request, g, jsonify, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect
from thuocdo_shared import logs
from thuocdo_shared.web import ops_blueprint
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from . import auth, charts, messages, periods
from .accounts import AccountStore
from .live import Hub
from .scoring_client import ScoringClient
from .settings import Settings

csrf = CSRFProtect()

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'none'; object-src 'none'"
)


class _SessionInterface(SecureCookieSessionInterface):
    """Marks the session cookie Secure when configured, or when the request came
    over TLS (behind a proxy with THUOCDO_DASHBOARD_PROXY_FIX=true)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        if super().get_cookie_secure(app):
            return True
        try:
            return bool(request.is_secure)
        except RuntimeError:  # outside a request
            return False


def secret_key(settings: Settings) -> str:
    """THUOCDO_DASHBOARD_SECRET_KEY, else a key generated once and kept in the data
    directory (mode 600), so that every worker and restart signs sessions alike."""
    if settings.secret_key:
        return settings.secret_key
    path: Path = settings.data_dir / "dashboard-secret-key"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Workers start together: write a complete file aside, then link it into
        # place (atomic, and it fails if another worker won), so nobody reads a
        # half-written key.
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise RuntimeError(f"{path} holds no usable secret key; remove it to make a new one")
    return key


def _wants_json(req: Request) -> bool:
    return req.path.startswith(("/api/", "/events", "/healthz", "/readyz", "/metrics"))


def create_app(settings: Settings | None = None, **config: Any) -> Flask:
    """Application factory: a test passes its own settings and Flask config."""
    logs.setup("thuocdo_dashboard")
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret_key(settings),
        SESSION_COOKIE_NAME="thuocdo_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=8),
        WTF_CSRF_TIME_LIMIT=8 * 3600,
        WTF_CSRF_SSL_STRICT=True,
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    app.config.update(config)
    app.session_interface = _SessionInterface()
    if settings.proxy_fix:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    csrf.init_app(app)

    client = ScoringClient(
        settings.scoring_url,
        settings.scoring_token,
        settings.scoring_timeout,
        store_path=settings.data_dir / "dashboard-last-good.sqlite3",
    )
    app.extensions["thuocdo_settings"] = settings
    app.extensions["thuocdo_scoring"] = client
    app.extensions["thuocdo_accounts"] = AccountStore.from_settings(settings)
    app.extensions["thuocdo_hub"] = Hub()
    app.extensions["thuocdo_listener"] = None

    app.register_blueprint(ops_blueprint("dashboard", client.ready))
    from .admin import bp as admin_bp
    from .auth import bp as auth_bp
    from .views import DownloadUnavailable
    from .views import bp as views_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(views_bp)
    app.register_blueprint(admin_bp)

    @app.before_request
    def _lang() -> None:
        from flask import session

        lang = session.get("lang", "vi")
        g.lang = lang if lang in messages.LANGS else "vi"

    def _current_lang() -> str:
        return str(getattr(g, "lang", "vi"))

    # Globals (not a context processor) so that macros rendered alone for the JSON
    # twins of the pages see them too.
    app.jinja_env.globals.update(
        t=lambda key, **kw: messages.text(key, _current_lang(), **kw),
        t_html=lambda key, **kw: messages.text_html(key, _current_lang(), **kw),
        unit_name=lambda name: messages.unit_name(name, _current_lang()),
        num=lambda value, digits=1: messages.number(value, _current_lang(), digits),
        rating_label=lambda score: messages.rating_label(score, _current_lang()),
        rating_choices=lambda: messages.rating_choices(_current_lang()),
        current_lang=_current_lang,
        local_time=messages.local_time,
        bar=charts.bar,
        heat_colour=charts.heat_colour,
        heat_text_colour=charts.heat_text_colour,
    )

    @app.after_request
    def _headers(resp: Any) -> Any:
        resp.headers.setdefault("Content-Security-Policy", CSP)
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.path.startswith("/static/"):
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp

    def _error(status: int, key: str, **values: object) -> Any:
        lang = getattr(g, "lang", "vi")
        message = messages.text(key, lang, **values)
        if _wants_json(request):
            return jsonify(error=key, message=message, status=status), status
        try:  # the header keeps the user's name and "Đăng xuất" on an error page too
            user = auth.current_user()
        except Exception:  # an error page must render even if the accounts store fails
            user = None
        return render_template("error.html", message=message, status=status, user=user), status

    @app.errorhandler(CSRFError)
    def _csrf(_: CSRFError) -> Any:
        # A login or logout form from a tab opened before the session changed in
        # another one: answered, not a dead end (see auth.logout).
        if request.endpoint == "auth.logout":
            return auth.logout()
        if request.endpoint == "auth.login":
            return auth.stale_login_form()
        return _error(400, "csrf_failed")

    @app.errorhandler(periods.BadPeriod)
    def _bad_period(exc: periods.BadPeriod) -> Any:
        # Shown back escaped (Jinja autoescape / JSON), cut short.
        return _error(400, "bad_period", period=exc.text.strip()[:40])

    @app.errorhandler(DownloadUnavailable)
    def _download_unavailable(_: DownloadUnavailable) -> Any:
        return _error(503, "download_unavailable")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        key = {403: "forbidden", 404: "not_found", 400: "bad_request"}.get(
            exc.code or 500, "server_error"
        )
        if exc.code == 401 and _wants_json(request):
            return jsonify(error="unauthorized", message="login required", status=401), 401
        return _error(exc.code or 500, key)

    @app.errorhandler(Exception)
    def _crash(exc: Exception) -> Any:
        app.logger.exception("unhandled error")
        return _error(500, "server_error")

    return app
