"""``thuocdo-scoring`` command line: one function per subcommand."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from thuocdo_shared.config import says_config_errors
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


def cmd_cluster_comments(args: argparse.Namespace, settings: Settings) -> int:
    """Assign comments (JSON lines) to issues and themes."""
    from .comments.batch import run  # lazy: scikit-learn takes seconds to import

    return run(args.file, model_path=args.model, max_themes=args.max_themes)


def cmd_purge_comments(args: argparse.Namespace, settings: Settings) -> int:
    """Blank raw comments older than the retention period (run daily, e.g. by cron)."""
    import datetime as dt

    from .store import SqliteStore

    before = settings.comments_before(dt.datetime.now(dt.UTC), args.days)
    if before is None:
        print("comment retention is off (THUOCDO_COMMENT_RETENTION_DAYS=0): nothing purged")
        return 0
    if not settings.store_path.exists():
        # From cron, in another directory or without THUOCDO_DATA_DIR: an empty store
        # would be made and "blanked 0" said, purging nothing for ever.
        print(
            f"purge-comments: no store at {settings.store_path}: set THUOCDO_DATA_DIR (or"
            " THUOCDO_SCORING_DB) to scoring's data",
            file=sys.stderr,
        )
        return 1
    store = SqliteStore(settings.store_path)
    try:
        count = store.purge_comments(before)
    finally:
        store.close()
    print(f"blanked {count} comments submitted before {before.isoformat(timespec='seconds')}")
    return 0


def cmd_check_consumer(args: argparse.Namespace, settings: Settings) -> int:
    """Exit 0 while the consumer's heartbeat is fresh, 1 otherwise (for a container's
    health check, or an alert from cron)."""
    import datetime as dt

    from .queries import consumer_health
    from .store import SqliteStore

    path = settings.store_path
    if not path.exists():
        print(f"consumer: no store at {path}: the consumer has not run yet")
        return 1
    store = SqliteStore(path)
    try:
        ok, said = consumer_health(store.consumer_state(), dt.datetime.now(dt.UTC), args.max_age)
    except Exception as exc:  # a damaged or locked file is an unhealthy consumer too
        ok, said = False, f"store {path}: {type(exc).__name__}: {exc}"
    finally:
        store.close()
    print(f"consumer: {said}")
    return 0 if ok else 1


def _add_cluster_comments(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "cluster-comments",
        help="assign comments to issues and themes",
        description='Read JSON lines {"text": ...} and print one JSON line per comment with '
        "text, issue, confidence and theme (null when the comment has an issue).",
    )
    p.add_argument("file", help='JSON Lines file of {"text": ...}, or - for standard input')
    p.add_argument("--model", help="a model saved by CommentModel.save (default: fit from seeds)")
    p.add_argument("--max-themes", type=int, default=8, help="most themes to form (default 8)")
    p.set_defaults(func=cmd_cluster_comments)


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

    p_check = sub.add_parser(
        "check-consumer",
        help="exit 1 when the consumer's heartbeat is older than --max-age seconds",
    )
    p_check.add_argument(
        "--max-age",
        type=float,
        default=60.0,
        help="seconds (default 60; the consumer writes a heartbeat every 5 s)",
    )
    p_check.set_defaults(func=cmd_check_consumer)

    _add_cluster_comments(sub)

    p_purge = sub.add_parser(
        "purge-comments",
        help="blank raw comments older than THUOCDO_COMMENT_RETENTION_DAYS",
    )
    p_purge.add_argument(
        "--days", type=int, help="retention in days (default THUOCDO_COMMENT_RETENTION_DAYS)"
    )
    p_purge.set_defaults(func=cmd_purge_comments)
    return parser


@says_config_errors("thuocdo-scoring")
def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Command = args.func
    return func(args, Settings.from_env())


if __name__ == "__main__":
    raise SystemExit(main())
