"""Wilson score interval for a binomial proportion (95% by default)."""

from __future__ import annotations

import math

Z95 = 1.959964


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson interval for ``successes`` out of ``n`` trials, as fractions 0..1.

    Returns ``None`` when ``n == 0`` (no answers: no interval). Unlike the normal
    approximation it stays inside [0, 1] and is sensible for 0/n and n/n.
    """
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"need 0 <= successes <= n, got {successes}/{n}")
    if n == 0:
        return None
    return wilson_share(successes / n, n, z)


def wilson_share(p: float, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson interval around a share ``p`` (0..1) measured on ``n`` answers: the
    same formula for a share that is not a count over n, such as a mean of shares."""
    if not 0.0 <= p <= 1.0 or n < 0:
        raise ValueError(f"need 0 <= p <= 1 and n >= 0, got {p} and {n}")
    if n == 0:
        return None
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)
