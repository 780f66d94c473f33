"""``python -m thuocdo_shared.topics``: create the contract's topics if missing."""

from __future__ import annotations

import sys

from .config import KafkaSettings
from .kafka import ensure_topics, retention_of


def kept(ms: int | None) -> str:
    """A topic's retention as an operator reads it."""
    if ms is None:
        return "retention unknown"
    if ms < 0:
        return "kept for ever"
    days, rest = divmod(ms, 86_400_000)
    return f"kept {days} days" if not rest else f"kept {ms / 3_600_000:g} hours"


def main() -> int:
    settings = KafkaSettings.from_env()
    created = ensure_topics(settings)
    retention = retention_of(settings)
    for name in settings.topics:
        state = "created" if name in created else "exists"
        print(f"topic {name}: {state} ({settings.partitions} partitions, {kept(retention[name])})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
