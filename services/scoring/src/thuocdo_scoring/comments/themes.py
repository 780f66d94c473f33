"""Emerging themes: clusters of comments that fit no issue of the taxonomy.

TF-IDF on accent-folded syllables, reduced by truncated SVD (latent semantic
analysis) and length-normalised so k-means works as cosine clustering; k is chosen
by the silhouette score (cosine) between 2 and a cap. Each theme is labelled by the
terms that set its centroid apart from the rest, spelt with diacritics as citizens
most often wrote them, and shown with the comments nearest its centroid.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize as l2_normalize
from threadpoolctl import threadpool_limits

from .accents import Spellings, reference_texts
from .features import syllable_vectorizer
from .text import CLAUSE_BREAK, fold_accents, has_diacritics, strip_boilerplate, syllables

SILHOUETTE_SAMPLE = 2000  # silhouette is O(n^2); a sample estimates it well enough
LSA_COMPONENTS = 100
FIT_SAMPLE = 3000  # points k-means and the SVD are fitted on
# a comment of a cluster that is no theme joins the nearest theme this close (cosine)
STRAY_JOIN = 0.3
READABLE_SAMPLE = 500  # comments scanned for the spelling of a term
SPELLING_SAMPLE = 2000  # comments (with the taxonomy's wording) that restore diacritics


@dataclass
class Theme:
    """A group of comments that fit no issue: what they share, and examples.

    ``id`` is stable for the same top terms; ``label`` is the top terms joined with
    ", " (Vietnamese, with diacritics where citizens used them); ``size`` counts
    comments; ``examples`` are 2–3 comments nearest the theme's centre.
    """

    id: str
    label: str
    top_terms: list[str] = field(default_factory=list)
    size: int = 0
    examples: list[str] = field(default_factory=list)


def _readable(terms: Sequence[str], texts: Sequence[str], spellings: Spellings) -> list[str]:
    """For each folded n-gram in ``terms``, its most frequent original spelling in
    ``texts`` (the first READABLE_SAMPLE of them), preferring a spelling with
    diacritics when citizens used one; else as ``spellings`` spell its syllables
    (:meth:`Spellings.restore`); else the folded term itself."""
    wanted = {t: len(t.split()) for t in terms}
    sizes = set(wanted.values())
    counts: dict[str, Counter[str]] = {t: Counter() for t in terms}
    for text in texts[:READABLE_SAMPLE]:
        sylls = syllables(text)
        folded = [fold_accents(x) for x in sylls]
        for n in sizes:
            for i in range(len(sylls) - n + 1):
                key = " ".join(folded[i : i + n])
                if wanted.get(key) == n:
                    counts[key][" ".join(sylls[i : i + n])] += 1
    out: list[str] = []
    for t in terms:
        accented = [(c, g) for g, c in counts[t].items() if has_diacritics(g)]
        out.append(max(accented)[1] if accented else (spellings.restore(t) or t))
    return out


Phrase = tuple[str, ...]
Segments = list[list[Phrase]]  # per comment, its clauses as folded syllables

PHRASE_SHARE = 0.7  # a syllable joins a phrase when this share of its comments have it there
PHRASE_MAX = 12  # syllables in a label phrase (8 cut "… người có" before "công")
JOIN_SHARE = 0.5  # two chained phrases join when half the comments of the rarer say both
# Words a label neither starts with (pronouns, linking words) nor ends with (words
# that need what follows, particles). Spelt with diacritics: folded, "của" would be
# "cửa" too ("mở cửa") and "vả" would be "và".
_NO_START = frozenset({"tôi", "em", "thì", "là", "và", "mà", "nhưng"})
_NO_END = frozenset({"của", "với", "các", "những", "và", "thì", "là", "mà", "nhé", "à", "ạ", "ơi"})
# When the citizen came ("hôm nay làm giấy khai sinh"), or that what follows is
# their view ("tôi thấy", "nói thật là"), said at the start of a phrase, is no part
# of what they say (folded: these are never other words there). A lone "nay" is
# what is left of "hôm nay" or "sáng nay" when the word before it varies.
_NO_START_WHEN = (
    ("hom", "nay"),
    ("hom", "qua"),
    ("sang", "nay"),
    ("chieu", "nay"),
    ("lan", "nay"),
    ("nay",),
    ("toi", "thay"),
    ("noi", "that", "la"),  # not "nội thất" (furnishings) alone
)
# Going somewhere to do something, and nothing else: "đi làm" (which reads "go to
# work"), "đến xin", "lên làm" cut from "đi làm hồ sơ trợ cấp" say nothing of it.
_ERRAND = frozenset({"di", "den", "len", "lam", "xin"})


def clauses(texts: Sequence[str]) -> Segments:
    """Each text cut at punctuation into clauses of accent-folded syllables (a
    phrase never runs across a full stop or a comma)."""
    out: Segments = []
    for text in texts:
        parts = (tuple(fold_accents(x) for x in syllables(c)) for c in CLAUSE_BREAK.split(text))
        out.append([p for p in parts if p])
    return out


class Positions:
    """Where each folded syllable stands in a set of comments, to find phrases fast."""

    def __init__(self, docs: Segments) -> None:
        self.at: dict[str, list[tuple[int, Phrase, int]]] = {}
        for d, doc in enumerate(docs):
            for clause in doc:
                for i, syllable in enumerate(clause):
                    self.at.setdefault(syllable, []).append((d, clause, i))

    def of(self, phrase: Phrase) -> list[tuple[int, Phrase, int]]:
        """Every occurrence of ``phrase``: (comment index, clause, start)."""
        n = len(phrase)
        return [o for o in self.at.get(phrase[0], []) if o[1][o[2] : o[2] + n] == phrase]

    def count(self, phrase: Phrase) -> int:
        """How many comments hold ``phrase``."""
        return len({d for d, _, _ in self.of(phrase)})


def expand_phrase(
    seed: Phrase, where: Positions, share: float = PHRASE_SHARE, max_len: int = PHRASE_MAX
) -> Phrase:
    """Grow ``seed`` one syllable at a time, left or right, while at least ``share``
    of the comments holding the seed also hold the longer phrase: "ơn cán" in
    comments saying "cảm ơn cán bộ xã" grows into the whole expression, while a
    syllable that follows the seed in only some comments is not added. Numbers
    ("0") are never added. Ties go to the left side, then the syllable sorting
    first. A seed found in no clause gives ``()``."""
    seen = where.of(seed)
    if not seen:
        return ()
    enough = share * len({d for d, _, _ in seen})
    phrase = seed
    while seen and len(phrase) < max_len:
        n = len(phrase)
        holders: dict[tuple[int, str], set[int]] = {}  # (0 left / 1 right, syllable) -> comments
        for d, clause, i in seen:
            if i > 0 and clause[i - 1] != "0":
                holders.setdefault((0, clause[i - 1]), set()).add(d)
            if i + n < len(clause) and clause[i + n] != "0":
                holders.setdefault((1, clause[i + n]), set()).add(d)
        options = [(len(ds), side, syl) for (side, syl), ds in holders.items() if len(ds) >= enough]
        if not options:
            break
        _, side, syl = min(options, key=lambda o: (-o[0], o[1], o[2]))
        if side == 0:
            phrase = (syl, *phrase)
            seen = [(d, c, i - 1) for d, c, i in seen if i > 0 and c[i - 1] == syl]
        else:
            phrase = (*phrase, syl)
            seen = [(d, c, i) for d, c, i in seen if i + n < len(c) and c[i + n] == syl]
    return phrase


def _inside(small: Phrase, big: Phrase) -> bool:
    n = len(small)
    return any(big[i : i + n] == small for i in range(len(big) - n + 1))


def _overlap(a: Phrase, b: Phrase) -> bool:
    """Whether two phrases share two syllables in a row ("hôm nay chứng thực" and
    "chứng thực hợp đồng" say the same word twice)."""
    pairs = set(pairwise(a))
    return any(p in pairs for p in pairwise(b))


def _without_when(phrase: Phrase) -> Phrase:
    """A folded ``phrase`` without the time or "I think" it starts with ("hom nay lam
    giay khai sinh" -> "lam giay khai sinh", "toi thay xa moi rong qua" -> "xa moi
    rong qua"); ``()`` when it says nothing else ("hom nay"), or only that someone
    went to do something ("di lam", "den xin")."""
    while start := next((s for s in _NO_START_WHEN if phrase[: len(s)] == s), ()):
        phrase = phrase[len(start) :]
    return () if len(phrase) > 1 and set(phrase) <= _ERRAND else phrase


def _pick_terms(candidates: Sequence[str], n_terms: int, where: Positions) -> list[str]:
    """Up to ``n_terms`` label phrases from the candidates (folded n-grams, best
    first), each grown into the expression the theme's comments use
    (:func:`expand_phrase`). A candidate found in no clause (a bigram across a full
    stop or a comma, or across a stop word the vectorizer left out) is skipped; a
    phrase inside one already chosen is a fragment of it and is dropped; one that
    contains a chosen phrase takes its place; one that shares two syllables in a row
    with a chosen phrase repeats it and is dropped; one that ends where a chosen
    phrase begins (or the reverse) joins it when the joined phrase is in the comments.
    A longer phrase replaces only when nearly as many comments (``PHRASE_SHARE``) say
    it as say the phrase it stands for; two chained phrases join when at least half
    (``JOIN_SHARE``) of the comments of the rarer one say them together.
    Phrases of one syllable ("lại", "mất") say little: they are used only when no
    longer phrase is found. The time a phrase starts with ("hôm nay") is left out
    first, so that "hôm nay chứng thực" is "chứng thực", and a bare "đi làm" is no
    phrase (:func:`_without_when`)."""
    grown = [expand_phrase(seed, where) for seed in (tuple(c.split()) for c in candidates)]
    # () for a seed found in no clause, or one that only says when ("hôm nay")
    grown = [p for p in (_without_when(p) for p in grown) if p]
    chosen: list[Phrase] = []
    longer = [p for p in grown if len(p) > 1]
    for phrase in longer or grown:
        if len(chosen) == n_terms:
            break
        if any(_inside(phrase, c) for c in chosen):
            continue
        # A longer phrase takes the place of the chosen ones it contains only when
        # nearly as many comments say it (one comment's whole sentence does not).
        parts = [i for i, c in enumerate(chosen) if _inside(c, phrase)]
        if parts and where.count(phrase) < PHRASE_SHARE * max(
            where.count(chosen[i]) for i in parts
        ):
            continue
        others = [c for i, c in enumerate(chosen) if i not in parts]
        if any(_overlap(phrase, c) for c in others):
            continue
        if parts:
            chosen[parts[0]] = phrase
            chosen = [c for i, c in enumerate(chosen) if i not in parts[1:]]
            continue
        # "khỏi phải" and "phải lên xã" chain into "khỏi phải lên xã" when citizens
        # wrote it so.
        for i, c in enumerate(chosen):
            joined = (*c, *phrase[1:]) if c[-1] == phrase[0] else ()
            if not joined and phrase[-1] == c[0]:
                joined = (*phrase[:-1], *c)
            if joined and where.count(joined) >= JOIN_SHARE * min(
                where.count(c), where.count(phrase)
            ):
                chosen[i] = joined
                break
        else:
            chosen.append(phrase)
    return [" ".join(c) for c in chosen]


def _trim(term: str) -> str:
    """``term`` without a pronoun or linking word at its start or a dangling word at
    its end ("tôi cảm ơn" -> "cảm ơn", "cách cư xử của" -> "cách cư xử"; "đảng và
    nhà nước" keeps its "và"). Never empty: the last word stays."""
    words = term.split()
    while len(words) > 1 and words[0] in _NO_START:
        words.pop(0)
    while len(words) > 1 and words[-1] in _NO_END:
        words.pop()
    return " ".join(words)


def _label(terms: Sequence[str], limit: int = 60) -> str:
    """The first terms joined with ", ", as many as fit in ``limit`` characters
    (always at least one)."""
    label = ""
    for term in terms:
        joined = f"{label}, {term}" if label else term
        if label and len(joined) > limit:
            break
        label = joined
    return label


def _shorten(text: str, limit: int = 60) -> str:
    """``text`` as a label: without its closing punctuation or opening capital (as the
    phrases of other labels), cut at the last space within ``limit`` characters with
    "…" (a theme of comments without a telling phrase is labelled by its first one)."""
    text = " ".join(text.split()).rstrip(" ,.;:!?…")
    if text[:2].istitle():  # a capital opening the sentence, not "UBND"
        text = text[0].lower() + text[1:]
    if len(text) <= limit:
        return text
    head = text[:limit]
    cut = head.rsplit(" ", 1)[0] if " " in head else head
    return cut.rstrip(" ,.;:") + "…"


def _theme_id(terms: Sequence[str]) -> str:
    digest = hashlib.sha1("|".join(sorted(terms)).encode("utf-8"), usedforsecurity=False)
    return "theme-" + digest.hexdigest()[:8]


def _choose_k(points: np.ndarray, max_k: int, random_state: int) -> tuple[int, np.ndarray]:
    """k in 2..max_k with the best cosine silhouette, and every point's cluster.

    k-means runs on a random sample of at most FIT_SAMPLE points (the clusters worth
    naming are large, so a sample finds them); all points then join their nearest
    centre. This keeps 100,000 comments within seconds."""
    rng = np.random.default_rng(random_state)
    if len(points) > FIT_SAMPLE:
        sample = points[rng.choice(len(points), FIT_SAMPLE, replace=False)]
    else:
        sample = points
    best: tuple[float, KMeans] | None = None
    # No more clusters than distinct points: comments repeat ("Cảm ơn cán bộ xã."),
    # and k-means asked for more warns and finds no more.
    distinct = len(np.unique(sample, axis=0))
    for k in range(2, min(max_k, distinct) + 1):
        km = KMeans(n_clusters=k, n_init=3, random_state=random_state).fit(sample)
        if len(set(km.labels_.tolist())) < 2:
            continue
        score = float(
            silhouette_score(
                sample,
                km.labels_,
                metric="cosine",
                sample_size=min(len(sample), SILHOUETTE_SAMPLE),
                random_state=random_state,
            )
        )
        if best is None or score > best[0]:
            best = (score, km)
    if best is None:
        return 1, np.zeros(len(points), dtype=int)
    km = best[1]
    return int(km.n_clusters), np.asarray(km.predict(points))


def _fold_strays(labels: np.ndarray, k: int, points: np.ndarray, pairs: Any) -> np.ndarray:
    """A cluster of one comment, or of comments that share no two-syllable term
    (``pairs``: which comments use which; one syllable such as "nay" or a folded "ca"
    is too little), is no theme: each of its comments joins the nearest theme when
    close to it, else none (-1)."""
    labels = labels.copy()
    real: list[int] = []
    stray: list[int] = []
    for c in range(k):
        members = np.flatnonzero(labels == c)
        shared = len(members) >= 2 and pairs.shape[1] > 0 and pairs[members].sum(axis=0).max() >= 2
        (real if shared else stray).append(c)
    if not stray:
        return labels
    if not real:  # nothing in common anywhere: no theme at all
        return np.full_like(labels, -1)
    centres = l2_normalize(np.vstack([points[labels == c].mean(axis=0) for c in real]))
    for i in np.flatnonzero(np.isin(labels, stray)):
        sims = centres @ points[i]
        best = int(np.argmax(sims))
        labels[i] = real[best] if sims[best] >= STRAY_JOIN else -1
    return labels


def cluster_themes(
    texts: Sequence[str],
    *,
    max_themes: int = 8,
    n_terms: int = 4,
    n_examples: int = 3,
    random_state: int = 0,
    spell_from: Sequence[str] = (),
) -> tuple[list[Theme], list[int]]:
    """Cluster ``texts`` into at most ``max_themes`` themes; ``spell_from``, more
    comments that only lend their spelling to the labels (:class:`Spellings`).

    Returns the themes, largest first, and for each text the index of its theme in
    that list, or -1 for a text in no theme (see :func:`_fold_strays`). Two or three
    texts, or texts of fewer than 3 distinct terms in all, form one theme as they are;
    a single text is no theme.
    """
    # The matrices here are small (a few thousand rows by 100): one thread is as fast,
    # and OpenMP/BLAS threads spinning on a busy host (gunicorn workers, a consumer)
    # cost several times the work itself.
    with threadpool_limits(limits=1):
        return _cluster_themes(texts, max_themes, n_terms, n_examples, random_state, spell_from)


def _cluster_themes(
    texts: Sequence[str],
    max_themes: int,
    n_terms: int,
    n_examples: int,
    random_state: int,
    spell_from: Sequence[str],
) -> tuple[list[Theme], list[int]]:
    if len(texts) < 2:
        return [], [-1] * len(texts)  # one comment is no theme: it is in the comments list
    # Clauses of folded syllables, for the labels, which grow over whole clauses.
    docs = clauses(texts)
    # What the comments are grouped by (folded syllables) leaves out the clauses that
    # name no issue ("Mong xã cải thiện.", "Đi đăng ký khai sinh,"): grouped by them,
    # the themes were "khai sinh" and "cần cải thiện nhiều".
    folded = [" ".join(fold_accents(s) for s in strip_boilerplate(text)) for text in texts]
    many = len(texts) >= 20
    # with many comments, words in over a third of them ("có", "không") name no theme
    vectorizer = syllable_vectorizer((1, 2), min_df=2 if many else 1, max_df=0.35 if many else 1.0)
    try:
        matrix = vectorizer.fit_transform(folded)
    except ValueError:  # nothing but stop words and punctuation
        matrix = None
    if matrix is None or len(texts) < 4 or matrix.shape[1] < 3:
        labels = np.zeros(len(texts), dtype=int)
        k = 1
        points = None
    else:
        n_comp = min(LSA_COMPONENTS, matrix.shape[1] - 1, len(texts) - 1)
        svd = TruncatedSVD(n_components=n_comp, random_state=random_state)
        if matrix.shape[0] > FIT_SAMPLE:
            rows = np.random.default_rng(random_state).choice(
                matrix.shape[0], FIT_SAMPLE, replace=False
            )
            svd.fit(matrix[rows])
        else:
            svd.fit(matrix)
        points = l2_normalize(svd.transform(matrix))
        k, labels = _choose_k(points, min(max_themes, len(texts) - 1), random_state)
    terms = vectorizer.get_feature_names_out() if matrix is not None else np.array([])
    present = (matrix > 0).astype(np.float64).tocsr() if matrix is not None else None
    df_all = np.asarray(present.sum(axis=0)).ravel() if present is not None else None

    if points is not None and present is not None:
        pairs = present[:, [j for j, t in enumerate(terms) if " " in t]]
        labels = _fold_strays(labels, k, points, pairs)
    # Diacritics for a phrase only ever typed without them, from how the other
    # comments and the taxonomy spell its syllables ("mong xa cai thien").
    sample = [*texts[:SPELLING_SAMPLE], *spell_from[: max(0, SPELLING_SAMPLE - len(texts))]]
    spellings = Spellings([*sample, *reference_texts()])
    themes: list[tuple[Theme, int]] = []
    for c in range(k):
        members = np.flatnonzero(labels == c)
        if len(members) == 0:
            continue
        member_texts = [texts[int(i)] for i in members]
        top: list[str] = []
        if present is not None and df_all is not None:
            # share of the theme's comments using a term, weighed by how much more
            # often they use it than the other comments do (a log-odds lift)
            df_in = np.asarray(present[members].sum(axis=0)).ravel()
            p_in = df_in / len(members)
            rest = len(texts) - len(members)
            p_out = (df_all - df_in + 0.5) / (rest + 1.0)
            score = p_in * np.log((p_in + 1e-9) / p_out)
            candidates = [
                str(terms[j])
                for j in np.argsort(-score)[: n_terms * 4]
                if df_in[j] > 0 and "0" not in str(terms[j]).split()  # "0" = any number
            ]
            top = _pick_terms(candidates, n_terms, Positions([docs[int(i)] for i in members]))
        # Spelt as the theme's comments spell it; a phrase they only typed without
        # diacritics takes the spelling other comments give it ("chung thuc chu ky").
        readable = [
            _trim(t) for t in _readable(top, [*member_texts[:READABLE_SAMPLE], *texts], spellings)
        ]
        if points is not None:
            centre = points[members].mean(axis=0)
            order = members[np.argsort(-(points[members] @ centre))]
        else:
            order = members
        examples: list[str] = []
        for i in order:
            if texts[int(i)] not in examples:
                examples.append(texts[int(i)])
            if len(examples) == n_examples:
                break
        theme = Theme(
            id=_theme_id(top or [folded[int(members[0])]]),
            label=_label(readable) if readable else _shorten(examples[0]),
            top_terms=readable,
            size=len(members),
            examples=examples,
        )
        themes.append((theme, c))
    themes.sort(key=lambda tc: (-tc[0].size, tc[0].label))
    position = {c: i for i, (_, c) in enumerate(themes)}
    return [t for t, _ in themes], [position.get(int(c), -1) for c in labels]
