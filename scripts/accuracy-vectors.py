#!/usr/bin/env python3
"""Writes test/fixtures/accuracy-vectors.json: reference answers for the live-accuracy metrics.

src/core/monitoring/accuracy-vectors.test.ts checks that Mooring's ROC AUC, accuracy, precision, recall, F1, MAE and
RMSE equal these. scikit-learn is not installed on the build machines (Debian has python3-numpy and python3-scipy),
so ROC AUC is computed two independent ways and both must agree before the file is written:

- the Mann-Whitney U statistic with scipy.stats.rankdata (average ranks for ties), U / (n_pos * n_neg);
- scikit-learn's own algorithm, re-implemented in numpy: `_binary_clf_curve` (distinct score thresholds, cumulative
  true and false positives), the (0, 0) point prepended, and the trapezoidal area (`roc_auc_score` with default
  arguments does exactly this; its `drop_intermediate` step removes only collinear points, which leaves the area
  unchanged).

Run from the repository root:

    python3 scripts/accuracy-vectors.py

Seeded, so the file only changes when this script does.
"""
import json
import os
import sys

import numpy as np
import scipy
from scipy.stats import rankdata


def auc_mann_whitney(y, s):
    y = np.asarray(y, dtype=bool)
    ranks = rankdata(s, method="average")
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    u = ranks[y].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def auc_sklearn_algorithm(y, s):
    y = np.asarray(y, dtype=float)
    s = np.asarray(s, dtype=float)
    order = np.argsort(s, kind="mergesort")[::-1]
    s = s[order]
    y = y[order]
    distinct = np.where(np.diff(s))[0]
    threshold_idxs = np.r_[distinct, y.size - 1]
    tps = np.cumsum(y)[threshold_idxs]
    fps = 1 + threshold_idxs - tps
    tps = np.r_[0, tps]
    fps = np.r_[0, fps]
    fpr = fps / fps[-1]
    tpr = tps / tps[-1]
    return float(np.trapezoid(tpr, fpr) if hasattr(np, "trapezoid") else np.trapz(tpr, fpr))


def auc_cases(rng):
    yield "tiny", [1, 0, 1, 0], [0.9, 0.1, 0.8, 0.3]
    yield "sklearn-doc", [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]
    yield "all-tied", [1, 0, 1, 0, 0], [0.5, 0.5, 0.5, 0.5, 0.5]
    yield "perfect", [0, 0, 0, 1, 1], [0.1, 0.2, 0.3, 0.7, 0.9]
    yield "reversed", [1, 1, 0, 0], [0.1, 0.2, 0.7, 0.9]
    yield "tie-across-classes", [0, 1, 0, 1, 1, 0], [0.2, 0.2, 0.6, 0.6, 0.9, 0.1]
    yield "one-positive", [0, 0, 0, 1, 0], [0.3, 0.3, 0.8, 0.3, 0.1]
    yield "negative-scores", [1, 0, 1, 0, 1], [-2.5, -3.0, 0.0, -2.5, 7.25]
    for n, decimals in [(50, 1), (200, 2), (1000, 1), (1000, 6)]:
        y = rng.integers(0, 2, size=n)
        # Scores related to the label, rounded so that many ties fall across the classes.
        s = np.round(np.clip(0.5 + 0.25 * (2 * y - 1) + rng.normal(0, 0.3, size=n), 0, 1), decimals)
        yield f"random-n{n}-d{decimals}", y.tolist(), s.tolist()


def classification_cases(rng):
    yield "balanced", [1, 0, 1, 1, 0, 0, 1, 0], [1, 0, 0, 1, 0, 1, 1, 0]
    yield "no-predicted-positive", [1, 0, 1, 0], [0, 0, 0, 0]
    yield "no-actual-positive", [0, 0, 0, 0], [1, 0, 1, 0]
    yield "all-right", [1, 1, 0], [1, 1, 0]
    y = rng.integers(0, 2, size=500)
    p = np.where(rng.uniform(size=500) < 0.8, y, 1 - y)
    yield "random-n500", y.tolist(), p.tolist()


def classification_answer(actual, predicted):
    a = np.asarray(actual) == 1
    p = np.asarray(predicted) == 1
    tp = int(np.sum(a & p))
    fp = int(np.sum(~a & p))
    fn = int(np.sum(a & ~p))
    return {
        "accuracy": float(np.mean(a == p)),
        "precision": None if tp + fp == 0 else tp / (tp + fp),
        "recall": None if tp + fn == 0 else tp / (tp + fn),
        "f1": None if 2 * tp + fp + fn == 0 else 2 * tp / (2 * tp + fp + fn),
    }


def regression_cases(rng):
    yield "small", [3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0]
    yield "one", [1.5], [4.0]
    y = rng.normal(10, 3, size=1000)
    yield "random-n1000", y.tolist(), (y + rng.normal(0, 1.5, size=1000)).tolist()


def main():
    rng = np.random.default_rng(20261201)
    auc = []
    for name, y, s in auc_cases(rng):
        mw = auc_mann_whitney(y, s)
        sk = auc_sklearn_algorithm(y, s)
        if abs(mw - sk) > 1e-12:
            sys.exit(f"{name}: Mann-Whitney {mw} and the trapezoidal ROC area {sk} disagree")
        auc.append({"name": name, "labels": [int(v) for v in y], "scores": s, "auc": mw})
    classification = [
        {"name": name, "actual": [int(v) for v in a], "predicted": [int(v) for v in p], **classification_answer(a, p)}
        for name, a, p in classification_cases(rng)
    ]
    regression = []
    for name, y, p in regression_cases(rng):
        e = np.asarray(p) - np.asarray(y)
        regression.append(
            {"name": name, "labels": y, "predicted": p, "mae": float(np.mean(np.abs(e))), "rmse": float(np.sqrt(np.mean(e * e)))}
        )
    doc = {
        "generator": "scripts/accuracy-vectors.py",
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "auc": auc,
        "classification": classification,
        "regression": regression,
    }
    path = os.path.join("test", "fixtures", "accuracy-vectors.json")
    with open(path, "w") as f:
        json.dump(doc, f, indent=1, allow_nan=False)
        f.write("\n")
    print(f"wrote {path}: {len(auc)} AUC, {len(classification)} classification, {len(regression)} regression cases")


if __name__ == "__main__":
    main()
