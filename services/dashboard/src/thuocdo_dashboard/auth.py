"""Login, logout, language switch, and the per-request user and scope."""

from __future__ import annotations

import functools
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from prometheus_client import Counter

from .accounts import AccountStore, LoginResult, User
from .scope import Scope

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)
LOGINS = Counter("thuocdo_dashboard_logins_total", "login attempts by outcome", ["outcome"])

F = TypeVar("F", bound=Callable[..., Any])


def store() -> AccountStore:
    return current_app.extensions["thuocdo_accounts"]  # type: ignore[no-any-return]


def _safe_next(target: str | None) -> str:
    """Only local paths, so the login form cannot redirect elsewhere."""
    if not target:
        return url_for("views.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("views.home")
    return target


def _begun(sess: Any) -> float:
    """When this session logged in (epoch seconds; 0 for a session from before
    login times were kept)."""
    at = sess.get("at")
    return float(at) if isinstance(at, int | float) else 0.0


def current_user() -> User | None:
    if "user" in g:
        return g.user  # type: ignore[no-any-return]
    name = session.get("user")
    user = store().get(name) if isinstance(name, str) else None
    if user is not None and (user.disabled or _begun(session) < user.sessions_after):
        user = None  # disabled, or its password changed since this session began
    sid = session.get("sid")
    if user is not None and isinstance(sid, str) and store().session_ended(sid):
        user = None  # a logged-out cookie replayed
    if user is None and name is not None:
        session.clear()
    g.user = user
    return user


def stream_guard() -> Callable[[], bool]:
    """For a long response (the SSE stream) that outlives its request: a check, safe
    to call outside the request, that is False once the account is disabled or
    rebound, this session logged out, or the session's lifetime is over. Each call
    is one or two SQLite reads."""
    user = current_user()
    if user is None:
        abort(401)
    accounts = store()
    sid = session.get("sid")
    begun = _begun(session)
    deadline = time.time() + current_app.permanent_session_lifetime.total_seconds()

    def still_allowed() -> bool:
        if time.time() >= deadline:
            return False
        now = accounts.get(user.name)
        if now is None or now.disabled or (now.role, now.unit) != (user.role, user.unit):
            return False
        if begun < now.sessions_after:
            return False
        return not (isinstance(sid, str) and accounts.session_ended(sid))

    return still_allowed


def current_scope() -> Scope:
    user = current_user()
    if user is None:
        abort(401)
    return Scope(user.role, user.unit)


def login_required(view: F) -> F:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            if request.path.startswith(("/api/", "/events", "/csv/", "/xlsx/")):
                abort(401)
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    settings = current_app.extensions["thuocdo_settings"]
    error: str | None = None
    status = 200
    name = ""
    if request.method == "POST":
        name = request.form.get("name", "").strip()[:100]  # the store folds case and Unicode form
        password = request.form.get("password", "")[:1000]
        address = request.remote_addr or "-"
        outcome, user = store().authenticate(name, password, address, time.time())
        LOGINS.labels(outcome).inc()
        # For the operator: who logged in, and refusals by address (not the name typed:
        # a password is sometimes typed into it).
        if outcome == LoginResult.OK and user is not None:
            log.info("login: %s (%s) from %s", user.name, user.role, address)
        else:
            log.warning("login refused (%s) from %s", outcome, address)
        if outcome == LoginResult.OK and user is not None:
            lang = session.get("lang")
            session.clear()  # a fresh session on login: no fixation
            session.permanent = True
            session["user"] = user.name
            session["sid"] = secrets.token_urlsafe(16)  # so that logout can end it
            session["at"] = time.time()  # a password change ends sessions begun before
            if lang:
                session["lang"] = lang
            return redirect(_safe_next(request.args.get("next")))
        if outcome == LoginResult.LOCKED:
            error, status = "locked", 429
        else:
            error, status = "bad", 401
    return (
        render_template("login.html", error=error, name=name, minutes=settings.lockout_minutes),
        status,
    )


def stale_login_form() -> Any:
    """A login form whose CSRF token no longer matches the session (the page was
    opened before a login or logout in another tab): the form again, with a fresh
    token and the name typed, instead of a dead end."""
    settings = current_app.extensions["thuocdo_settings"]
    name = request.form.get("name", "").strip()[:100]
    return (
        render_template("login.html", error="stale", name=name, minutes=settings.lockout_minutes),
        400,
    )


@bp.post("/logout")
def logout() -> Any:
    """Ends the session. Also run when the form's CSRF token is stale or missing (see
    the app's CSRF handler): a "Đăng xuất" pressed in a tab opened before the last
    login must not leave a shared computer logged in. Nothing is lost by it: the
    session cookie is SameSite=Lax, so another site's form reaches here without it."""
    lang = session.get("lang")
    sid = session.get("sid")
    if isinstance(sid, str):
        now = time.time()
        lifetime = current_app.permanent_session_lifetime.total_seconds()
        store().end_session(sid, now + lifetime, now)
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("auth.login"))


@bp.get("/lang/<code>")
def switch_language(code: str) -> Any:
    """A display preference only, so a plain link (no form) is enough."""
    if code in ("vi", "en"):
        session["lang"] = code
    return redirect(_safe_next(request.args.get("next")))
