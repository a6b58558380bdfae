"""Metrics against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from radassist.training.metrics import (
    auroc,
    bootstrap_auroc,
    bootstrap_ci,
    ece,
    nll,
    operating_point,
    reliability_bins,
    roc_points,
    wilson,
)


def test_auroc_of_perfect_reversed_and_uninformative_classifiers():
    y = np.array([0, 0, 0, 1, 1])
    assert auroc(y, [0.1, 0.2, 0.3, 0.8, 0.9]) == 1.0
    assert auroc(y, [0.9, 0.8, 0.7, 0.2, 0.1]) == 0.0
    assert auroc(y, [0.5] * 5) == 0.5
    assert math.isnan(auroc([1, 1], [0.2, 0.3]))


def test_auroc_by_hand_with_ties():
    # pairs (pos, neg): 0.35 beats 0.1, loses to 0.4; 0.8 beats both -> 3/4
    assert auroc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(0.75)
    # a tie between a positive and a negative counts half: (1 + 0.5 + 1 + 1) / 4
    assert auroc([0, 0, 1, 1], [0.1, 0.4, 0.4, 0.8]) == pytest.approx(0.875)


def test_auroc_of_random_scores_is_near_half_with_a_ci_covering_it():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 1000)
    a, lo, hi = bootstrap_auroc(y, rng.random(1000), n_boot=300)
    assert abs(a - 0.5) < 0.05 and lo < 0.5 < hi and hi - lo < 0.1


def test_patient_bootstrap_is_wider_when_images_of_a_patient_are_copies():
    rng = np.random.default_rng(1)
    y0, s0 = rng.integers(0, 2, 100), rng.random(100)
    y, s, groups = np.repeat(y0, 5), np.repeat(s0 + 0.3 * y0, 5), np.repeat(np.arange(100), 5)
    _, lo_img, hi_img = bootstrap_auroc(y, s, n_boot=300)
    _, lo_pat, hi_pat = bootstrap_auroc(y, s, groups=groups, n_boot=300)
    assert hi_pat - lo_pat > 1.5 * (hi_img - lo_img)


def test_bootstrap_draws_whole_patients_and_skips_undefined_resamples():
    groups = np.array(["c", "a", "a", "b", "c", "c", "d"])
    drawn = []

    def statistic(idx):
        drawn.append(idx)
        return float("nan") if len(drawn) % 2 else 1.0

    lo, hi = bootstrap_ci(statistic, len(groups), groups=groups, n_boot=50, seed=3)
    assert (lo, hi) == (1.0, 1.0)  # NaN resamples left out
    for idx in drawn:
        counts = {g: int((groups[idx] == g).sum()) for g in "abcd"}
        # a patient comes with all of its images, as often as it was drawn
        assert counts["a"] % 2 == 0 and counts["c"] % 3 == 0 and len(idx) > 0
    assert all(math.isnan(v) for v in bootstrap_ci(lambda idx: float("nan"), 4, n_boot=5))
    v = np.arange(10.0)
    a = bootstrap_ci(lambda idx: v[idx].mean(), 10, n_boot=200, seed=1)
    assert a == bootstrap_ci(lambda idx: v[idx].mean(), 10, n_boot=200, seed=1) and a[0] < 4.5 < a[1]


def test_wilson_interval_known_values():
    lo, hi = wilson(5, 10)
    assert lo == pytest.approx(0.2366, abs=1e-4) and hi == pytest.approx(0.7634, abs=1e-4)
    lo, hi = wilson(0, 20)
    assert lo == 0.0 and hi == pytest.approx(0.1611, abs=1e-4)
    assert all(math.isnan(v) for v in wilson(0, 0))


def test_operating_point_counts_and_rates():
    y = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    p = np.array([0.9, 0.8, 0.6, 0.2, 0.7, 0.3, 0.2, 0.1, 0.1, 0.0])
    op = operating_point(y, p, 0.6)  # >= 0.6 is positive
    assert (op.tp, op.fn, op.fp, op.tn) == (3, 1, 1, 5)
    assert op.sensitivity.value == 0.75 and op.specificity.value == pytest.approx(5 / 6)
    assert op.ppv.value == 0.75 and op.npv.value == pytest.approx(5 / 6) and op.accuracy.value == 0.8
    assert op.sensitivity.lower < 0.75 < op.sensitivity.upper


def test_ece_by_hand_and_perfect_calibration():
    # bin [0.2, 0.267): p=0.25 x4, one positive -> |0.25-0.25| = 0; bin of 0.9 x 2, both positive -> 0.1
    y = np.array([1, 0, 0, 0, 1, 1])
    p = np.array([0.25, 0.25, 0.25, 0.25, 0.9, 0.9])
    assert ece(y, p) == pytest.approx(2 / 6 * 0.1)
    bins = reliability_bins(y, p)
    assert len(bins) == 15 and sum(b.count for b in bins) == 6
    assert ece([0, 1], [0.0, 1.0]) == 0.0
    assert nll([1, 0], [0.5, 0.5]) == pytest.approx(math.log(2))


def test_roc_points_run_from_origin_to_one_and_match_auroc():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 200)
    s = rng.random(200) + y * 0.5
    fpr, tpr, _thr = roc_points(y, s)
    assert (fpr[0], tpr[0]) == (0.0, 0.0) and (fpr[-1], tpr[-1]) == (1.0, 1.0)
    assert np.all(np.diff(fpr) >= 0) and np.all(np.diff(tpr) >= 0)
    assert np.trapezoid(tpr, fpr) == pytest.approx(auroc(y, s))
