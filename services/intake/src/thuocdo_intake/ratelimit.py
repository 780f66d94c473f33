"""Token-bucket rate limit per kiosk.

The arithmetic (:func:`take`) is pure; :class:`RateLimiter` keeps one bucket per
kiosk in this process's memory. Under gunicorn each worker has its own buckets, so
a kiosk may get up to ``workers x`` the configured rate in the worst case; the
limit is there to stop a runaway or hijacked tablet, not to count exactly.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class Bucket:
    """``tokens`` left (0..burst) at ``at`` (monotonic seconds)."""

    tokens: float
    at: float


def take(
    bucket: Bucket | None, now: float, rate_per_second: float, burst: int
) -> tuple[bool, Bucket, float]:
    """Try to take one token.

    Returns (allowed, new bucket, retry_after seconds >= 0). A missing bucket is
    full. The bucket refills at ``rate_per_second`` up to ``burst`` tokens.
    """
    if bucket is None:
        tokens = float(burst)
    else:
        elapsed = max(0.0, now - bucket.at)
        tokens = min(float(burst), bucket.tokens + elapsed * rate_per_second)
    if tokens >= 1.0:
        return True, Bucket(tokens - 1.0, now), 0.0
    wait = (1.0 - tokens) / rate_per_second
    return False, Bucket(tokens, now), wait


class RateLimiter:
    """Per-process buckets keyed by kiosk id; safe to call from many threads."""

    def __init__(self, per_minute: float, burst: int, max_keys: int = 100_000) -> None:
        self.rate = per_minute / 60.0
        self.burst = burst
        self._max_keys = max_keys
        self._buckets: dict[str, Bucket] = {}
        self._lock = threading.Lock()

    def check(self, key: str, now: float) -> tuple[bool, int]:
        """(allowed, Retry-After in whole seconds, >= 1 when refused)."""
        with self._lock:
            if len(self._buckets) >= self._max_keys and key not in self._buckets:
                self._buckets.clear()  # bounded memory; a reset only forgives
            allowed, bucket, wait = take(self._buckets.get(key), now, self.rate, self.burst)
            self._buckets[key] = bucket
        return allowed, 0 if allowed else max(1, math.ceil(wait))
