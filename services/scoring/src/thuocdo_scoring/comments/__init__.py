"""Issues from comments: classify Vietnamese comments into the shared issue taxonomy,
cluster the rest into emerging themes, and group units by their profiles.

    from thuocdo_scoring.comments import CommentModel, Theme, load_default_model
    model = load_default_model()
    model.predict(["cho doi lau qua"])   # [("waiting_time", 0.6...)]
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from .model import OTHER, CommentModel
from .profiles import group_units
from .seeds import seed_examples, single_tag_examples
from .text import fold_accents
from .themes import Theme, cluster_themes

__all__ = [
    "OTHER",
    "CommentModel",
    "Theme",
    "cluster_themes",
    "fold_accents",
    "group_units",
    "load_default_model",
    "seed_examples",
    "single_tag_examples",
]


@cache
def load_default_model(path: str | Path | None = None) -> CommentModel:
    """The model to use when none was trained on ticked tags: loaded from ``path``
    if given, else fitted from the taxonomy's seed phrases (about a second).
    Cached per path: treat the returned model as read-only."""
    if path is not None:
        return CommentModel.load(path)
    texts, labels = seed_examples()
    return CommentModel().fit(texts, labels)
