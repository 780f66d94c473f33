"""``thuocdo-intake`` command line: ``serve`` and ``kiosk add|list|accepts-from|set|revoke``."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from urllib.parse import urlsplit

from thuocdo_shared.config import closed_pipe_is_fine, note_missing_store, says_config_errors
from thuocdo_shared.units import local_minute, local_today
from thuocdo_shared.web import serve

from .kiosks import KEEP, MODES, KioskError, KioskRegistry, check_commune
from .settings import Settings

LIST_HEADER = "id\tcommune\tmode\tfield\tcreated\taccepts_from\tstate\tname"


def _kiosk_commands(args: argparse.Namespace, settings: Settings) -> int:
    # A kiosk added to a file intake never reads would get a token refused with 401.
    making = args.kiosk_command == "add"
    if note_missing_store(settings.kiosk_db, "kiosk", "intake", making) and not making:
        if args.kiosk_command == "list":
            print(LIST_HEADER)
            return 0
        print(f"error: no kiosk {args.kiosk_id!r}", file=sys.stderr)
        return 1
    registry = KioskRegistry(settings.kiosk_db)
    if args.kiosk_command == "add":
        try:
            kiosk, token = registry.add(
                args.commune,
                args.name,
                mode=args.mode,
                field=args.field,
                accepts_from=args.accepts_from,
            )
        except KioskError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        base = (args.base_url or settings.public_url).rstrip("/")
        # The token travels in the URL fragment, which browsers never send to a
        # server, so it cannot end up in an access log or a proxy's.
        url = f"{base}/kiosk#token={token}"
        host = urlsplit(base).hostname or ""
        if host in ("0.0.0.0", "::", "localhost") or host.startswith("127."):  # noqa: S104
            print(
                f"note: {host} is this machine's own address: a tablet cannot open the link."
                " Give --base-url (or THUOCDO_INTAKE_PUBLIC_URL) with the address tablets"
                " reach intake at.",
                file=sys.stderr,
            )
        if args.json:
            out = {"id": kiosk.id, "token": token, "enrolment_url": url}
            if kiosk.accepts_from is not None:
                out["accepts_from"] = kiosk.accepts_from.isoformat()
            print(json.dumps(out))
        else:
            print(f"kiosk {kiosk.id}  {kiosk.name}  commune {kiosk.commune_code}  {kiosk.mode}")
            if kiosk.accepts_from is not None:
                print(f"accepts responses dated from {kiosk.accepts_from.isoformat()} on")
            print(f"token: {token}")
            print(f"enrolment URL: {url}")
            print("The token is shown only now; only its hash is stored.")
        return 0
    if args.kiosk_command == "list":
        # Tab-separated with a header; times in Vietnam (UTC+7), as operators read them.
        # accepts_from: the --accepts-from date, "-" for a kiosk that sends from its
        # enrolment ("created") on.
        with closed_pipe_is_fine():
            print(LIST_HEADER)
            for kiosk, created, revoked in registry.list():
                state = f"revoked {local_minute(revoked)}" if revoked else "active"
                since = kiosk.accepts_from.isoformat() if kiosk.accepts_from else "-"
                print(
                    f"{kiosk.id}\t{kiosk.commune_code}\t{kiosk.mode}\t{kiosk.field or '-'}\t"
                    f"{local_minute(created)}\t{since}\t{state}\t{kiosk.name}"
                )
        return 0
    if args.kiosk_command == "accepts-from":
        try:
            done = registry.set_accepts_from(args.kiosk_id, args.day)
        except KioskError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        if not done:
            print(f"error: no active kiosk {args.kiosk_id!r}", file=sys.stderr)
            return 1
        print(f"{args.kiosk_id} accepts responses dated from {args.day.isoformat()} on")
        return 0
    if args.kiosk_command == "set":
        if args.name is None and args.mode is None and args.field is None and not args.any_field:
            print("error: nothing to change: give --name, --mode, --field or --any-field",
                  file=sys.stderr)  # fmt: skip
            return 2
        try:
            changed = registry.update(
                args.kiosk_id,
                name=args.name,
                mode=args.mode,
                field=None if args.any_field else (args.field or KEEP),
            )
        except KioskError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        if changed is None:
            print(f"error: no active kiosk {args.kiosk_id!r}", file=sys.stderr)
            return 1
        print(f"{changed.id}\t{changed.mode}\t{changed.field or '-'}\t{changed.name}")
        print(
            "Open kiosk pages take it at their next configuration fetch"
            f" (every {settings.config_refresh_seconds} s); the token stays.",
            file=sys.stderr,
        )
        return 0
    if args.kiosk_command == "revoke":
        if registry.revoke(args.kiosk_id):
            print(f"revoked {args.kiosk_id}")
            return 0
        revoked = next((r for k, _, r in registry.list() if k.id == args.kiosk_id), "")
        if revoked:  # asked twice: done already, say since when
            print(f"{args.kiosk_id} was already revoked ({local_minute(revoked)})")
            return 0
        print(f"error: no kiosk {args.kiosk_id!r}", file=sys.stderr)
        return 1
    return 2


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value}") from None


def _commune(value: str) -> str:
    try:
        return check_commune(value, local_today()).code
    except KioskError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


@says_config_errors("thuocdo-intake")
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="thuocdo-intake", description="Thước đo intake service")
    sub = parser.add_subparsers(dest="command", required=True)
    p_serve = sub.add_parser("serve", help="serve the HTTP app under gunicorn")
    p_serve.add_argument("--host", help="bind address (default THUOCDO_INTAKE_HOST or 127.0.0.1)")
    p_serve.add_argument("--port", type=int, help="port (default THUOCDO_INTAKE_PORT or 8001)")
    p_serve.add_argument("--workers", type=int, help="gunicorn workers")
    p_serve.add_argument("--threads", type=int, help="threads per worker")

    p_kiosk = sub.add_parser("kiosk", help="enrol, list, change and revoke kiosks")
    ksub = p_kiosk.add_subparsers(dest="kiosk_command", required=True)
    p_add = ksub.add_parser("add", help="enrol a kiosk; prints its token once")
    p_add.add_argument(
        "--commune",
        required=True,
        type=_commune,
        help="commune code in force today (05953), or its key (05953@2025-07-01)",
    )
    p_add.add_argument("--name", required=True, help='counter name, e.g. "Quầy 1"')
    p_add.add_argument("--mode", choices=MODES, default="quick", help="quick or full SIPAS")
    p_add.add_argument("--field", help="fix the field of procedure (e.g. ho_tich)")
    p_add.add_argument(
        "--accepts-from",
        type=_date,
        metavar="YYYY-MM-DD",
        help="earliest local date the kiosk may send responses for, to backfill history"
        " (default: its enrolment, give or take the allowed clock skew)",
    )
    p_add.add_argument("--base-url", help="public base URL of intake for the enrolment link")
    p_add.add_argument("--json", action="store_true", help="print one JSON object")
    ksub.add_parser("list", help="list kiosks (never tokens)")
    p_since = ksub.add_parser(
        "accepts-from", help="let an enrolled kiosk send responses dated from a day on"
    )
    p_since.add_argument("kiosk_id")
    p_since.add_argument("day", type=_date, metavar="YYYY-MM-DD")
    p_set = ksub.add_parser(
        "set", help="change an enrolled kiosk's name, mode or field (its token stays)"
    )
    p_set.add_argument("kiosk_id")
    p_set.add_argument("--name", help='counter name, e.g. "Quầy 1"')
    p_set.add_argument("--mode", choices=MODES, help="quick or full SIPAS")
    fixed = p_set.add_mutually_exclusive_group()
    fixed.add_argument("--field", help="fix the field of procedure (e.g. ho_tich)")
    fixed.add_argument(
        "--any-field", action="store_true", help="let the citizen choose the field again"
    )
    p_revoke = ksub.add_parser("revoke", help="revoke a kiosk's token (effective within 1 s)")
    p_revoke.add_argument("kiosk_id")
    args = parser.parse_args(argv)

    settings = Settings.from_env()
    if args.command == "kiosk":
        return _kiosk_commands(args, settings)
    threads = args.threads or settings.threads
    serve(
        "thuocdo_intake.wsgi:app",
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=args.workers or settings.workers,
        extra=["--threads", str(threads), "-c", "python:thuocdo_intake.gunicorn_conf"],
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
