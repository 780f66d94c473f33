"""Group units (communes) whose issue and dimension profiles look alike, so leaders
see which communes share a problem: k-means on standardised profile vectors, k
chosen by the silhouette score when not given."""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

MAX_GROUPS = 8


def group_units(
    vectors: dict[str, list[float]], k: int | None = None, *, random_state: int = 0
) -> list[list[str]]:
    """Partition units by their profile vectors.

    ``vectors`` maps a unit key to its profile (e.g. the share 0..1 of comments per
    issue followed by the index 0..100 per SIPAS dimension; every vector the same
    length). Columns are standardised first, so shares and indices weigh alike.
    ``k`` is the number of groups (clamped to 1..n); when None it is chosen in
    2..min(8, n-1) by the silhouette score. Returns groups largest first, each a
    sorted list of unit keys; every unit is in exactly one group. Fewer than three
    units, or identical profiles, come back as one group.
    """
    keys = sorted(vectors)
    if not keys:
        return []
    lengths = {len(vectors[u]) for u in keys}
    if len(lengths) != 1:
        raise ValueError(f"profile vectors differ in length: {sorted(lengths)}")
    matrix = np.asarray([vectors[u] for u in keys], dtype=float)
    if not np.isfinite(matrix).all():
        raise ValueError("profile vectors must be finite numbers")
    n = len(keys)
    distinct = len(np.unique(matrix, axis=0))
    scaled = StandardScaler().fit_transform(matrix)

    if k is not None:
        k = max(1, min(int(k), distinct))
        labels = _kmeans(scaled, k, random_state)
    elif n < 3 or distinct < 2:
        labels = np.zeros(n, dtype=int)
    else:
        best: tuple[float, np.ndarray] | None = None
        # A few dozen communes: starting a thread per core for each of the ~70 fits
        # cost more than the fits (about 4 times as long on two cores).
        with threadpool_limits(limits=1):
            for cand in range(2, min(MAX_GROUPS, n - 1, distinct) + 1):
                cand_labels = _kmeans(scaled, cand, random_state)
                if len(set(cand_labels.tolist())) < 2:
                    continue
                score = float(silhouette_score(scaled, cand_labels))
                if best is None or score > best[0]:
                    best = (score, cand_labels)
        labels = best[1] if best is not None else np.zeros(n, dtype=int)

    groups: dict[int, list[str]] = {}
    for key, label in zip(keys, labels.tolist(), strict=True):
        groups.setdefault(int(label), []).append(key)
    return sorted(groups.values(), key=lambda g: (-len(g), g[0]))


def _kmeans(points: np.ndarray, k: int, random_state: int) -> np.ndarray:
    if k == 1:
        return np.zeros(len(points), dtype=int)
    return np.asarray(
        KMeans(n_clusters=k, n_init=10, random_state=random_state).fit_predict(points)
    )
