"""CommentModel: assigns each citizen comment to an issue of the taxonomy.

An sklearn-style estimator: parameters in ``__init__``, learning in ``fit``, fitted
state in attributes ending in ``_``; the fitted Pipeline (Vietnamese-aware TF-IDF ->
logistic regression) is ``pipeline_``. Comments whose best probability is below
``threshold_`` fit no issue (``None``); those and the ones labelled ``other`` are what
:meth:`CommentModel.themes` clusters into emerging themes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import Pipeline

from .features import comment_features
from .seeds import seed_examples, single_tag_examples
from .text import fold_accents, has_content, has_diacritics
from .themes import Theme, cluster_themes

OTHER = "other"  # the taxonomy's catch-all code; "fits no specific issue"


class CommentModel(BaseEstimator):  # type: ignore[misc]
    """Issue classifier for Vietnamese comments.

    Parameters:
        C: inverse regularisation strength of the logistic regression (> 0).
        threshold: minimum confidence (probability, 0..1) for an issue; "auto" learns
            it in ``fit`` from out-of-fold probabilities on the training data.
        threshold_quantile: for "auto", the share (0..1) of training examples whose
            out-of-fold confidence may fall below the threshold.
        augment_folded: also train on accent-stripped copies of accented texts.
        keep_diacritics: add a feature view that keeps diacritics.
        char_ngrams: character n-gram range within words, or None for none.
        fold: build the main features on accent-folded text (False only to measure
            what folding is worth).
        random_state: seed for the folds used by "auto".
    """

    def __init__(
        self,
        C: float = 10.0,  # noqa: N803 - sklearn's name
        threshold: float | str = "auto",
        threshold_quantile: float = 0.1,
        augment_folded: bool = True,
        keep_diacritics: bool = True,
        char_ngrams: tuple[int, int] | None = (2, 4),
        fold: bool = True,
        random_state: int = 0,
    ) -> None:
        self.C = C
        self.threshold = threshold
        self.threshold_quantile = threshold_quantile
        self.augment_folded = augment_folded
        self.keep_diacritics = keep_diacritics
        self.char_ngrams = char_ngrams
        self.fold = fold
        self.random_state = random_state

    # -- learning ---------------------------------------------------------------

    def _make_pipeline(self) -> Pipeline:
        return Pipeline(
            [
                (
                    "features",
                    comment_features(
                        char_ngrams=self.char_ngrams,
                        keep_diacritics=self.keep_diacritics,
                        fold=self.fold,
                    ),
                ),
                (
                    "classifier",
                    LogisticRegression(
                        C=self.C, solver="newton-cg", class_weight="balanced", max_iter=500
                    ),
                ),
            ]
        )

    def _augment(
        self, texts: Sequence[str], labels: Sequence[str]
    ) -> tuple[list[str], list[str], list[int]]:
        """Texts, labels and a group id per row (a text and its folded copy share one)."""
        out_t, out_l, groups = list(texts), list(labels), list(range(len(texts)))
        if self.augment_folded:
            for i, (t, lab) in enumerate(zip(texts, labels, strict=True)):
                if has_diacritics(t):
                    out_t.append(fold_accents(t))
                    out_l.append(lab)
                    groups.append(i)
        return out_t, out_l, groups

    def _auto_threshold(self, texts: list[str], labels: list[str], groups: list[int]) -> float:
        """A confidence below which only ``threshold_quantile`` of held-out training
        examples fall, and never below 1.5x the uniform probability (1/classes), where
        a comment with no known word lands."""
        n_classes = len(set(labels))
        floor = 1.5 / n_classes
        counts = np.unique(labels, return_counts=True)[1]
        n_splits = int(min(5, counts.min()))
        if n_splits < 2:
            return floor
        folds = StratifiedGroupKFold(
            n_splits=n_splits, shuffle=True, random_state=self.random_state
        )
        best = np.zeros(len(texts))
        y = np.asarray(labels)
        for train, test in folds.split(texts, y, groups):
            pipe = self._make_pipeline().fit([texts[i] for i in train], y[train])
            best[test] = pipe.predict_proba([texts[i] for i in test]).max(axis=1)
        return max(float(np.quantile(best, self.threshold_quantile)), floor)

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> CommentModel:
        """Learn from comments (any mix of diacritics) and their issue codes."""
        if len(texts) != len(labels):
            raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
        if len(set(labels)) < 2:
            raise ValueError("need examples of at least two issues")
        # An example of nothing but boilerplate ("rất hài lòng" among the catch-all's
        # seeds) would teach that saying nothing is an issue.
        kept = [i for i, t in enumerate(texts) if has_content(t)]
        texts, labels = [texts[i] for i in kept], [labels[i] for i in kept]
        if len(set(labels)) < 2:
            raise ValueError("need examples of at least two issues")
        all_t, all_l, groups = self._augment(texts, labels)
        self.pipeline_ = self._make_pipeline().fit(all_t, all_l)
        self.classes_ = self.pipeline_.classes_
        if self.threshold == "auto":
            self.threshold_ = self._auto_threshold(all_t, all_l, groups)
        else:
            self.threshold_ = float(self.threshold)
        self.n_training_examples_ = len(all_t)
        return self

    def fit_from_tagged(
        self, texts: Sequence[str], tags: Sequence[Sequence[str]], *, with_seeds: bool = True
    ) -> CommentModel:
        """Learn from the taxonomy seeds plus comments whose citizen ticked exactly
        one issue tag (``tags[i]`` is the list of codes ticked with ``texts[i]``)."""
        t, lab = single_tag_examples(texts, tags)
        if with_seeds:
            st, sl = seed_examples()
            t, lab = st + t, sl + lab
        return self.fit(t, lab)

    # -- using ------------------------------------------------------------------

    def _check_fitted(self) -> None:
        if not hasattr(self, "pipeline_"):
            raise RuntimeError("CommentModel is not fitted; call fit() or load()")

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities, shape (len(texts), len(classes_)), each row summing to 1."""
        self._check_fitted()
        if len(texts) == 0:
            return np.zeros((0, len(self.classes_)))
        return np.asarray(self.pipeline_.predict_proba(list(texts)))

    def predict(self, texts: Sequence[str]) -> list[tuple[str | None, float]]:
        """For each comment, (issue code or None when no issue fits, confidence 0..1).

        The confidence is the probability of the best issue; below ``threshold_`` the
        code is None (the confidence is still that best probability).
        """
        self._check_fitted()
        # A comment of nothing but boilerplate ("Cần cải thiện nhiều.") names no issue,
        # and is not run through the model at all (the consumer's hot path).
        said = [i for i, t in enumerate(texts) if has_content(t)]
        out: list[tuple[str | None, float]] = [(None, 0.0)] * len(texts)
        if not said:
            return out
        proba = self.predict_proba([texts[i] for i in said])
        for i, row in zip(said, proba, strict=True):
            j = int(row.argmax())
            conf = float(row[j])
            code = str(self.classes_[j]) if conf >= self.threshold_ else None
            out[i] = (code, round(conf, 4))
        return out

    def assign_themes(
        self,
        texts: Sequence[str],
        *,
        predictions: Sequence[tuple[str | None, float]] | None = None,
        max_themes: int = 8,
        spell_from: Sequence[str] = (),
    ) -> tuple[list[Theme], list[str | None]]:
        """Themes among the comments that fit no specific issue (None or "other")
        and say something (:func:`has_content`), and for each comment its theme id
        (None for comments with an issue, and for those in no theme). Every comment
        of ``texts``, and those of ``spell_from``, lend their spelling to the labels."""
        if predictions is None:
            predictions = self.predict(texts)
        # A comment of nothing but boilerplate ("Không ổn. Mong xã cải thiện.") fits no
        # issue and is no theme either: grouped, such comments were themes of their own
        # ("cần cải thiện nhiều") above what citizens really raised.
        open_idx = [
            i
            for i, (code, _) in enumerate(predictions)
            if code in (None, OTHER) and has_content(texts[i])
        ]
        opened = set(open_idx)
        themes, which = cluster_themes(
            [texts[i] for i in open_idx],
            max_themes=max_themes,
            random_state=self.random_state,
            # each text once: the open ones are clustered, the others lend spellings
            spell_from=[*(t for i, t in enumerate(texts) if i not in opened), *spell_from],
        )
        ids: list[str | None] = [None] * len(texts)
        for i, t in zip(open_idx, which, strict=True):
            ids[i] = themes[t].id if t >= 0 else None
        return themes, ids

    def themes(
        self, texts: Sequence[str], max_themes: int = 8, spell_from: Sequence[str] = ()
    ) -> list[Theme]:
        """Emerging themes (largest first) among comments that fit no specific issue;
        ``spell_from``: more comments that lend their spelling to the labels."""
        return self.assign_themes(texts, max_themes=max_themes, spell_from=spell_from)[0]

    # -- persistence ------------------------------------------------------------

    def save(self, path: str | Path) -> None:
        """Write the fitted model with joblib (trusted files only: it is a pickle)."""
        self._check_fitted()
        joblib.dump(self, Path(path))

    @classmethod
    def load(cls, path: str | Path) -> CommentModel:
        """Read a model written by :meth:`save`. Only load files you wrote yourself."""
        obj: Any = joblib.load(Path(path))
        if not isinstance(obj, cls):
            raise TypeError(f"{path} holds a {type(obj).__name__}, not a CommentModel")
        return obj
