"""The accounts page (``/admin/users``), for admins: every account with its role,
unit and state, and what an operator is asked for most (a new account, a new
password, an account locked out by failed logins, an account to disable or enable
again) without a shell on the server. The same rules as the CLI's (``check_name``,
``bind``), said in the page's language."""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from thuocdo_shared.units import local_today, registry

from . import messages
from .accounts import (
    MAX_NAME,
    BadName,
    User,
    UserExists,
    check_name,
    generate_password,
)
from .auth import current_user, login_required, store
from .model import unit_title
from .scope import ROLES, BadBinding, bind, resolve, unit_by_key

bp = Blueprint("admin", __name__, url_prefix="/admin")
log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])
ACTIONS = ("add", "password", "disable", "enable", "unlock")


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


def _unit_choices() -> list[tuple[str, str]]:
    """(code, name) offered as the new account's unit: the districts and the province
    (former ones too: a user of old Phú Bình district sees its communes, old and new)
    and the communes in force today."""
    today = local_today()
    found: dict[str, str] = {}
    for unit in registry():
        if unit.level != "commune" or unit.valid_on(today):
            found[unit.code] = unit_title(unit, g.lang)  # the latest version's name
    return sorted(found.items())


# A page's forms act once: a refresh, or Back then Forward, sends a form again, and a
# second new password would silently replace the one just given out. Each page shown
# has a random token, spent in the accounts store (shared by the workers; a double
# click's two requests cannot both spend it) and kept as long as a session lasts.


def _once() -> bool | None:
    """True if this form's token is new (and now spent), False if it was spent before,
    None if the form has none (not one of this page's)."""
    token = request.form.get("once", "")
    if not token:
        return None
    now = time.time()
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    return store().spend_form(token[:64], now + lifetime, now)


def _page(
    shown: tuple[str, str] | None = None,
    note: str | None = None,
    add_error: str | None = None,
    form: dict[str, str] | None = None,
    at_add: bool = False,
) -> str:
    """The page; ``shown`` (name, password) once, with ``note``, in the add form's
    section when it came from there (``at_add``: the answer scrolls to it)."""
    accounts = store()
    now = time.time()
    me = current_user()
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
                "typed_as_shown": user.typed_as_shown,
                "created": messages.local_time(dt.datetime.fromisoformat(user.created_at)),
                "self": me is not None and user.name == me.name,
            }
        )
    addresses = [(a, _at(t)) for a, t in accounts.locked_addresses(now)]
    return render_template(
        "admin_users.html",
        rows=rows,
        addresses=addresses,
        shown=shown,
        note=note,
        at_add=at_add,
        add_error=add_error,
        form=form or {"role": "commune"},
        roles=[(r, messages.text(f"role_{r}", g.lang)) for r in ROLES],
        unit_choices=_unit_choices(),
        once=secrets.token_urlsafe(12),
        user=me,
    )


@bp.get("/users")
@admin_required
def users() -> Any:
    return _page()


@bp.post("/users")
@admin_required
def act() -> Any:
    """One action on one account (or, for ``unlock`` with ``address``, on a client
    address), once per form shown. A new password is shown once, in this answer only
    (not in the session cookie or a redirect)."""
    accounts = store()
    action = request.form.get("action", "")
    name = request.form.get("name", "")[:100]
    address = request.form.get("address", "")
    me = current_user()
    assert me is not None
    if action not in ACTIONS:
        abort(400)
    fresh = _once()
    if fresh is None:
        abort(400)
    if not fresh:
        flash(messages.text("admin_sent_again", g.lang), "error")
        return redirect(url_for("admin.users"))
    if action == "add":
        return _add(me)
    if action == "unlock" and address and not name:
        try:
            ipaddress.ip_address(address)  # not a line to forge a log line with
        except ValueError:
            abort(400)
        # (as stored, from the request: "::ffff:10.0.0.5" is not rewritten)
        forgotten = accounts.unlock(address=address)
        log.info("admin %s unlocked address %s", me.name, address)
        flash(_unlocked(address, forgotten))
        return redirect(url_for("admin.users"))
    account = accounts.get(name) if name else None
    if account is None:
        flash(messages.text("admin_no_user", g.lang, name=name[:64]), "error")
        return redirect(url_for("admin.users"))
    if account.name == me.name and action in ("password", "disable"):
        # A new password would end this very session; disabling it could leave no admin.
        flash(messages.text(f"admin_not_self_{action}", g.lang), "error")
        return redirect(url_for("admin.users"))
    if action == "password":
        password = generate_password()
        accounts.set_password(account.name, password)
        accounts.unlock(account.name)
        log.info("admin %s set a new password for %s", me.name, account.name)
        return _page(shown=(account.name, password))
    if action == "unlock":
        forgotten = accounts.unlock(account.name)
        log.info("admin %s unlocked %s", me.name, account.name)
        flash(_unlocked(account.name, forgotten))
    elif action == "disable":
        if account.disabled:  # (a page shown before another admin did it)
            flash(messages.text("admin_already_disabled", g.lang, name=account.name))
        elif accounts.disable(account.name, keep_an_admin=True):
            log.info("admin %s disabled %s", me.name, account.name)
            flash(messages.text("admin_disabled", g.lang, name=account.name))
        else:
            flash(messages.text("admin_last_admin", g.lang), "error")
    else:
        accounts.enable(account.name)
        log.info("admin %s enabled %s", me.name, account.name)
        flash(messages.text("admin_enabled", g.lang, name=account.name))
    return redirect(url_for("admin.users"))


def _unlocked(who: str, forgotten: int) -> str:
    if forgotten == 0:
        return messages.text("admin_unlocked_none", g.lang, who=who)
    return messages.text("admin_unlocked", g.lang, who=who, n=forgotten)


def _add(me: User) -> Any:
    """A new account from the form; its generated password shown once. A refused one
    answers 400 (409 for a name taken) with the form as filled and the reason."""
    # Without what a finger adds around a name or code (the CLI takes them as typed; a
    # space inside a name is refused by both).
    form = {k: request.form.get(k, "")[:100].strip(" \t\r\n") for k in ("name", "role", "unit")}

    def refused(reason: str, status: int = 400) -> Any:
        error = messages.text("admin_add_failed", g.lang, reason=reason)
        return _page(add_error=error, form=form, at_add=True), status

    try:
        name = check_name(form["name"])
        if form["role"] == "admin" and form["unit"]:
            # (the CLI ignores it; here it is most likely a slip in the role's menu)
            return refused(messages.text("bind_admin_unit", g.lang))
        binding = bind(form["role"], form["unit"], local_today())
    except BadName as exc:
        return refused(messages.text(f"name_{exc.reason}", g.lang, max=MAX_NAME))
    except BadBinding as exc:
        return refused(messages.text(f"bind_{exc.reason}", g.lang, **exc.values))
    password = generate_password()
    try:
        added = store().add(name, form["role"], binding, password)
    except UserExists:
        return refused(messages.text("name_taken", g.lang, name=name), 409)
    log.info("admin %s added %s (%s, unit %s)", me.name, name, form["role"], binding)
    role = messages.text(f"role_{form['role']}", g.lang)
    note = messages.text("admin_added", g.lang, name=name, role=role, unit=_unit_label(added))
    return _page(shown=(name, password), note=note, at_add=True)
