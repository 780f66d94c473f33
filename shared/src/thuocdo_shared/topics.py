"""``python -m thuocdo_shared.topics``: create the contract's topics if missing."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .config import KafkaSettings, says_config_errors
from .kafka import ensure_topics, retention_of


def kept(ms: int | None) -> str:
    """A topic's retention as an operator reads it."""
    if ms is None:
        return "retention unknown"
    if ms < 0:
        return "kept for ever"
    days, rest = divmod(ms, 86_400_000)
    return f"kept {days} days" if not rest else f"kept {ms / 3_600_000:g} hours"


@says_config_errors("thuocdo_shared.topics")
def main(argv: Sequence[str] | None = None) -> int:
    argparse.ArgumentParser(
        prog="python -m thuocdo_shared.topics",
        description="Create the contract's topics where missing (THUOCDO_TOPIC_PARTITIONS,"
        " KAFKA_BOOTSTRAP_SERVERS...) and give the responses topic and the DLQ the"
        " retention of THUOCDO_TOPIC_RETENTION_DAYS, then say what each topic keeps.",
    ).parse_args(argv)
    settings = KafkaSettings.from_env()
    created = ensure_topics(settings)
    retention = retention_of(settings)
    for name in settings.topics:
        # An existing topic keeps its partitions whatever THUOCDO_TOPIC_PARTITIONS says.
        if name in created:
            shown = f"created ({settings.partitions} partitions, {kept(retention[name])})"
        else:
            shown = f"exists ({kept(retention[name])})"
        print(f"topic {name}: {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
