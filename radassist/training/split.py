"""Patient-level folds for every trainer, and the classifier's train/validation manifest.

The same child appears in many images (one Kermany patient has 30): every image of a patient goes to the
same fold, or validation scores are inflated. :func:`patient_folds` is the one splitter (scikit-learn's
``StratifiedGroupKFold``, shuffled by the seed); the classifier, the lung U-Net (through
:func:`patient_holdout`) and the OOD gate's cross-validation all call it. Strata (label pattern, source,
category) are spread evenly over the folds so each keeps the prevalence. The manifest lists every file's
path, targets, patient, fold and sha256; its own sha256 (of the canonical JSON bytes, which is exactly the
file written) goes into the model card.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from radassist.core.digest import sha256_file
from radassist.core.errors import DatasetError
from radassist.training.datasets import Dataset, Record

TRAIN, VAL = "train", "val"
#: written into the manifest so a reader knows how the folds were drawn from the seed
SPLIT_METHOD = "sklearn.model_selection.StratifiedGroupKFold(shuffle=True, random_state=seed)"


def patient_folds(patients: Sequence[Hashable], strata: Sequence[Hashable] | None = None, *, n_folds: int,
                  seed: int) -> np.ndarray:
    """Fold number (0 .. n_folds-1) of every row: all rows of a patient (or paper, or CT series) share a
    fold, and each stratum is spread as evenly as the patients allow. Deterministic for (data, seed)."""
    groups = np.asarray([str(g) for g in patients])
    n_groups = len(np.unique(groups))
    if n_folds < 2 or n_groups < n_folds:
        raise DatasetError(f"{n_folds} folds need at least {max(n_folds, 2)} patients; there are {n_groups}.",
                           hint="Use more images or fewer folds.")
    if strata is None:
        y = np.zeros(len(groups), dtype=int)
    else:
        codes = {s: i for i, s in enumerate(sorted(set(strata), key=repr))}
        y = np.array([codes[s] for s in strata], dtype=int)
        if np.all(np.bincount(y) < n_folds):  # no stratum fills the folds (a tiny set): group folds only
            y = np.zeros(len(groups), dtype=int)
    from sklearn.model_selection import StratifiedGroupKFold

    folds = np.full(len(groups), -1, dtype=int)
    with warnings.catch_warnings():
        # a stratum smaller than n_folds (three photos of one kind) is expected: it lands in fewer folds
        warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
        splitter = StratifiedGroupKFold(n_splits=n_folds, shuffle=True, random_state=seed)
        for k, (_, test) in enumerate(splitter.split(np.zeros(len(groups)), y, groups)):
            folds[test] = k
    return folds


def patient_holdout(patients: Sequence[Hashable], strata: Sequence[Hashable] | None = None, *,
                    val_fraction: float, seed: int) -> np.ndarray:
    """True for the validation rows: about ``val_fraction`` of the patients, whole, stratified.

    The fraction is taken as folds of :func:`patient_folds` (0.2 = 1 of 5 folds, 0.3 = 3 of 10, at most
    20 folds); a set with few patients gets one patient, at least, on each side.
    """
    if not 0.0 < val_fraction < 1.0:
        raise DatasetError(f"--val-fraction must be between 0 and 1, got {val_fraction}.")
    n_groups = len({str(p) for p in patients})
    if n_groups < 2:
        raise DatasetError("A patient-level split needs at least two patients.")
    n_folds = min(Fraction(val_fraction).limit_denominator(20).denominator, n_groups)
    n_val = min(max(round(val_fraction * n_folds), 1), n_folds - 1)
    return patient_folds(patients, strata, n_folds=n_folds, seed=seed) < n_val


@dataclass(frozen=True)
class Split:
    dataset: Dataset
    folds: dict[str, str]  # path -> "train" | "val"
    seed: int
    val_fraction: float

    def records(self, fold: str) -> tuple[Record, ...]:
        return tuple(r for r in self.dataset.records if self.folds[r.path] == fold)


def patient_split(dataset: Dataset, val_fraction: float = 0.2, seed: int = 0) -> Split:
    """Assign whole patients to train/val, stratified by the patient's label pattern; deterministic for
    (data, fraction, seed)."""
    pattern: dict[str, tuple[int, ...]] = defaultdict(lambda: (0,) * len(dataset.labels))
    for r in dataset.records:  # a patient is positive for a label when any of their images is
        pattern[r.patient] = tuple(max(a, b) for a, b in zip(pattern[r.patient], r.targets, strict=True))
    val = patient_holdout([r.patient for r in dataset.records], [pattern[r.patient] for r in dataset.records],
                          val_fraction=val_fraction, seed=seed)
    folds = {r.path: (VAL if v else TRAIN) for r, v in zip(dataset.records, val, strict=True)}
    return Split(dataset, folds, seed, val_fraction)


def manifest(split: Split) -> dict:
    ds = split.dataset
    files = [{"path": r.path, "targets": list(r.targets), "patient": r.patient, "fold": split.folds[r.path],
              "sha256": sha256_file(ds.abspath(r))} for r in ds.records]
    counts = {fold: {"images": sum(1 for f in files if f["fold"] == fold),
                     "patients": len({f["patient"] for f in files if f["fold"] == fold}),
                     "positives": [sum(f["targets"][i] for f in files if f["fold"] == fold)
                                   for i in range(len(ds.labels))]}
              for fold in (TRAIN, VAL)}
    return {"format": "radassist-split-manifest/1", "labels": list(ds.labels), "seed": split.seed,
            "val_fraction": split.val_fraction, "split_unit": "patient", "split_method": SPLIT_METHOD,
            "counts": counts, "files": files}


def manifest_bytes(data: dict) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def write_manifest(split: Split, out_path: str | Path) -> str:
    """Write the manifest; return its sha256 (equal to ``sha256sum`` of the file)."""
    blob = manifest_bytes(manifest(split))
    Path(out_path).write_bytes(blob)
    return hashlib.sha256(blob).hexdigest()
