"""Classifier metrics in NumPy: AUROC (+ bootstrap CI), operating-point rates (+ Wilson CIs), ECE, curves.

The bootstrap resamples patients when ``groups`` is given: images of one child are correlated, so
resampling images would give intervals that are too narrow.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

Z95 = 1.959963984540054


def _ranks(x: np.ndarray) -> np.ndarray:
    """1-based ranks with ties averaged."""
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    ranks = np.empty(len(x), dtype=np.float64)
    # boundaries of tie groups
    starts = np.r_[0, np.flatnonzero(np.diff(xs)) + 1]
    ends = np.r_[starts[1:], len(xs)]
    avg = (starts + ends + 1) / 2.0
    ranks[order] = np.repeat(avg, ends - starts)
    return ranks


def auroc(y: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney U, ties count half); NaN when one class is absent."""
    y = np.asarray(y).astype(bool).ravel()
    s = np.asarray(score, dtype=np.float64).ravel()
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    r = _ranks(s)
    return float((r[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def bootstrap_auroc(y: np.ndarray, score: np.ndarray, *, groups: np.ndarray | None = None, n_boot: int = 2000,
                    seed: int = 0, level: float = 0.95) -> tuple[float, float, float]:
    """(AUROC, lower, upper): percentile bootstrap over images, or over groups (patients) when given."""
    y = np.asarray(y).astype(bool).ravel()
    s = np.asarray(score, dtype=np.float64).ravel()
    point = auroc(y, s)
    rng = np.random.default_rng(seed)
    if groups is None:
        units = [np.array([i]) for i in range(len(y))]
    else:
        g = np.asarray(groups).ravel()
        _, inverse = np.unique(g, return_inverse=True)
        order = np.argsort(inverse, kind="mergesort")
        bounds = np.r_[0, np.flatnonzero(np.diff(inverse[order])) + 1, len(order)]
        units = [order[bounds[i]:bounds[i + 1]] for i in range(len(bounds) - 1)]
    lengths = np.array([len(u) for u in units])
    flat = np.concatenate(units)
    offsets = np.r_[0, np.cumsum(lengths)[:-1]]
    stats = []
    for _ in range(n_boot):
        pick = rng.integers(0, len(units), len(units))
        idx = np.concatenate([flat[offsets[k]:offsets[k] + lengths[k]] for k in pick]) if groups is not None \
            else pick
        a = auroc(y[idx], s[idx])
        if not math.isnan(a):
            stats.append(a)
    if not stats:
        return point, float("nan"), float("nan")
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(stats, [alpha, 1.0 - alpha])
    return point, float(lo), float(hi)


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for k successes out of n; (nan, nan) for n = 0."""
    if n == 0:
        return float("nan"), float("nan")
    p = k / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Rate:
    value: float
    lower: float
    upper: float
    k: int
    n: int


@dataclass(frozen=True)
class OperatingPoint:
    threshold: float
    tp: int
    fp: int
    tn: int
    fn: int
    sensitivity: Rate
    specificity: Rate
    ppv: Rate
    npv: Rate
    accuracy: Rate

    def to_dict(self) -> dict:
        return asdict(self)


def _rate(k: int, n: int) -> Rate:
    lo, hi = wilson(k, n)
    return Rate(k / n if n else float("nan"), lo, hi, int(k), int(n))


def operating_point(y: np.ndarray, prob: np.ndarray, threshold: float) -> OperatingPoint:
    """Confusion counts and rates for the rule ``prob >= threshold`` (the engine's rule)."""
    y = np.asarray(y).astype(bool).ravel()
    pred = np.asarray(prob, dtype=np.float64).ravel() >= threshold
    tp, fp = int((pred & y).sum()), int((pred & ~y).sum())
    tn, fn = int((~pred & ~y).sum()), int((~pred & y).sum())
    return OperatingPoint(float(threshold), tp, fp, tn, fn, _rate(tp, tp + fn), _rate(tn, tn + fp),
                          _rate(tp, tp + fp), _rate(tn, tn + fn), _rate(tp + tn, len(y)))


def roc_points(y: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(fpr, tpr, thresholds) from (0, 0) to (1, 1), one point per distinct score (rule ``score >= t``)."""
    y = np.asarray(y).astype(bool).ravel()
    s = np.asarray(score, dtype=np.float64).ravel()
    order = np.argsort(-s, kind="mergesort")
    s, y = s[order], y[order]
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]
    tps = np.cumsum(y)[last]
    fps = np.cumsum(~y)[last]
    n_pos, n_neg = max(int(y.sum()), 1), max(int((~y).sum()), 1)
    fpr = np.r_[0.0, fps / n_neg]
    tpr = np.r_[0.0, tps / n_pos]
    thr = np.r_[np.inf, s[last]]
    return fpr, tpr, thr


@dataclass(frozen=True)
class ReliabilityBin:
    lower: float
    upper: float
    count: int
    confidence: float  # mean predicted probability in the bin
    frequency: float  # observed fraction positive


def reliability_bins(y: np.ndarray, prob: np.ndarray, n_bins: int = 15) -> list[ReliabilityBin]:
    """Equal-width bins over [0, 1] of the predicted probability of the positive class."""
    y = np.asarray(y, dtype=np.float64).ravel()
    p = np.asarray(prob, dtype=np.float64).ravel()
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    idx = np.clip(np.digitize(p, edges[1:-1], right=True), 0, n_bins - 1)
    out = []
    for b in range(n_bins):
        m = idx == b
        n = int(m.sum())
        out.append(ReliabilityBin(float(edges[b]), float(edges[b + 1]), n,
                                  float(p[m].mean()) if n else float("nan"),
                                  float(y[m].mean()) if n else float("nan")))
    return out


def ece(y: np.ndarray, prob: np.ndarray, n_bins: int = 15) -> float:
    """Expected calibration error: sum over bins of |frequency - confidence| weighted by bin share."""
    bins = reliability_bins(y, prob, n_bins)
    n = sum(b.count for b in bins)
    if n == 0:
        return float("nan")
    return float(sum(b.count / n * abs(b.frequency - b.confidence) for b in bins if b.count))


def nll(y: np.ndarray, prob: np.ndarray, eps: float = 1e-12) -> float:
    """Mean binary cross-entropy."""
    y = np.asarray(y, dtype=np.float64).ravel()
    p = np.clip(np.asarray(prob, dtype=np.float64).ravel(), eps, 1 - eps)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
