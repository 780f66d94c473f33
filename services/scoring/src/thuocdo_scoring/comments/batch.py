"""Classify a file of comments: the work behind ``thuocdo-scoring cluster-comments``.

Input is JSON Lines, one object per line with a string ``text`` (other keys are
ignored, blank lines skipped). Output is one JSON line per input comment, in input
order: ``text``, ``issue`` (code or null), ``confidence`` (0..1) and ``theme``
({"id", "label"} when the comment fits no specific issue, else null).
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:  # scikit-learn loads only once the input has been read
    from .model import CommentModel


class BadLine(ValueError):
    """An input line that is not a JSON object with a string "text"."""

    def __init__(self, line_no: int, reason: str) -> None:
        super().__init__(f"line {line_no}: {reason}")
        self.line_no = line_no
        self.reason = reason


def read_texts(lines: Iterable[str]) -> list[str]:
    """The ``text`` of each non-blank JSON line; raises BadLine (1-based line number)."""
    texts: list[str] = []
    for line_no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj: Any = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadLine(line_no, f"not JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(obj, dict):
            raise BadLine(line_no, 'expected a JSON object like {"text": "..."}')
        text = obj.get("text")
        if not isinstance(text, str):
            raise BadLine(line_no, 'missing "text", or it is not a string')
        texts.append(text)
    return texts


def classify(
    texts: list[str], model: CommentModel, *, max_themes: int = 8
) -> Iterator[dict[str, Any]]:
    """One output record per text (see the module docstring), in order."""
    predictions = model.predict(texts)
    themes, theme_ids = model.assign_themes(texts, predictions=predictions, max_themes=max_themes)
    labels = {t.id: t.label for t in themes}
    for text, (code, conf), theme_id in zip(texts, predictions, theme_ids, strict=True):
        yield {
            "text": text,
            "issue": code,
            "confidence": conf,
            "theme": None if theme_id is None else {"id": theme_id, "label": labels[theme_id]},
        }


def run(
    source: str,
    *,
    model_path: str | None = None,
    max_themes: int = 8,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
) -> int:
    """Classify ``source`` (a path, or "-" for standard input) and print JSON lines.

    Returns the process exit code: 0 on success, 2 for unreadable or bad input.
    """
    out = stdout or io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="\n")
    err = stderr or sys.stderr
    try:
        if source == "-":
            texts = read_texts(io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8"))
        else:
            with Path(source).open(encoding="utf-8") as fh:
                texts = read_texts(fh)
    except BadLine as exc:
        print(f"cluster-comments: {source}: {exc}", file=err)
        return 2
    except (OSError, UnicodeDecodeError) as exc:
        print(f"cluster-comments: cannot read {source}: {exc}", file=err)
        return 2

    from . import load_default_model  # here, not at import: fitting takes a second

    try:
        model = load_default_model(model_path)
    except Exception as exc:  # any unreadable model file: say so, do not trace back
        print(
            f"cluster-comments: cannot load model {model_path}: {type(exc).__name__}: {exc}",
            file=err,
        )
        return 2
    for record in classify(texts, model, max_themes=max_themes):
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    out.flush()
    return 0
