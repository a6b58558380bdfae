"""Patient-level split: no child in both folds, reproducible for a seed, recorded in a hashed manifest."""

from __future__ import annotations

import hashlib
import json

from radassist.training.datasets import Dataset, Record, load_dataset
from radassist.training.split import TRAIN, VAL, manifest, patient_split, write_manifest
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
