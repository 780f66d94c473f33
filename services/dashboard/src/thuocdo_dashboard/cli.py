"""``thuocdo-dashboard`` command line: ``serve`` and account management."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence

from thuocdo_shared.units import local_minute, local_today
from thuocdo_shared.web import serve

from .accounts import AccountStore, BadName, UserExists, check_name, generate_password
from .scope import ROLES, BadBinding, bind
from .settings import Settings

MIN_PASSWORD = 12


def _store(settings: Settings) -> AccountStore:
    return AccountStore(settings.db_path, settings.lockout_attempts, settings.lockout_minutes)


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


def _user(args: argparse.Namespace, settings: Settings) -> int:
    store = _store(settings)
    if args.user_command == "add":
        try:
            check_name(args.name)
            binding = bind(args.role, args.unit or "", local_today())
        except (BadName, BadBinding) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        password, generated = _read_password(args)
        if len(password) < MIN_PASSWORD:
            print(f"error: password must have at least {MIN_PASSWORD} characters", file=sys.stderr)
            return 2
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
        print("name\trole\tunit\tstate\tcreated")
        for user in store.list():
            state = "disabled" if user.disabled else "active"
            print(
                f"{user.name}\t{user.role}\t{user.unit}\t{state}\t{local_minute(user.created_at)}"
            )
        return 0
    if store.disable(args.name):
        print(f"disabled {args.name}")
        return 0
    print(f"error: no user {args.name!r}", file=sys.stderr)
    return 1


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
    users.add_parser("list", help="list accounts")
    p_disable = users.add_parser("disable", help="disable an account")
    p_disable.add_argument("name")
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
