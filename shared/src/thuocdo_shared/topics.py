"""``python -m thuocdo_shared.topics``: create the contract's topics if missing."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .config import KafkaSettings, comment_retention_days, says_config_errors
from .kafka import ensure_topics, partitions_of, retention_of


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
    # Scoring's: read here only to say when the topics keep comments longer.
    comment_days = comment_retention_days(os.environ)
    created = ensure_topics(settings)
    retention = retention_of(settings)
    partitions = partitions_of(settings)
    for name in settings.topics:
        count = partitions.get(name, settings.partitions)
        if name in created:
            shown = f"created ({count} partitions, {kept(retention[name])})"
        else:
            shown = f"exists ({count} partitions, {kept(retention[name])})"
        print(f"topic {name}: {shown}")
        # An existing topic keeps its partitions whatever THUOCDO_TOPIC_PARTITIONS says.
        if count != settings.partitions:
            print(
                f"note: {name} has {count} partitions, not THUOCDO_TOPIC_PARTITIONS"
                f"={settings.partitions}: an existing topic's are left as they are",
                file=sys.stderr,
            )
    responses = retention.get(settings.responses_topic)
    if (
        comment_days
        and responses is not None
        and (responses < 0 or responses > comment_days * 86_400_000)
    ):
        print(
            f"note: {settings.responses_topic} is {kept(responses)}, longer than"
            f" THUOCDO_COMMENT_RETENTION_DAYS={comment_days}: citizens' comments outlive"
            " their purge in Kafka (set THUOCDO_TOPIC_RETENTION_DAYS at most that)",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
