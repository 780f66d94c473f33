"""``thuocdo-dashboard`` command line."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from thuocdo_shared.web import serve

from .settings import Settings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="thuocdo-dashboard", description="Thước đo dashboard service"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_serve = sub.add_parser("serve", help="serve the HTTP app under gunicorn")
    p_serve.add_argument(
        "--host", help="bind address (default THUOCDO_DASHBOARD_HOST or 127.0.0.1)"
    )
    p_serve.add_argument("--port", type=int, help="port (default THUOCDO_DASHBOARD_PORT or 8003)")
    p_serve.add_argument("--workers", type=int, help="gunicorn workers")
    args = parser.parse_args(argv)

    settings = Settings.from_env()
    if args.command == "serve":
        serve(
            "thuocdo_dashboard.wsgi:app",
            host=args.host or settings.host,
            port=args.port or settings.port,
            workers=args.workers or settings.workers,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
