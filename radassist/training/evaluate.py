"""Evaluation: the same figures for the validation split at training time and for a model package on
any labelled folder/CSV afterwards.

On new data the package's own temperature and thresholds are used (never refitted: that would be
tuning on the evaluation set). At training time they are fitted on the validation split itself, and
the report says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from radassist.core.errors import DatasetError
from radassist.core.numeric import sigmoid
from radassist.training.calibrate import fit_temperature, threshold_for_sensitivity
from radassist.training.metrics import (
    bootstrap_auroc,
    ece,
    nll,
    operating_point,
    reliability_bins,
    roc_points,
)

N_BOOT = 2000


def _thin(fpr: np.ndarray, tpr: np.ndarray, thr: np.ndarray, max_points: int = 200) -> dict[str, list[float]]:
    if len(fpr) > max_points:
        keep = np.unique(np.r_[np.linspace(0, len(fpr) - 1, max_points).astype(int), len(fpr) - 1])
        fpr, tpr, thr = fpr[keep], tpr[keep], thr[keep]
    return {"fpr": [round(float(v), 5) for v in fpr], "tpr": [round(float(v), 5) for v in tpr],
            "threshold": [None if not np.isfinite(v) else round(float(v), 6) for v in thr]}


def evaluate_arrays(labels: Sequence[str], logits: np.ndarray, y: np.ndarray, groups: np.ndarray | None = None, *,
                    temperature: Sequence[float] | None = None, thresholds: dict[str, float] | None = None,
                    target_sensitivity: float = 0.95, seed: int = 0, n_boot: int = N_BOOT) -> dict[str, Any]:
    """Every figure of the report, per label. ``temperature``/``thresholds`` None = fit them here."""
    logits = np.asarray(logits, np.float64).reshape(len(y), -1)
    y = np.asarray(y).reshape(len(logits), -1).astype(int)
    out: dict[str, Any] = {"n_images": len(y),
                           "n_patients": len(np.unique(groups)) if groups is not None else None,
                           "calibration_source": "fitted on this set" if temperature is None else "model card",
                           "threshold_source": "chosen on this set" if thresholds is None else "model card",
                           "auroc_ci": f"percentile bootstrap, {n_boot} resamples of "
                                       f"{'patients' if groups is not None else 'images'}",
                           "rate_ci": "Wilson score 95%", "ece_bins": 15, "labels": {}}
    for j, label in enumerate(labels):
        z, t = logits[:, j], y[:, j]
        if t.min() == t.max():
            raise DatasetError(f"The evaluation set has only {'positive' if t[0] else 'negative'} images for "
                               f"{label}; AUROC needs both.", hint="Evaluate on a set with both classes.")
        temp = fit_temperature(z, t) if temperature is None else float(temperature[j])
        p_raw, p = sigmoid(z), sigmoid(z / temp)
        thr = threshold_for_sensitivity(t, p, target_sensitivity) if thresholds is None else float(thresholds[label])
        a, lo, hi = bootstrap_auroc(t, p, groups=groups, n_boot=n_boot, seed=seed)
        op = operating_point(t, p, thr)
        fpr, tpr, thr_pts = roc_points(t, p)
        out["labels"][label] = {
            "n": len(t), "positives": int(t.sum()), "prevalence": float(t.mean()),
            "auroc": {"value": a, "ci95": [lo, hi]},
            "temperature": temp, "operating_point": op.to_dict(),
            "confusion": {"tp": op.tp, "fp": op.fp, "tn": op.tn, "fn": op.fn},
            "ece_calibrated": ece(t, p), "ece_uncalibrated": ece(t, p_raw),
            "nll_calibrated": nll(t, p), "nll_uncalibrated": nll(t, p_raw),
            "roc": _thin(fpr, tpr, thr_pts),
            "reliability": [b.__dict__ for b in reliability_bins(t, p)],
        }
    return finite(out)


def finite(obj: Any) -> Any:
    """NaN/inf -> None, recursively, so every report and card is strict JSON."""
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite(v) for v in obj]
    if isinstance(obj, (float, np.floating)):
        return float(obj) if np.isfinite(obj) else None
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def evaluate_package(model: str | Path, data: str | Path, out: str | Path, *, csv_path: str | Path | None = None,
                     batch_size: int = 32, seed: int = 0,
                     progress: Callable[[str], None] = print) -> dict[str, Any]:
    """Run a model package (its .tflite through the app's engine) on a labelled set; write the report."""
    from radassist.core.classify import Engine
    from radassist.core.models import load_package, resolve
    from radassist.training.classifier.pipeline import make_dataset
    from radassist.training.datasets import load_dataset
    from radassist.training.report import write_report

    # evaluating a candidate is how it earns a signature: it need not be trusted yet (it is never shown
    # to a reader from here), but its hashes are still checked
    engine = Engine(load_package(resolve(model), require_trust=False), device="cpu", batch_size=batch_size).load()
    card = engine.package.card
    ds = load_dataset(data, csv_path, labels=card.labels)
    for note in ds.notes:
        progress(f"note: {note}")
    progress(f"evaluating {card.ref} ({engine.runtime} on {engine.device}) on {len(ds.records)} images "
             f"from {ds.root}")
    t0 = time.perf_counter()
    batches = make_dataset([ds.abspath(r) for r in ds.records], size=card.input_size, batch_size=batch_size)
    logits = []
    for i, x in enumerate(batches):
        logits.append(np.asarray(engine.run_batch(x.numpy())["logits"], np.float32).reshape(len(x), -1))
        if (i + 1) % 10 == 0:
            progress(f"  {min((i + 1) * batch_size, len(ds.records))}/{len(ds.records)} images")
    z = np.concatenate(logits)
    y = np.array([r.targets for r in ds.records], np.int64)
    groups = np.array([r.patient for r in ds.records])
    result = evaluate_arrays(card.labels, z, y, groups, temperature=card.temperature, thresholds=card.thresholds,
                             seed=seed)
    result["model"] = engine.identity
    result["data"] = str(ds.root) + (f" (CSV {csv_path})" if csv_path else "")
    result["seconds"] = round(time.perf_counter() - t0, 1)
    write_report(Path(out), result, title=f"{card.ref} on {Path(data).name}")
    return result
