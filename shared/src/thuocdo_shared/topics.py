"""``python -m thuocdo_shared.topics``: create the contract's topics if missing."""

from __future__ import annotations

import sys

from .config import KafkaSettings
from .kafka import ensure_topics


def main() -> int:
    settings = KafkaSettings.from_env()
    created = ensure_topics(settings)
    for name in settings.topics:
        state = "created" if name in created else "exists"
        print(f"topic {name}: {state} ({settings.partitions} partitions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
