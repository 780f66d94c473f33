"""``thuocdo-dashboard`` command line: ``serve`` and account management."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import ipaddress
import sys
import time
from collections.abc import Sequence

from thuocdo_shared.config import note_missing_store, says_config_errors
from thuocdo_shared.units import local_minute, local_today
from thuocdo_shared.web import serve

from .accounts import (
    AccountStore,
    BadName,
    UserExists,
    check_name,
    generate_password,
    normal_name,
)
from .scope import ROLES, BadBinding, bind
from .settings import Settings

MIN_PASSWORD = 12


def _store(settings: Settings) -> AccountStore:
    return AccountStore.from_settings(settings)


def _read_password(args: argparse.Namespace) -> tuple[str, bool]:
    """(password, generated?) from stdin, an interactive prompt, or generated."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n"), False
    if sys.stdin.isatty():
        first = getpass.getpass("Password (empty: generate one): ")
        if not first:
            return generate_password(), True
        if getpass.getpass("Again: ") != first:
            raise SystemExit("passwords differ")
        return first, False
    return generate_password(), True


LIST_HEADER = "name\trole\tunit\tstate\tcreated"


def _new_password(args: argparse.Namespace) -> tuple[str, bool] | None:
    """(password, generated?), or None after saying why it is refused."""
    password, generated = _read_password(args)
    if len(password) < MIN_PASSWORD:
        print(f"error: password must have at least {MIN_PASSWORD} characters", file=sys.stderr)
        return None
    return password, generated


def _user(args: argparse.Namespace, settings: Settings) -> int:
    making = args.user_command == "add"
    if note_missing_store(settings.db_path, "accounts", "the dashboard", making) and not making:
        if args.user_command == "list":
            print(LIST_HEADER)
            return 0
        who = getattr(args, "name", None) or getattr(args, "address", None)
        print(f"error: no user {who!r}", file=sys.stderr)
        return 1
    store = _store(settings)
    if args.user_command == "add":
        try:
            args.name = check_name(args.name)  # as stored: in lower case and NFC
            binding = bind(args.role, args.unit or "", local_today())
        except (BadName, BadBinding) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        new = _new_password(args)
        if new is None:
            return 2
        password, generated = new
        try:
            store.add(args.name, args.role, binding, password)
        except UserExists:
            print(f"error: user {args.name!r} exists", file=sys.stderr)
            return 1
        print(f"added {args.name} ({args.role}, unit {binding})")
        if generated:
            print(f"password: {password}")
        return 0
    if args.user_command == "list":
        # Tab-separated with a header; times in Vietnam (UTC+7), as operators read them.
        print(LIST_HEADER)
        now = time.time()
        for user in store.list():
            until = store.locked_until(user.name, now)
            state = "disabled" if user.disabled else "active"
            if user.typed_as_shown:
                # Left by the rename to lower case: another account has that spelling.
                state += ", logs in typed exactly as shown"
            if until is not None:
                state += f", login locked until {local_minute(_iso(until))}"
            print(
                f"{user.name}\t{user.role}\t{user.unit}\t{state}\t{local_minute(user.created_at)}"
            )
        # Beside the table (stderr keeps it tab-separated): a commune office whose
        # shared address is locked out cannot log in with any account.
        for address, until in store.locked_addresses(now):
            print(
                f"note: logins from address {address} are locked until"
                f" {local_minute(_iso(until))}; `thuocdo-dashboard user unlock --address"
                f" {address}` lifts it",
                file=sys.stderr,
            )
        return 0
    if args.user_command == "unlock" and not args.name and not args.address:
        print("error: give an account name, --address, or both", file=sys.stderr)
        return 2
    if getattr(args, "address", None):
        try:
            args.address = str(ipaddress.ip_address(args.address))  # as the server logs it
        except ValueError:
            print(f"error: {args.address!r} is not an IP address", file=sys.stderr)
            return 2
    # The commands below name an account (unlock may name only an address).
    account = store.get(args.name) if args.name else None
    if args.name and account is None:
        print(f"error: no user {normal_name(args.name)!r}", file=sys.stderr)
        return 1
    if account is not None:
        args.name = account.name  # as stored: what the lines below print and act on
    if args.user_command == "unlock":
        forgotten = store.unlock(args.name, args.address)
        who = " and ".join(x for x in (args.name, args.address and f"address {args.address}") if x)
        print(f"unlocked {who} ({forgotten} failed login(s) forgotten)")
        return 0
    if args.user_command == "password":
        new = _new_password(args)
        if new is None:
            return 2
        password, generated = new
        store.set_password(args.name, password)
        store.unlock(args.name)
        print(f"new password for {args.name}; its open sessions are ended")
        if generated:
            print(f"password: {password}")
        return 0
    assert account is not None  # enable and disable require a name
    if args.user_command == "enable":
        store.enable(args.name)
        print(f"enabled {args.name}" if account.disabled else f"{args.name} was already enabled")
        return 0
    store.disable(args.name)
    print(f"{args.name} was already disabled" if account.disabled else f"disabled {args.name}")
    return 0


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat(timespec="seconds")


@says_config_errors("thuocdo-dashboard")
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="thuocdo-dashboard", description="Thước đo dashboard service"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_serve = sub.add_parser("serve", help="serve the HTTP app under gunicorn (gthread)")
    p_serve.add_argument(
        "--host", help="bind address (default THUOCDO_DASHBOARD_HOST or 127.0.0.1)"
    )
    p_serve.add_argument("--port", type=int, help="port (default THUOCDO_DASHBOARD_PORT or 8003)")
    p_serve.add_argument("--workers", type=int, help="gunicorn workers")

    p_user = sub.add_parser("user", help="manage dashboard accounts")
    users = p_user.add_subparsers(dest="user_command", required=True)
    p_add = users.add_parser("add", help="create an account")
    p_add.add_argument("--name", required=True)
    p_add.add_argument("--role", required=True, choices=ROLES)
    p_add.add_argument(
        "--unit",
        help="district/province code for district users; commune code (the version in "
        "force today) or unit key code@YYYY-MM-DD for commune users; ignored for admin",
    )
    p_add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    users.add_parser("list", help="list accounts (and whose login is locked)")
    p_disable = users.add_parser("disable", help="disable an account (its sessions end)")
    p_disable.add_argument("name")
    p_enable = users.add_parser("enable", help="enable a disabled account")
    p_enable.add_argument("name")
    p_unlock = users.add_parser(
        "unlock", help="forget failed logins of an account and/or a client address"
    )
    p_unlock.add_argument("name", nargs="?")
    p_unlock.add_argument("--address", help="a client address, e.g. 203.0.113.7")
    p_password = users.add_parser(
        "password", help="set a new password (generated unless given); ends open sessions"
    )
    p_password.add_argument("name")
    p_password.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    args = parser.parse_args(argv)

    settings = Settings.from_env()
    if args.command == "user":
        return _user(args, settings)
    # gthread: each server-sent-event stream holds a thread, not a whole worker.
    serve(
        "thuocdo_dashboard.wsgi:app",
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=args.workers or settings.workers,
        extra=["--worker-class", "gthread", "--threads", str(settings.threads)],
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
