"""Issues from comments: classify Vietnamese comments into the shared issue taxonomy,
cluster the rest into emerging themes, and group units by their profiles.

    from thuocdo_scoring.comments import CommentModel, Theme, load_default_model
    model = load_default_model()
    model.predict(["cho doi lau qua"])   # [("waiting_time", 0.6...)]
"""

from __future__ import annotations

import importlib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# Names resolved on first use: importing scikit-learn takes seconds, and the CLI's
# input checks (and anything needing only the text helpers) should not wait for it.
_LAZY = {
    "OTHER": "model",
    "CommentModel": "model",
    "Theme": "themes",
    "cluster_themes": "themes",
    "fold_accents": "text",
    "group_units": "profiles",
    "seed_examples": "seeds",
    "single_tag_examples": "seeds",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


@cache
def load_default_model(path: str | Path | None = None) -> CommentModel:
    """The model to use when none was trained on ticked tags: loaded from ``path``
    if given, else fitted from the taxonomy's seed phrases (about a second).
    Cached per path: treat the returned model as read-only."""
    from .model import CommentModel
    from .seeds import seed_examples

    if path is not None:
        return CommentModel.load(path)
    texts, labels = seed_examples()
    return CommentModel().fit(texts, labels)
