"""Temperature scaling fixes over-confidence; the threshold meets the sensitivity target."""

from __future__ import annotations

import math

import numpy as np
import pytest

from radassist.core.errors import TrainingError
from radassist.core.numeric import sigmoid
from radassist.training.calibrate import fit_temperature, prior_shift, threshold_for_sensitivity
from radassist.training.metrics import auroc, ece, nll, operating_point


def _overconfident(n=4000, true_t=3.0, seed=0):
    rng = np.random.default_rng(seed)
    true_logit = rng.normal(0, 2, n)
    y = (rng.random(n) < sigmoid(true_logit)).astype(int)
    return true_logit * true_t, y  # the model's logits are 3x too large


def test_temperature_scaling_lowers_nll_and_ece_and_recovers_t():
    logits, y = _overconfident()
    t = fit_temperature(logits, y)
    assert t == pytest.approx(3.0, rel=0.1)
    assert nll(y, sigmoid(logits / t)) < nll(y, sigmoid(logits)) - 0.05
    assert ece(y, sigmoid(logits / t)) < ece(y, sigmoid(logits))
    assert auroc(y, sigmoid(logits / t)) == pytest.approx(auroc(y, sigmoid(logits)))


def test_temperature_needs_both_classes():
    with pytest.raises(TrainingError):
        fit_temperature(np.array([1.0, 2.0]), np.array([1, 1]))


@pytest.mark.parametrize("target", [0.9, 0.95, 0.99])
def test_threshold_meets_target_sensitivity_and_is_the_highest_that_does(target):
    logits, y = _overconfident(seed=1)
    p = sigmoid(logits)
    t = threshold_for_sensitivity(y, p, target)
    assert operating_point(y, p, t).sensitivity.value >= target
    lowest_caught = np.min(p[p > t])
    assert operating_point(y, p, lowest_caught) == operating_point(y, p, t).__class__(
        **{**operating_point(y, p, t).__dict__, "threshold": float(lowest_caught)})  # same counts
    next_score = np.min(p[p > lowest_caught])
    assert operating_point(y, p, next_score).sensitivity.value < target  # any higher threshold misses the target
    assert not np.any(np.isclose(p, t, rtol=0, atol=1e-7))  # no image sits on the threshold


def test_prior_shift_is_the_log_odds_of_the_prevalence():
    assert prior_shift(0.5) == 0.0
    assert prior_shift(0.75) == pytest.approx(math.log(3))
