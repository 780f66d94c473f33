"""The accounts page (``/admin/users``), for admins: every account with its role,
unit and state, and what an operator is asked for most (a new password, an account
locked out by failed logins, an account to disable or enable again) without a shell
on the server. Accounts are created with ``thuocdo-dashboard user add``."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from thuocdo_shared.units import local_today

from . import messages
from .accounts import User, generate_password
from .auth import current_user, login_required, store
from .model import unit_title
from .scope import resolve, unit_by_key

bp = Blueprint("admin", __name__, url_prefix="/admin")
log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])
ACTIONS = ("password", "disable", "enable", "unlock")


def admin_required(view: F) -> F:
    @functools.wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        user = current_user()
        if user is None or user.role != "admin":
            abort(403)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def _unit_label(user: User) -> str:
    """The account's unit as a leader reads it: its name, then what is stored."""
    if user.role == "admin":
        return messages.text("admin_every_unit", g.lang)
    unit = unit_by_key(user.unit) if "@" in user.unit else resolve(user.unit, local_today())
    return f"{unit_title(unit, g.lang)} ({user.unit})" if unit is not None else user.unit


def _at(epoch: float) -> str:
    return messages.local_time(dt.datetime.fromtimestamp(epoch, dt.UTC))


def _page(shown_password: tuple[str, str] | None = None) -> str:
    accounts = store()
    now = time.time()
    rows = []
    for user in accounts.list():
        until = accounts.locked_until(user.name, now)
        rows.append(
            {
                "name": user.name,
                "role": messages.text(f"role_{user.role}", g.lang),
                "unit": _unit_label(user),
                "disabled": user.disabled,
                "locked_until": None if until is None else _at(until),
                "created": messages.local_time(dt.datetime.fromisoformat(user.created_at)),
                "self": user.name == (current_user() or user).name,
            }
        )
    addresses = [(a, _at(t)) for a, t in accounts.locked_addresses(now)]
    return render_template(
        "admin_users.html",
        rows=rows,
        addresses=addresses,
        shown_password=shown_password,
        user=current_user(),
    )


@bp.get("/users")
@admin_required
def users() -> Any:
    return _page()


@bp.post("/users")
@admin_required
def act() -> Any:
    """One action on one account (or, for ``unlock`` with ``address``, on a client
    address). A new password is shown once, in this answer only (never stored in the
    session cookie or a redirect)."""
    accounts = store()
    action = request.form.get("action", "")
    name = request.form.get("name", "")
    address = request.form.get("address", "")
    me = current_user()
    assert me is not None
    if action not in ACTIONS:
        abort(400)
    if action == "unlock" and address and not name:
        forgotten = accounts.unlock(address=address)
        log.info("admin %s unlocked address %s", me.name, address)
        flash(messages.text("admin_unlocked", g.lang, who=address, n=forgotten))
        return redirect(url_for("admin.users"))
    account = accounts.get(name) if name else None
    if account is None:
        flash(messages.text("admin_no_user", g.lang, name=name[:64]), "error")
        return redirect(url_for("admin.users"))
    if action == "password":
        password = generate_password()
        accounts.set_password(account.name, password)
        accounts.unlock(account.name)
        log.info("admin %s set a new password for %s", me.name, account.name)
        return _page(shown_password=(account.name, password))
    if action == "unlock":
        forgotten = accounts.unlock(account.name)
        log.info("admin %s unlocked %s", me.name, account.name)
        flash(messages.text("admin_unlocked", g.lang, who=account.name, n=forgotten))
    elif action == "disable":
        if account.name == me.name:
            # (the last admin could otherwise shut every admin out of this page)
            flash(messages.text("admin_not_self", g.lang), "error")
        else:
            accounts.disable(account.name)
            log.info("admin %s disabled %s", me.name, account.name)
            flash(messages.text("admin_disabled", g.lang, name=account.name))
    else:
        accounts.enable(account.name)
        log.info("admin %s enabled %s", me.name, account.name)
        flash(messages.text("admin_enabled", g.lang, name=account.name))
    return redirect(url_for("admin.users"))
