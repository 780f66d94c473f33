"""The feature pipeline for comments: TF-IDF on Vietnamese syllables.

Three views of each comment, stacked side by side:

- accent-folded syllable uni- and bigrams (Vietnamese words are mostly two or more
  syllables: "chờ đợi", "thủ tục", so bigrams carry most of the meaning);
- accent-folded character 2–4-grams inside word boundaries, which survive typos,
  shorthand and words seen only in part;
- syllable uni- and bigrams with diacritics kept, which separate the syllables
  folding merges ("chờ" wait / "chợ" market) when the citizen typed them.
"""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline

from .text import VietnameseNormalizer, stop_words


def syllable_vectorizer(
    ngram_range: tuple[int, int] = (1, 2),
    *,
    min_df: int | float = 1,
    max_df: int | float = 1.0,
    max_features: int | None = None,
) -> TfidfVectorizer:
    """TF-IDF over space-separated syllables (the normaliser's output), with our stop words."""
    return TfidfVectorizer(
        analyzer="word",
        token_pattern=r"\S+",  # noqa: S106 - a regex, not a password
        lowercase=False,
        ngram_range=ngram_range,
        stop_words=sorted(stop_words()),
        sublinear_tf=True,
        min_df=min_df,
        max_df=max_df,
        max_features=max_features,
        dtype=np.float32,
    )


def comment_features(
    *,
    word_ngrams: tuple[int, int] = (1, 2),
    char_ngrams: tuple[int, int] | None = (2, 4),
    keep_diacritics: bool = True,
    fold: bool = True,
) -> FeatureUnion:
    """An unfitted FeatureUnion turning raw comments into a sparse TF-IDF matrix.

    ``fold=False`` keeps diacritics in the first view too (for comparison only: then
    "cho doi lau qua" and "chờ đợi lâu quá" share no feature)."""
    folded_views: list[tuple[str, TfidfVectorizer]] = [
        ("syllables", syllable_vectorizer(word_ngrams))
    ]
    if char_ngrams is not None:
        folded_views.append(
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    lowercase=False,
                    ngram_range=char_ngrams,
                    sublinear_tf=True,
                    dtype=np.float32,
                ),
            )
        )
    parts: list[tuple[str, Pipeline]] = [
        (
            "folded",
            Pipeline(
                [
                    ("normalize", VietnameseNormalizer(fold=fold)),
                    ("tfidf", FeatureUnion(folded_views)),
                ]
            ),
        )
    ]
    if keep_diacritics:
        parts.append(
            (
                "accented",
                Pipeline(
                    [
                        ("normalize", VietnameseNormalizer(fold=False)),
                        ("tfidf", syllable_vectorizer(word_ngrams)),
                    ]
                ),
            )
        )
    return FeatureUnion(parts)
