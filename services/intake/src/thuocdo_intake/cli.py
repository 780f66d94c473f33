"""``thuocdo-intake`` command line."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from thuocdo_shared.web import serve

from .settings import Settings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="thuocdo-intake", description="Thước đo intake service")
    sub = parser.add_subparsers(dest="command", required=True)
    p_serve = sub.add_parser("serve", help="serve the HTTP app under gunicorn")
    p_serve.add_argument("--host", help="bind address (default THUOCDO_INTAKE_HOST or 127.0.0.1)")
    p_serve.add_argument("--port", type=int, help="port (default THUOCDO_INTAKE_PORT or 8001)")
    p_serve.add_argument("--workers", type=int, help="gunicorn workers")
    args = parser.parse_args(argv)

    settings = Settings.from_env()
    if args.command == "serve":
        serve(
            "thuocdo_intake.wsgi:app",
            host=args.host or settings.host,
            port=args.port or settings.port,
            workers=args.workers or settings.workers,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
