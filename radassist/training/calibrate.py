"""Calibration on the validation split: temperature scaling, then an operating threshold per finding.

Calibrated probability = sigmoid(logit / T) (what the engine computes). T is the one parameter that
minimises validation NLL; it keeps the ranking (AUROC) unchanged. The threshold is the highest one whose
validation sensitivity is still >= the target, i.e. the best specificity that meets the target.
When training used class weights, the logits learnt a balanced prior; ``prior_shift`` is the bias that
moves them back to the training prevalence (log odds), applied before T is fitted.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import minimize_scalar

from radassist.core.errors import TrainingError
from radassist.core.numeric import sigmoid
from radassist.training.metrics import nll


def fit_temperature(logits: np.ndarray, y: np.ndarray, *, bounds: tuple[float, float] = (0.05, 20.0)) -> float:
    """The T in ``bounds`` minimising NLL of sigmoid(logits / T) (bounded Brent search on log T)."""
    z = np.asarray(logits, dtype=np.float64).ravel()
    t = np.asarray(y, dtype=np.float64).ravel()
    if len(z) == 0 or t.min() == t.max():
        raise TrainingError("Temperature scaling needs validation images of both classes.")
    found = minimize_scalar(lambda log_t: nll(t, sigmoid(z / math.exp(log_t))), method="bounded",
                            bounds=(math.log(bounds[0]), math.log(bounds[1])), options={"xatol": 1e-7})
    return float(math.exp(found.x))


def prior_shift(prevalence: float) -> float:
    """Log-odds of the training prevalence: the bias that undoes balanced class weights."""
    p = min(max(float(prevalence), 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def threshold_for_sensitivity(y: np.ndarray, prob: np.ndarray, target: float = 0.95) -> float:
    """The threshold with the best specificity whose sensitivity(prob >= t) >= target on these labels.

    It is placed halfway between the lowest positive that must be caught and the next lower score, not on
    that positive's score: the same validation counts, but a runtime that differs in the 6th decimal
    (LiteRT vs TensorFlow) cannot flip the call of the image that sits exactly on the threshold.
    """
    y = np.asarray(y).astype(bool).ravel()
    p = np.asarray(prob, dtype=np.float64).ravel()
    pos = np.sort(p[y])[::-1]
    if len(pos) == 0:
        raise TrainingError("Choosing a threshold needs validation images with the finding.")
    k = min(len(pos), max(1, math.ceil(target * len(pos) - 1e-9)))
    at = float(pos[k - 1])  # at least k positives have p >= this
    below = p[p < at]
    return (at + float(below.max())) / 2.0 if len(below) else at / 2.0
