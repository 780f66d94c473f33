"""Diacritics for a phrase citizens typed without them, learnt from text that has them.

Many comments are typed without marks ("mong xa cai thien"). A theme's label made of
such a phrase reads badly when no comment of the sample wrote the phrase with its
marks. :class:`Spellings` counts how the syllables, and pairs of syllables, are spelt
in the texts that carry marks (the other comments, the taxonomy's wording) and gives
the phrase the most frequent spelling that every syllable can be vouched for:
"xa" alone may be "xã", "xa" or "xả", but "mong xã" and "xã cải" were written. A
syllable never written beside its neighbour is not guessed: the phrase stays as typed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from itertools import pairwise

from thuocdo_shared import reference

from .text import CLAUSE_BREAK, fold_accents, has_diacritics, syllables


def reference_texts() -> list[str]:
    """The Vietnamese wording of the taxonomy: issue names, kiosk tags and seed
    phrases, fields of procedure, SIPAS dimensions and criteria."""
    out: list[str] = []
    for issue in reference.issues().values():
        out += [issue.label.vi, issue.problem.vi, issue.praise.vi, *issue.seeds]
    out += [f.label.vi for f in reference.fields().values()]
    sipas = reference.sipas()
    out += [d.label.vi for d in sipas.dimensions]
    out += [c.label.vi for c in sipas.criteria.values()]
    return out


class Spellings:
    """How each accent-folded syllable, and each pair of them in a row, is spelt in
    ``texts`` (only texts with diacritics count; pairs never across punctuation)."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.one: dict[str, Counter[str]] = {}
        self.two: dict[tuple[str, str], Counter[tuple[str, str]]] = {}
        for text in texts:
            if not has_diacritics(text):
                continue
            for clause in CLAUSE_BREAK.split(text):
                written = syllables(clause)
                folded = [fold_accents(s) for s in written]
                for f, w in zip(folded, written, strict=True):
                    self.one.setdefault(f, Counter())[w] += 1
                for (fa, fb), pair in zip(pairwise(folded), pairwise(written), strict=True):
                    self.two.setdefault((fa, fb), Counter())[pair] += 1

    def _pair(self, folded: tuple[str, str], a: str, b: str) -> int:
        """How often ``a b`` was written (``folded``: the two syllables folded)."""
        return self.two.get(folded, Counter())[(a, b)]

    def restore(self, phrase: str) -> str | None:
        """``phrase`` (space-separated syllables without diacritics) spelt with them,
        or None when it cannot be told: a syllable never seen, or one never written
        next to its neighbour as spelt (a lone syllable: spelt more than one way, or
        seen fewer than 3 times). The spelling chosen has the most pairs as written,
        then the most frequent syllables. None too when the answer has no diacritics
        (nothing to restore)."""
        words = phrase.split()
        options = [list(self.one.get(w, ())) for w in words]
        if not words or not all(options):
            return None
        # Best path to each spelling of the current syllable: (pairs seen, syllables
        # seen) summed, compared in that order; the path itself.
        best: dict[str, tuple[tuple[int, int], list[str]]] = {
            w: ((0, self.one[words[0]][w]), [w]) for w in options[0]
        }
        for i in range(1, len(words)):
            step: dict[str, tuple[tuple[int, int], list[str]]] = {}
            for w in options[i]:
                score, path = max(
                    (
                        (
                            (
                                s[0] + self._pair((words[i - 1], words[i]), p[-1], w),
                                s[1] + self.one[words[i]][w],
                            ),
                            p,
                        )
                        for s, p in best.values()
                    ),
                    key=lambda sp: sp[0],
                )
                step[w] = (score, [*path, w])
            best = step
        _, path = max(best.values(), key=lambda sp: sp[0])
        if len(path) == 1:
            # alone, a syllable is told only when it was always spelt one way, often
            (spelling, seen), *others = self.one[words[0]].most_common()
            return spelling if not others and seen >= 3 and has_diacritics(spelling) else None
        for i, w in enumerate(path):
            # even a syllable spelt one way in the texts ("xã") may be another word
            # here ("xa", far): it needs a neighbour it was written beside
            left = i > 0 and self._pair((words[i - 1], words[i]), path[i - 1], w) > 0
            right = i + 1 < len(path) and self._pair((words[i], words[i + 1]), w, path[i + 1]) > 0
            if not (left or right):
                return None
        restored = " ".join(path)
        return restored if has_diacritics(restored) else None
