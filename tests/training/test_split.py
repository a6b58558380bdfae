"""Patient-level split: no child in both folds, reproducible for a seed, recorded in a hashed manifest; the
one splitter (``patient_folds``) that the classifier, the U-Net and the OOD gate share."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from radassist.core.errors import DatasetError
from radassist.training.datasets import Dataset, Record, load_dataset
from radassist.training.split import (
    TRAIN,
    VAL,
    manifest,
    patient_folds,
    patient_holdout,
    patient_split,
    write_manifest,
)
from tests.training._fixtures import make_class_folders


def _synthetic(n_patients: int = 300) -> Dataset:
    recs = []
    for p in range(n_patients):
        for k in range(1 + p % 4):
            recs.append(Record(f"img/{p}_{k}.png", (int(p % 3 == 0),), f"patient{p}"))
    return Dataset(root=__import__("pathlib").Path("."), labels=("pneumonia",), records=tuple(recs))


def test_no_patient_is_in_both_folds_and_prevalence_is_kept():
    ds = _synthetic()
    split = patient_split(ds, 0.2, seed=3)
    folds_of: dict[str, set[str]] = {}
    for r in ds.records:
        folds_of.setdefault(r.patient, set()).add(split.folds[r.path])
    assert all(len(f) == 1 for f in folds_of.values())
    val_patients = {p for p, f in folds_of.items() if f == {VAL}}
    assert abs(len(val_patients) - 60) <= 1
    pos_share = sum(int(p.removeprefix("patient")) % 3 == 0 for p in val_patients) / len(val_patients)
    assert abs(pos_share - 1 / 3) < 0.03


def test_split_is_deterministic_for_a_seed_and_changes_with_it():
    ds = _synthetic()
    assert patient_split(ds, 0.2, seed=1).folds == patient_split(ds, 0.2, seed=1).folds
    assert patient_split(ds, 0.2, seed=1).folds != patient_split(ds, 0.2, seed=2).folds


def test_manifest_lists_every_file_and_its_hash_is_stable(tmp_path):
    root = make_class_folders(tmp_path / "d", n_per_class=6)
    split = patient_split(load_dataset(root), 0.3, seed=0)
    h1 = write_manifest(split, tmp_path / "m1.json")
    h2 = write_manifest(patient_split(load_dataset(root), 0.3, seed=0), tmp_path / "m2.json")
    assert h1 == h2 == hashlib.sha256((tmp_path / "m1.json").read_bytes()).hexdigest()
    data = json.loads((tmp_path / "m1.json").read_text())
    assert len(data["files"]) == 12 and data["split_unit"] == "patient"
    f0 = data["files"][0]
    assert set(f0) == {"path", "targets", "patient", "fold", "sha256"}
    assert f0["sha256"] == hashlib.sha256((root / f0["path"]).read_bytes()).hexdigest()
    assert {f["fold"] for f in data["files"]} == {TRAIN, VAL}
    # a changed image changes the manifest hash
    (root / f0["path"]).write_bytes(b"changed")
    assert write_manifest(split, tmp_path / "m3.json") != h1
    assert manifest(split)["counts"][TRAIN]["images"] + manifest(split)["counts"][VAL]["images"] == 12


def _rows(n_patients: int = 200, seed: int = 0) -> tuple[list[str], list[str]]:
    """Patients with 1-5 images each, in three strata of unequal size."""
    rng = np.random.default_rng(seed)
    patients, strata = [], []
    for p in range(n_patients):
        kind = "a" if p % 6 == 0 else "b" if p % 3 == 0 else "c"
        for _ in range(int(rng.integers(1, 6))):
            patients.append(f"p{p}")
            strata.append(kind)
    return patients, strata


def test_patient_folds_keep_patients_whole_balance_strata_and_repeat_for_a_seed():
    patients, strata = _rows()
    folds = patient_folds(patients, strata, n_folds=5, seed=4)
    assert sorted(set(folds.tolist())) == [0, 1, 2, 3, 4]
    for p in set(patients):
        assert len({f for q, f in zip(patients, folds, strict=True) if q == p}) == 1
    images = np.bincount(folds)
    assert images.max() - images.min() <= 0.1 * images.mean()
    for kind in "abc":
        per_fold = np.bincount(folds[np.array(strata) == kind], minlength=5)
        assert per_fold.min() > 0 and per_fold.max() - per_fold.min() <= 0.25 * per_fold.mean()
    assert np.array_equal(folds, patient_folds(patients, strata, n_folds=5, seed=4))
    assert not np.array_equal(folds, patient_folds(patients, strata, n_folds=5, seed=5))
    # row order does not matter: a patient's fold depends on the patients, not on how the rows are listed
    order = np.random.default_rng(0).permutation(len(patients))
    again = patient_folds([patients[i] for i in order], [strata[i] for i in order], n_folds=5, seed=4)
    assert np.array_equal(again, folds[order])


@pytest.mark.parametrize("fraction", [0.15, 0.2, 0.3])
def test_holdout_takes_the_asked_share_of_patients(fraction):
    patients, strata = _rows(400)
    val = patient_holdout(patients, strata, val_fraction=fraction, seed=0)
    val_patients = {p for p, v in zip(patients, val, strict=True) if v}
    assert abs(len(val_patients) / 400 - fraction) < 0.03
    assert not val_patients & {p for p, v in zip(patients, val, strict=True) if not v}


def test_tiny_sets_get_a_patient_on_each_side_and_a_single_patient_is_refused():
    assert patient_holdout(["a", "b"], val_fraction=0.2, seed=0).tolist().count(True) == 1
    val = patient_holdout(["a", "a", "b", "c"], ["x", "x", "y", "y"], val_fraction=0.5, seed=3)
    assert val[0] == val[1] and 0 < val.sum() < 4
    with pytest.raises(DatasetError, match="two patients"):
        patient_holdout(["a", "a"], val_fraction=0.2, seed=0)
    with pytest.raises(DatasetError, match="between 0 and 1"):
        patient_holdout(["a", "b"], val_fraction=1.0, seed=0)
    with pytest.raises(DatasetError, match="5 folds"):
        patient_folds(["a", "b", "c"], n_folds=5, seed=0)
