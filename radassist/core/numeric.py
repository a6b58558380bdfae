"""Small numeric rules shared by the run time and training, each defined once."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def sigmoid(z: np.ndarray | float) -> np.ndarray:
    """The logistic function in float64, without overflow for any finite input (tanh form)."""
    z = np.asarray(z, dtype=np.float64)
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def calibrate(logits: np.ndarray, temperature: Sequence[float]) -> np.ndarray:
    """Calibrated probability = sigmoid(logit / T), per label: what every card's thresholds refer to."""
    return sigmoid(np.asarray(logits, dtype=np.float64) / np.asarray(temperature, dtype=np.float64))
