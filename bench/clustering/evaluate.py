"""Evaluate the comment classifier on the labelled development set.

    .venv/bin/python bench/clustering/evaluate.py [--dev tests/data/comments_dev.jsonl]

Two settings:
- seeds-only ("cold start"): fitted on the taxonomy's seed phrases alone; the
  development set is never seen in training. This is the figure for a new deployment.
- 5-fold CV: fitted on seeds plus four fifths of the development set (standing in for
  comments with one ticked tag), scored on the held-out fifth; folds stratified by issue.

A comment predicted None (fits no issue) counts as "other". Metrics: accuracy,
macro-F1 over the 9 codes, adjusted Rand index and normalised mutual information of
predicted vs true labels, each overall and split by whether the comment has diacritics.
Writes bench/results/clustering.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    adjusted_rand_score,
    f1_score,
    normalized_mutual_info_score,
)
from sklearn.model_selection import StratifiedKFold
from thuocdo_scoring.comments import OTHER, CommentModel, seed_examples
from thuocdo_shared import reference

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT / "tests" / "data" / "comments_dev.jsonl"
OUT = ROOT / "bench" / "results" / "clustering.json"


def load_dev(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def metrics(y_true: list[str], y_pred: list[str]) -> dict[str, float]:
    codes = list(reference.issues())
    return {
        "n": len(y_true),
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "macro_f1": round(
            float(f1_score(y_true, y_pred, labels=codes, average="macro", zero_division=0)), 4
        ),
        "ari": round(float(adjusted_rand_score(y_true, y_pred)), 4),
        "nmi": round(float(normalized_mutual_info_score(y_true, y_pred)), 4),
    }


def report(rows: list[dict[str, Any]], pred: list[str]) -> dict[str, Any]:
    truth = [r["issue"] for r in rows]
    out: dict[str, Any] = {"all": metrics(truth, pred)}
    for flag, name in ((True, "with_diacritics"), (False, "without_diacritics")):
        idx = [i for i, r in enumerate(rows) if bool(r["diacritics"]) is flag]
        out[name] = metrics([truth[i] for i in idx], [pred[i] for i in idx])
    per_issue = f1_score(
        truth, pred, labels=list(reference.issues()), average=None, zero_division=0
    )
    out["f1_per_issue"] = {
        c: round(float(f), 4) for c, f in zip(reference.issues(), per_issue, strict=True)
    }
    out["predicted_none"] = sum(1 for p in pred if p == "__none__")
    return out


def as_code(code: str | None) -> str:
    return OTHER if code is None else code


def seeds_only(rows: list[dict[str, Any]]) -> tuple[dict[str, Any], CommentModel]:
    texts, labels = seed_examples()
    model = CommentModel().fit(texts, labels)
    predictions = model.predict([r["text"] for r in rows])
    result = report(rows, [as_code(c) for c, _ in predictions])
    result["predicted_none"] = sum(1 for c, _ in predictions if c is None)
    result["threshold"] = round(model.threshold_, 4)
    result["training_examples"] = model.n_training_examples_
    return result, model


def cross_validated(rows: list[dict[str, Any]], folds: int = 5) -> dict[str, Any]:
    seed_t, seed_l = seed_examples()
    texts = [r["text"] for r in rows]
    truth = np.asarray([r["issue"] for r in rows])
    pred: list[str] = [""] * len(rows)
    nones = 0
    thresholds = []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    for train, test in splitter.split(texts, truth):
        model = CommentModel().fit(
            seed_t + [texts[i] for i in train], seed_l + [str(truth[i]) for i in train]
        )
        thresholds.append(model.threshold_)
        for i, (code, _) in zip(test, model.predict([texts[i] for i in test]), strict=True):
            pred[i] = as_code(code)
            nones += code is None
    result = report(rows, pred)
    result["predicted_none"] = nones
    result["threshold_mean"] = round(float(np.mean(thresholds)), 4)
    return result


ABLATIONS: dict[str, dict[str, Any]] = {
    "as shipped": {},
    "no accent folding at all": {"fold": False, "augment_folded": False},
    "no folded copies of seeds": {"augment_folded": False},
    "no character n-grams": {"char_ngrams": None},
    "no view with diacritics": {"keep_diacritics": False},
}


def ablations(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Seeds-only figures with one design choice switched off at a time. Reported to
    show what each part is worth; the shipped defaults were not chosen on these."""
    texts, labels = seed_examples()
    out: dict[str, dict[str, Any]] = {}
    for name, params in ABLATIONS.items():
        model = CommentModel(**params).fit(texts, labels)
        pred = [as_code(c) for c, _ in model.predict([r["text"] for r in rows])]
        res = report(rows, pred)
        out[name] = {
            "params": params,
            "all": res["all"],
            "without_diacritics": res["without_diacritics"],
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=DEV)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    rows = load_dev(args.dev)

    started = time.perf_counter()
    cold, model = seeds_only(rows)
    cv = cross_validated(rows)
    ablated = ablations(rows)
    themes = model.themes([r["text"] for r in rows])
    elapsed = time.perf_counter() - started

    print(f"development set: {args.dev} ({len(rows)} comments)")
    header = f"{'setting':<28}{'n':>5}{'accuracy':>10}{'macro-F1':>10}{'ARI':>8}{'NMI':>8}"
    print(header)
    print("-" * len(header))
    for name, res in (("seeds only (cold start)", cold), ("5-fold CV, seeds + folds", cv)):
        for part in ("all", "with_diacritics", "without_diacritics"):
            m = res[part]
            label = name if part == "all" else f"  {part.replace('_', ' ')}"
            print(
                f"{label:<28}{m['n']:>5}{m['accuracy']:>10.3f}{m['macro_f1']:>10.3f}"
                f"{m['ari']:>8.3f}{m['nmi']:>8.3f}"
            )
    print()
    print("seeds-only ablations (macro-F1 all / without diacritics):")
    for name, res in ablated.items():
        f1_all, f1_plain = res["all"]["macro_f1"], res["without_diacritics"]["macro_f1"]
        print(f"  {name:<28}{f1_all:>7.3f}{f1_plain:>8.3f}")
    print()
    print("F1 per issue (seeds only / CV):")
    for code in reference.issues():
        print(f"  {code:<20}{cold['f1_per_issue'][code]:>7.3f}{cv['f1_per_issue'][code]:>8.3f}")
    print(
        f"\nseeds-only threshold {cold['threshold']}, {cold['predicted_none']} comments fit no "
        f"issue; CV: {cv['predicted_none']} fit none"
    )
    print(f"themes among unassigned comments (seeds-only model): {len(themes)}")
    for t in themes:
        print(f"  [{t.size:>3}] {t.label}  e.g. {t.examples[0]!r}")
    print(f"\n({elapsed:.1f} s)")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "dev_set": str(args.dev.relative_to(ROOT) if args.dev.is_relative_to(ROOT) else args.dev),
        "seeds_only": cold,
        "cross_validated_5fold": cv,
        "seeds_only_ablations": ablated,
        "themes_seeds_only": [
            {"label": t.label, "size": t.size, "examples": t.examples} for t in themes
        ],
        "seconds": round(elapsed, 2),
        "python": sys.version.split()[0],
        "machine": platform.machine(),
    }
    args.out.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", "utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
