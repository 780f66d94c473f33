"""The seam to the comment model (``thuocdo_scoring.comments``), which may be
absent: scoring works without it, with no predicted issues and no themes."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any, Protocol

log = logging.getLogger(__name__)


class IssueModel(Protocol):
    def predict(self, texts: list[str]) -> list[tuple[str | None, float]]: ...

    def themes(self, texts: list[str], spell_from: Sequence[str] = ()) -> list[Any]: ...


_lock = threading.Lock()
_model: IssueModel | None = None
_tried = False


def load_model() -> IssueModel | None:
    """The default comment model, loaded once per process; None if unavailable."""
    global _model, _tried
    with _lock:
        if not _tried:
            _tried = True
            try:
                from thuocdo_scoring.comments import load_default_model

                _model = load_default_model()
            except Exception as exc:  # missing package, missing model file, bad pickle
                log.warning("comment model unavailable (%s: %s)", type(exc).__name__, exc)
                _model = None
        return _model


def predict_issues(model: IssueModel | None, texts: Sequence[str]) -> list[str | None]:
    """One issue code (or None) per text; all None when there is no model or it fails."""
    if model is None or not texts:
        return [None] * len(texts)
    try:
        return [code for code, _ in model.predict(list(texts))]
    except Exception:
        log.exception("comment model failed; storing no predicted issues for this batch")
        return [None] * len(texts)
