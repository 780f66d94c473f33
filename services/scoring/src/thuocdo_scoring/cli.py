"""``thuocdo-scoring`` command line: one function per subcommand."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

from thuocdo_shared.web import serve

from .settings import Settings

Command = Callable[[argparse.Namespace, Settings], int]


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Serve the read API under gunicorn (replaces this process)."""
    serve(
        "thuocdo_scoring.wsgi:app",
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=args.workers or settings.workers,
    )
    return 0


def cmd_consume(args: argparse.Namespace, settings: Settings) -> int:
    """Consume survey.responses.v1 into the store until SIGTERM."""
    from .consumer import main as consume

    return consume(settings)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="thuocdo-scoring", description="Thước đo scoring service")
    sub = parser.add_subparsers(dest="command", required=True)

    p_serve = sub.add_parser("serve", help="serve the HTTP app under gunicorn")
    p_serve.add_argument("--host", help="bind address (default THUOCDO_SCORING_HOST or 127.0.0.1)")
    p_serve.add_argument("--port", type=int, help="port (default THUOCDO_SCORING_PORT or 8002)")
    p_serve.add_argument("--workers", type=int, help="gunicorn workers")
    p_serve.set_defaults(func=cmd_serve)

    p_consume = sub.add_parser("consume", help="consume responses into the store (until SIGTERM)")
    p_consume.set_defaults(func=cmd_consume)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Command = args.func
    return func(args, Settings.from_env())


if __name__ == "__main__":
    raise SystemExit(main())
