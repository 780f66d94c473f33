"""``python -m thuocdo_shared.backup DEST``: a consistent copy of every SQLite file in
the data directory (THUOCDO_DATA_DIR), taken while the services run.

Each service keeps its state in one SQLite file in WAL mode (scoring's store,
dashboard accounts, intake's kiosks and spool). Copying such a file with ``cp`` while
it is written can give a torn copy, or one without the commits still in its ``-wal``
file; SQLite's online backup copies a snapshot that includes them. Each copy is
checked with ``PRAGMA integrity_check`` and kept readable by its owner only (the
files hold password hashes and token hashes).

Only the data directory is read: a file moved elsewhere (``THUOCDO_SCORING_DB``) is
backed up by giving its directory as ``--data-dir``.

Restore: stop the service, delete its ``.sqlite3-wal`` and ``.sqlite3-shm`` files,
copy the ``.sqlite3`` back into the data directory, start it.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from .config import DEFAULT_DATA_DIR


@dataclass(frozen=True)
class Copied:
    name: str
    size: int  # bytes of the copy
    problem: str | None = None  # None: the copy passed its integrity check


def backup_databases(data_dir: Path, dest: Path) -> Iterator[Copied]:
    """Copy each ``*.sqlite3`` of ``data_dir`` into ``dest`` (a new directory), one
    snapshot per file, yielding each as it is done. A file that cannot be read or
    copied is reported, not fatal: the others are still copied."""
    sources = sorted(p for p in data_dir.glob("*.sqlite3") if p.is_file())
    dest.mkdir(parents=True, exist_ok=False)  # never mix two backups
    os.chmod(dest, 0o700)
    for src in sources:
        target = dest / src.name
        try:
            with (
                # Read-only: a file gone since the listing is an error, not a new one.
                closing(
                    # (as_uri takes only an absolute path; the default data dir is not)
                    sqlite3.connect(f"{src.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
                ) as source,
                closing(sqlite3.connect(target)) as copy,
            ):
                source.backup(copy)  # one step: a snapshot under one read lock
                result = copy.execute("PRAGMA integrity_check").fetchone()[0]
            os.chmod(target, 0o600)
            problem = None if result == "ok" else f"integrity check: {result}"
            yield Copied(src.name, target.stat().st_size, problem)
        except sqlite3.Error as exc:
            target.unlink(missing_ok=True)
            yield Copied(src.name, 0, f"{type(exc).__name__}: {exc}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m thuocdo_shared.backup",
        description="Copy every SQLite file of the data directory, safely while it is in use.",
    )
    parser.add_argument("dest", type=Path, help="a new directory for the copies")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(os.environ.get("THUOCDO_DATA_DIR") or DEFAULT_DATA_DIR),
        help="where the services keep their files (default THUOCDO_DATA_DIR or .run/data)",
    )
    args = parser.parse_args(argv)
    if not args.data_dir.is_dir():
        print(f"error: no data directory {args.data_dir}", file=sys.stderr)
        return 2
    if args.dest.exists():
        print(f"error: {args.dest} exists; give a new directory", file=sys.stderr)
        return 2
    copied = []
    for c in backup_databases(args.data_dir, args.dest):
        print(f"{c.name}\t{c.size} bytes\t{c.problem or 'ok'}", flush=True)
        copied.append(c)
    if not copied:
        args.dest.rmdir()
        print(f"error: no *.sqlite3 file in {args.data_dir}", file=sys.stderr)
        return 1
    bad = [c.name for c in copied if c.problem]
    if bad:
        print(f"error: not backed up: {', '.join(bad)}", file=sys.stderr)
        if not any(args.dest.iterdir()):
            args.dest.rmdir()  # nothing in it: the same command can simply be run again
        return 1
    print(f"{len(copied)} file(s) in {args.dest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
