"""Vietnamese text normalisation for comment features.

Citizens type with full diacritics, with none ("cho doi lau qua"), or with a mix,
and often in chat shorthand ("ko dc"). Features are built on syllables that are
NFC-normalised, lower-cased, given one tone placement ("hoà" and "hòa" are the same
word spelt by two conventions), expanded from shorthand and optionally
accent-folded, so the same complaint meets itself whichever way it was typed.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache
from importlib import resources
from typing import Any

from sklearn.base import BaseEstimator, TransformerMixin

_TOKEN = re.compile(r"\w+")
# Where a clause ends: a phrase never runs across a full stop, a comma or a bracket.
CLAUSE_BREAK = re.compile(r"[.,;:!?…()\[\]\n\r\t\"“”]+")
_DIGITS = re.compile(r"\d+")


def _fold_one(ch: str) -> str:
    decomposed = unicodedata.normalize("NFD", ch)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _fold_table() -> dict[int, str | None]:
    """One translate table for every Latin letter with marks (Vietnamese uses the
    Latin-1, Latin Extended and Latin Extended Additional blocks) and for loose
    combining marks; str.translate is far faster than decomposing each comment."""
    table: dict[int, str | None] = {ord("đ"): "d", ord("Đ"): "D"}
    for lo, hi in ((0x00C0, 0x024F), (0x1E00, 0x1EFF)):
        for cp in range(lo, hi + 1):
            folded = _fold_one(chr(cp))
            if folded != chr(cp):
                table[cp] = folded
    for cp in range(0x0300, 0x0370):  # combining diacritical marks
        table[cp] = None
    return table


_FOLD_TABLE = _fold_table()


def fold_accents(text: str) -> str:
    """Strip Vietnamese diacritics: "Chờ đợi lâu quá" -> "Cho doi lau qua".

    Case is kept; đ becomes d; every tone and vowel mark is removed, whether the
    input is composed (NFC) or decomposed (NFD).
    """
    return unicodedata.normalize("NFC", text).translate(_FOLD_TABLE)


def has_diacritics(text: str) -> bool:
    """True when folding would change ``text`` (it carries Vietnamese marks or đ)."""
    return fold_accents(text) != unicodedata.normalize("NFC", text)


def _tone_moves() -> dict[str, str]:
    """Open syllables ending in oa, oe or uy carry the tone on the second vowel in the
    newer convention ("hoà", "khoẻ", "thuỷ") and on the first in the older one our
    reference data uses ("hòa", "khỏe", "thủy"): newer -> older, for the five tones."""
    moves: dict[str, str] = {}
    for first, second in (("o", "a"), ("o", "e"), ("u", "y")):
        for mark in ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323"):
            newer = first + unicodedata.normalize("NFC", second + mark)
            moves[newer] = unicodedata.normalize("NFC", first + mark) + second
    return moves


_TONE_MOVES = _tone_moves()
# Only at the end of a syllable (with a final consonant both conventions agree:
# "hoàn", "huỳnh"), and not "qu" + y, where u belongs to the consonant ("quý").
_NEWER_TONE = re.compile("(?<!q)(" + "|".join(sorted(_TONE_MOVES)) + ")$")


def classic_tone(syllable: str) -> str:
    """One tone placement for a lower-case NFC syllable: "hoà" -> "hòa",
    "khoẻ" -> "khỏe", "thuỷ" -> "thủy"; "hoàn", "quý" and "hòa" are kept."""
    return _NEWER_TONE.sub(lambda m: _TONE_MOVES[m[1]], syllable)


def _data_text(name: str) -> str:
    return resources.files("thuocdo_scoring.comments").joinpath("data", name).read_text("utf-8")


@cache
def stop_words() -> frozenset[str]:
    """Our stop words, accent-folded (``data/stopwords.txt``)."""
    lines = (line.strip() for line in _data_text("stopwords.txt").splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


@cache
def abbreviations() -> dict[str, str]:
    """Chat shorthand -> full form, both NFC lower case (``data/abbreviations.json``)."""
    raw: dict[str, str] = json.loads(_data_text("abbreviations.json"))
    return {k: v for k, v in raw.items() if not k.startswith("_")}


@cache
def _boilerplate() -> dict[str, tuple[tuple[str, ...], ...]]:
    """``data/boilerplate.txt`` as syllable runs (with their marks), by the folded
    first syllable, longest first (so "chứng thực chữ ký" goes whole)."""
    found: dict[str, set[tuple[str, ...]]] = {}
    for line in _data_text("boilerplate.txt").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        run = tuple(syllables(line, expand=False))
        if len(run) < 2:
            raise ValueError(f"boilerplate phrase {line!r}: one syllable matches other words")
        found.setdefault(fold_accents(run[0]), set()).add(run)
    return {k: tuple(sorted(v, key=len, reverse=True)) for k, v in found.items()}


# Words that, beside boilerplate only, say nothing: going to do something ("đi",
# "lên", "xin" before a procedure's name), how much ("rất", "quá", "nhiều": "Cảm ơn
# nhiều." was paperwork 0.91 by its "nhiều"), who, linking words. Typed with marks
# they are compared with them ("đèn" is no "đến", "tối" no "tôi"); typed without,
# only those that spell no other common word count.
_EMPTY_MARKED = frozenset(
    {"đi", "đến", "lên", "làm", "xin", "rất", "quá", "lắm", "nhiều", "tôi", "em", "thì", "là"}
    | {"và"}
    | {"mà", "ạ", "à", "nhé", "ơi", "nhỉ"}
)
_EMPTY_BARE = frozenset({"di", "len", "xin", "rat", "nhieu", "em", "thi", "nhe", "oi"})


def _all_boilerplate(sylls: Sequence[str]) -> bool:
    """Whether a clause's syllables are listed phrases and empty words through and
    through ("Đi chứng thực chữ ký", "cần cải thiện nhiều"). A syllable typed with
    marks is a listed one only with the same marks ("sơ đồ" is no "sổ đỏ"); one typed
    without any, with the same letters ("so do" may be)."""
    table = _boilerplate()
    folded = [fold_accents(s) for s in sylls]  # (syllables are NFC already)
    marked = [f != s for f, s in zip(folded, sylls, strict=True)]

    def same(at: int, listed: str) -> bool:
        return sylls[at] == listed if marked[at] else folded[at] == fold_accents(listed)

    i = 0
    while i < len(sylls):
        for run in table.get(folded[i], ()):
            if len(run) <= len(sylls) - i and all(same(i + k, run[k]) for k in range(len(run))):
                i += len(run)
                break
        else:
            if sylls[i] not in (_EMPTY_MARKED if marked[i] else _EMPTY_BARE):
                return False
            i += 1
    return True


def strip_boilerplate(text: str, *, expand: bool = True) -> list[str]:
    """The syllables of ``text`` (:func:`syllables`) without its clauses that name no
    issue: each made only of phrases of ``data/boilerplate.txt`` ("cần cải thiện
    nhiều", "mệt quá", the procedure's name) and empty words. A clause that says
    anything else is kept whole ("mạng không ổn định", "cảm ơn cán bộ nhiệt tình")."""
    out: list[str] = []
    for clause in CLAUSE_BREAK.split(text):
        sylls = syllables(clause, expand=expand)
        if sylls and not _all_boilerplate(sylls):
            out.extend(sylls)
    return out


def has_content(text: str) -> bool:
    """Whether ``text`` says anything beyond boilerplate ("Xin giấy phép xây dựng:
    không ổn." does not)."""
    return bool(strip_boilerplate(text))


def syllables(text: str, *, expand: bool = True) -> list[str]:
    """NFC, lower-cased syllables of ``text`` with digits collapsed to "0" and one
    tone placement (:func:`classic_tone`).

    With ``expand``, chat shorthand ("ko", "dc") becomes the full syllables.
    Diacritics are kept; fold each syllable with :func:`fold_accents` if needed.
    """
    norm = unicodedata.normalize("NFC", text).lower()
    out: list[str] = []
    table = abbreviations() if expand else {}
    for token in _TOKEN.findall(norm):
        token = classic_tone(_DIGITS.sub("0", token).replace("_", ""))
        if not token:
            continue
        full = table.get(token)
        if full is None:
            out.append(token)
        else:
            out.extend(full.split())
    return out


def normalize(text: str, *, fold: bool = True, expand: bool = True) -> str:
    """Space-joined syllables of ``text`` (see :func:`syllables`) without boilerplate
    (:func:`strip_boilerplate`), folded if ``fold``."""
    joined = " ".join(strip_boilerplate(text, expand=expand))
    return fold_accents(joined) if fold else joined


class VietnameseNormalizer(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Stateless transformer: raw comments -> normalised syllable strings.

    ``fold=True`` strips diacritics so "cho doi lau qua" and "chờ đợi lâu quá" give
    the same string; ``expand=True`` expands chat shorthand first.
    """

    def __init__(self, fold: bool = True, expand: bool = True) -> None:
        self.fold = fold
        self.expand = expand

    def fit(self, X: Iterable[str], y: Any = None) -> VietnameseNormalizer:  # noqa: N803
        return self

    def transform(self, X: Iterable[str]) -> list[str]:  # noqa: N803
        return [normalize(x, fold=self.fold, expand=self.expand) for x in X]
