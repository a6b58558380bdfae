"""Classifier metrics: AUROC (+ bootstrap CI), operating-point rates (+ Wilson CIs), ECE, curves.

AUROC, the ROC curve, log-loss and confusion counts are scikit-learn's; the Wilson interval is SciPy's.
:func:`bootstrap_ci` is the one bootstrap of the project (classifier AUROC, lung Dice/IoU): it resamples
patients when ``groups`` is given, because images of one patient are correlated and resampling images
would give intervals that are too narrow.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy.stats import binomtest
from sklearn.metrics import confusion_matrix, log_loss, roc_auc_score, roc_curve


def auroc(y: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve (ties count half); NaN when one class is absent."""
    y = np.asarray(y).astype(bool).ravel()
    if y.all() or not y.any():
        return float("nan")
    return float(roc_auc_score(y, np.asarray(score, dtype=np.float64).ravel()))


def bootstrap_ci(statistic: Callable[[np.ndarray], float], n: int, *, groups: Sequence | np.ndarray | None = None,
                 n_boot: int = 2000, seed: int = 0, level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of ``statistic(indices)`` over ``n`` rows: each resample draws whole
    groups (patients) with replacement when ``groups`` is given, else single rows. Resamples whose
    statistic is NaN (one class missing) are left out; (nan, nan) when none is left."""
    rng = np.random.default_rng(seed)
    if n == 0:
        return float("nan"), float("nan")
    # rows ordered by group: group k is rows[starts[k] : starts[k] + sizes[k]]
    inverse = np.arange(n) if groups is None else np.unique(np.asarray(groups).ravel(), return_inverse=True)[1]
    rows = np.argsort(inverse, kind="mergesort")
    sizes = np.bincount(inverse)
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    stats = []
    for _ in range(n_boot):
        pick = rng.integers(0, len(sizes), len(sizes))
        lens = sizes[pick]
        within = np.arange(lens.sum()) - np.repeat(np.cumsum(lens) - lens, lens)
        value = statistic(rows[np.repeat(starts[pick], lens) + within])
        if not math.isnan(value):
            stats.append(value)
    if not stats:
        return float("nan"), float("nan")
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(stats, [alpha, 1.0 - alpha])
    return float(lo), float(hi)


def bootstrap_auroc(y: np.ndarray, score: np.ndarray, *, groups: np.ndarray | None = None, n_boot: int = 2000,
                    seed: int = 0, level: float = 0.95) -> tuple[float, float, float]:
    """(AUROC, lower, upper): percentile bootstrap over images, or over groups (patients) when given."""
    y = np.asarray(y).astype(bool).ravel()
    s = np.asarray(score, dtype=np.float64).ravel()
    lo, hi = bootstrap_ci(lambda idx: auroc(y[idx], s[idx]), len(y), groups=groups, n_boot=n_boot, seed=seed,
                          level=level)
    return auroc(y, s), lo, hi


def wilson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for k successes out of n; (nan, nan) for n = 0."""
    if n == 0:
        return float("nan"), float("nan")
    ci = binomtest(int(k), int(n)).proportion_ci(confidence_level=level, method="wilson")
    return float(ci.low), float(ci.high)


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
    tn, fp, fn, tp = (int(v) for v in confusion_matrix(y, pred, labels=[False, True]).ravel())
    return OperatingPoint(float(threshold), tp, fp, tn, fn, _rate(tp, tp + fn), _rate(tn, tn + fp),
                          _rate(tp, tp + fp), _rate(tn, tn + fn), _rate(tp + tn, len(y)))


def roc_points(y: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(fpr, tpr, thresholds) from (0, 0) to (1, 1), one point per distinct score (rule ``score >= t``)."""
    fpr, tpr, thr = roc_curve(np.asarray(y).astype(bool).ravel(), np.asarray(score, dtype=np.float64).ravel(),
                              drop_intermediate=False)
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


def nll(y: np.ndarray, prob: np.ndarray) -> float:
    """Mean binary cross-entropy (log-loss) of the positive-class probability."""
    return float(log_loss(np.asarray(y, dtype=np.float64).ravel(), np.asarray(prob, dtype=np.float64).ravel(),
                          labels=[0, 1]))
