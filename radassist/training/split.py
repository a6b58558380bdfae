"""Patient-level train/validation split and the manifest that makes a run reproducible.

The same child appears in many images (one Kermany patient has 30): every image of a patient goes to the
same fold, or validation scores are inflated. Patients are stratified by their label pattern so both
folds keep the prevalence. The manifest lists every file's path, targets, patient, fold and sha256; its
own sha256 (of the canonical JSON bytes, which is exactly the file written) goes into the model card.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from radassist.core.digest import sha256_file
from radassist.core.errors import DatasetError
from radassist.training.datasets import Dataset, Record

TRAIN, VAL = "train", "val"


@dataclass(frozen=True)
class Split:
    dataset: Dataset
    folds: dict[str, str]  # path -> "train" | "val"
    seed: int
    val_fraction: float

    def records(self, fold: str) -> tuple[Record, ...]:
        return tuple(r for r in self.dataset.records if self.folds[r.path] == fold)


def patient_split(dataset: Dataset, val_fraction: float = 0.2, seed: int = 0) -> Split:
    """Assign whole patients to train/val; deterministic for (data, fraction, seed)."""
    if not 0.0 < val_fraction < 1.0:
        raise DatasetError(f"--val-fraction must be between 0 and 1, got {val_fraction}.")
    by_patient: dict[str, list[Record]] = defaultdict(list)
    for r in dataset.records:
        by_patient[r.patient].append(r)
    if len(by_patient) < 2:
        raise DatasetError("A patient-level split needs at least two patients.")
    strata: dict[tuple[int, ...], list[str]] = defaultdict(list)
    for patient, recs in by_patient.items():
        pattern = tuple(max(r.targets[i] for r in recs) for i in range(len(dataset.labels)))
        strata[pattern].append(patient)
    rng = np.random.default_rng(seed)
    val_patients: set[str] = set()
    for pattern in sorted(strata):
        members = sorted(strata[pattern])
        order = rng.permutation(len(members))
        n_val = int(round(val_fraction * len(members)))
        val_patients.update(members[i] for i in order[:n_val])
    if not val_patients or len(val_patients) == len(by_patient):
        # tiny sets: force one patient on each side
        ordered = sorted(by_patient)
        val_patients = {ordered[int(rng.integers(len(ordered)))]}
    folds = {r.path: (VAL if r.patient in val_patients else TRAIN) for r in dataset.records}
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
            "val_fraction": split.val_fraction, "split_unit": "patient", "counts": counts, "files": files}


def manifest_bytes(data: dict) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def write_manifest(split: Split, out_path: str | Path) -> str:
    """Write the manifest; return its sha256 (equal to ``sha256sum`` of the file)."""
    blob = manifest_bytes(manifest(split))
    Path(out_path).write_bytes(blob)
    return hashlib.sha256(blob).hexdigest()
