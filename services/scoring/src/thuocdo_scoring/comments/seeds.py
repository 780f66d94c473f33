"""Training data that ships with the taxonomy: seed phrases and tag labels."""

from __future__ import annotations

from collections.abc import Sequence

from thuocdo_shared import reference


def seed_examples() -> tuple[list[str], list[str]]:
    """(texts, issue codes) from the shared taxonomy: every seed phrase, plus the
    issue's own name and its kiosk problem/praise tag labels in Vietnamese."""
    texts: list[str] = []
    labels: list[str] = []
    for code, issue in reference.issues().items():
        phrases = [*issue.seeds, issue.label.vi, issue.problem.vi, issue.praise.vi]
        for phrase in dict.fromkeys(phrases):  # keeps order, drops repeats
            texts.append(phrase)
            labels.append(code)
    return texts, labels


def single_tag_examples(
    texts: Sequence[str], tags: Sequence[Sequence[str]]
) -> tuple[list[str], list[str]]:
    """The comments whose citizen ticked exactly one issue tag, labelled with it.

    With two or more ticks we cannot tell which issue the words are about, so those
    comments teach nothing reliable; empty comments are dropped too.
    """
    known = set(reference.issues())
    out_texts: list[str] = []
    out_labels: list[str] = []
    for text, ticked in zip(texts, tags, strict=True):
        distinct = set(ticked)
        if len(distinct) == 1 and text.strip():
            (code,) = distinct
            if code in known:
                out_texts.append(text)
                out_labels.append(code)
    return out_texts, out_labels
